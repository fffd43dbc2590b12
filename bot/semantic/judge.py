"""How the semantic layer's scores change what alerts: require, veto, add.

Given a story's rule matches and its ``SemanticScores``:

* a rule with ``semantic: {min: 0.6}`` keeps its match only when its category scores at least
  that much (``category:`` picks another category's score);
* a rule match whose category scores below ``veto_below`` (the rule's own, else the global
  ``semantic.veto_below``) is vetoed;
* a category listed in ``semantic.alert_on_score`` alerts on a score at or above its threshold
  even when no rule of that category matched (rule id ``semantic:<category>``).

A story is scored on its headline and lede (``bot.semantic.model.story_text``): a short summary
whole, a long one (a full article, show notes) by its opening sentences, the summary's or, when
the feed has none, the body's. So on a long text a rule match whose evidence lies past an
unrelated opening scores low and can be vetoed, while short items score exactly as before.

Every decision carries its explanation: the score and the nearest labelled example. Kept
matches get the score in their ``note``; a veto is reported on the story's other matches, so a
Slack alert says what was dropped. The decisions are pure; ``score_stories`` and its async
twin are the only entry points that load the model (``bot.semantic.model``), lazily, so nothing here
imports numpy when rules.yaml has no ``semantic:`` section.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.core.errors import BotError
from bot.core.models import Match, Neighbour, SemanticScores, Story
from bot.core.semantic_files import INSTALL_HINT
from bot.observe.logs import event, get_logger
from bot.rules.match import RuleSet, match_story

if TYPE_CHECKING:
    from bot.core.settings import Config, SemanticSettings
    from bot.semantic.model import SemanticModel

log = get_logger("semantic")
RULE_PREFIX = "semantic:"
ADDED_SEVERITY = "medium"


@dataclass(frozen=True)
class Vetoed:
    """A rule match the semantic layer dropped, and why."""

    match: Match
    reason: str


@dataclass(frozen=True)
class Judgement:
    """What alerts for one story (rule matches kept, plus any the layer added) and what the
    layer vetoed."""

    matches: tuple[Match, ...]
    vetoed: tuple[Vetoed, ...] = ()

    @property
    def added(self) -> tuple[Match, ...]:
        return tuple(m for m in self.matches if m.rule_id.startswith(RULE_PREFIX))


def describe_neighbour(neighbour: Neighbour | None) -> str:
    """``nearest labelled example: “…” (similarity 0.71, labelled facial-recognition)``."""
    if neighbour is None:
        return "no labelled example to compare with"
    labels = ", ".join(neighbour.labels) or "none"
    return f"nearest labelled example: “{neighbour.title}” (similarity {neighbour.similarity:.2f}, labelled {labels})"


def _channels(ruleset: RuleSet, default_channel: str) -> dict[str, str]:
    """Where a category's alerts go: the channel of its first enabled rule."""
    out: dict[str, str] = {}
    for compiled in ruleset.rules:
        if compiled.rule.enabled:
            out.setdefault(compiled.rule.category, compiled.channel)
    return out


def judge(
    ruleset: RuleSet,
    semantic: SemanticSettings | None,
    matches: Sequence[Match],
    scores: SemanticScores | None,
    default_channel: str,
) -> Judgement:
    """Apply the semantic settings to one story's rule matches (see the module docstring).
    Without settings or scores (the layer failed), the rule matches stand unchanged."""
    if semantic is None or scores is None:
        return Judgement(tuple(matches))
    rules = {c.rule.id: c.rule for c in ruleset.rules}
    kept: list[Match] = []
    vetoed: list[Vetoed] = []
    for match in matches:
        rule = rules.get(match.rule_id)
        own = rule.semantic if rule is not None else None
        category = (own.category if own and own.category else None) or match.category
        score = scores.scores.get(category)
        if score is None:  # a category the examples never label: no opinion
            kept.append(match)
            continue
        near = describe_neighbour(scores.nearest)
        if own is not None and own.min is not None and score < own.min:
            reason = f"needs a {category} score of at least {own.min:.2f}, got {score:.2f}; {near}"
            vetoed.append(Vetoed(match, reason))
            continue
        veto = own.veto_below if own is not None and own.veto_below is not None else semantic.veto_below
        if veto and score < veto:
            vetoed.append(Vetoed(match, f"{category} score {score:.2f} is below {veto:.2f}; {near}"))
            continue
        needs = f", needs {own.min:.2f}" if own is not None and own.min is not None else ""
        kept.append(replace(match, note=f"semantic score {score:.2f} for {category}{needs}"))
    covered = {m.category for m in kept}
    channels = _channels(ruleset, default_channel)
    for category in semantic.alert_on_score:
        score = scores.scores.get(category)
        threshold = semantic.threshold(category)
        if category in covered or score is None or score < threshold:
            continue
        near = describe_neighbour(scores.nearest_in.get(category))
        kept.append(
            Match(
                rule_id=f"{RULE_PREFIX}{category}",
                category=category,
                severity=ADDED_SEVERITY,
                channel=channels.get(category, default_channel),
                description="added by the semantic layer (no keyword rule matched)",
                note=f"semantic score {score:.2f} for {category} (alerts at {threshold:.2f}); {near}",
            )
        )
    if vetoed and kept:
        kept = _report_vetoes(kept, vetoed)
    return Judgement(tuple(kept), tuple(vetoed))


def _report_vetoes(kept: list[Match], vetoed: list[Vetoed]) -> list[Match]:
    """Tell the alert what was dropped: each veto goes into the note of the first kept match
    in the same channel (else the first kept match)."""
    out = list(kept)
    for v in vetoed:
        i = next((i for i, m in enumerate(out) if m.channel == v.match.channel), 0)
        line = f"vetoed rule {v.match.rule_id} [{v.match.category}]: {v.reason}"
        out[i] = replace(out[i], note=f"{out[i].note}\n{line}" if out[i].note else line)
    return out


def judge_story(
    ruleset: RuleSet, config: Config, story: Story, scores: Mapping[str, SemanticScores] | None
) -> Judgement:
    """Rule matches for ``story`` with the semantic layer applied (``scores`` by story key)."""
    matches = match_story(ruleset, story)
    found = scores.get(story.key) if scores is not None else None
    return judge(ruleset, config.semantic, matches, found, config.settings.default_channel)


def load_scorer(semantic: SemanticSettings) -> SemanticModel:
    """The trained model for these settings (built once, then cached). Raises BotError."""
    try:
        from bot.semantic import model as layer
    except ImportError as exc:
        raise BotError(f"the semantic layer needs the [semantic] extra ({exc}): {INSTALL_HINT}") from exc
    return layer.load_model(semantic.model, semantic.examples, semantic.categories)


def score_stories(semantic: SemanticSettings, stories: Sequence[Story]) -> dict[str, SemanticScores]:
    """Scores by story key, embedding in batches. CPU-bound: run it in a worker thread."""
    if not stories:
        return {}
    model = load_scorer(semantic)
    results = model.score([(s.title, s.summary or s.body) for s in stories])
    return {s.key: r for s, r in zip(stories, results, strict=True)}


async def score_stories_async(config: Config, stories: Sequence[Story]) -> dict[str, SemanticScores] | None:
    """``score_stories`` off the event loop; None (rules alone decide) when the layer is off or
    fails, which is logged as an error rather than losing the feed's alerts."""
    if config.semantic is None or not stories:
        return None
    try:
        return await asyncio.to_thread(score_stories, config.semantic, stories)
    except BotError as exc:
        event(log, "semantic_failed", logging.ERROR, error=str(exc), action="rules alone decide")
        return None
