"""The semantic layer learns from the channel: people's verdicts join the training examples.

``retrain(semantic, examples)`` takes the stories people labelled with the feedback buttons
(``FeedbackExample``, from the store), trains the classifiers again on the shipped examples
plus these, and makes that the model every later score uses. A person's label replaces a
shipped example on the same story (same headline) and weighs ``PERSON_WEIGHT`` per person who
gave it, so twenty people saying "not relevant" outweigh one shipped example twenty times over.
It logs the evaluation before and after (``semantic_retrained``): precision and recall at the
configured thresholds on the shipped examples and on the feedback stories. These are figures
on the training stories themselves, a check that the new model agrees with people without
forgetting the shipped examples, not an estimate for unseen stories (``eval --cv`` gives that).

It reads no database (the flow hands the examples in) and decides nothing about alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bot.core.feedback import FeedbackExample
from bot.core.labelled import Labelled
from bot.observe.logs import event, get_logger
from bot.semantic import model as layer

if TYPE_CHECKING:
    from bot.core.settings import SemanticSettings

log = get_logger("semantic")


@dataclass(frozen=True)
class Fit:
    """Micro-averaged precision and recall over the scored categories at their thresholds."""

    stories: int
    precision: float | None
    recall: float | None

    def describe(self) -> str:
        def pct(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        return f"precision {pct(self.precision)} recall {pct(self.recall)} on {self.stories}"


@dataclass(frozen=True)
class Retrained:
    feedback: int
    shipped_before: Fit
    shipped_after: Fit
    feedback_before: Fit
    feedback_after: Fit


def training_items(examples: Sequence[FeedbackExample]) -> list[tuple[Labelled, float]]:
    """People's labels as weighted training examples."""
    return [(Labelled(e.id, e.title, e.summary, frozenset(e.labels)), layer.PERSON_WEIGHT * max(1, e.votes))
            for e in examples]


def fit(model: layer.SemanticModel, semantic: SemanticSettings, items: Sequence[Labelled]) -> Fit:
    """How ``model`` at the configured thresholds agrees with the labels of ``items``."""
    if not items:
        return Fit(0, None, None)
    vectors = model.encoder.embed_examples([layer.story_text(i.title, i.summary) for i in items])
    probs = model.probabilities(vectors)
    tp = fp = fn = 0
    for category, p in probs.items():
        said = p >= semantic.threshold(category)
        truth = np.array([category in i.labels for i in items])
        tp += int((said & truth).sum())
        fp += int((said & ~truth).sum())
        fn += int((~said & truth).sum())
    return Fit(len(items), tp / (tp + fp) if tp + fp else None, tp / (tp + fn) if tp + fn else None)


def retrain(semantic: SemanticSettings, examples: Sequence[FeedbackExample]) -> Retrained:
    """Train with ``examples`` from now on, logging the evaluation before and after. CPU-bound
    (seconds): run it in a worker thread. Raises BotError when the model cannot load."""
    before = layer.load_model(semantic.model, semantic.examples, semantic.categories)
    shipped = layer.read_examples(semantic.examples)
    items = training_items(examples)
    people = [item for item, _ in items]
    shipped_before, feedback_before = fit(before, semantic, shipped), fit(before, semantic, people)
    layer.use_feedback(items)
    after = layer.load_model(semantic.model, semantic.examples, semantic.categories)
    result = Retrained(len(examples), shipped_before, fit(after, semantic, shipped), feedback_before,
                       fit(after, semantic, people))
    event(log, "semantic_retrained", logging.INFO, feedback_stories=len(examples),
          shipped_before=result.shipped_before.describe(), shipped_after=result.shipped_after.describe(),
          feedback_before=result.feedback_before.describe(), feedback_after=result.feedback_after.describe())
    return result
