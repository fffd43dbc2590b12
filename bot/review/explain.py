"""Human-readable explanations for ``ethics-bot test``: for every rule, whether it matched a
story, the terms that fired and where, and which clauses decided it; with a ``semantic:``
section, also the story's category scores and what the semantic layer vetoed or added, each
with its score and the nearest labelled example."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.core.models import Hit, SemanticScores, Story
from bot.rules.match import RuleSet, explain_story, lede_ends, match_story
from bot.semantic.judge import Judgement, describe_neighbour, judge

if TYPE_CHECKING:
    from bot.core.settings import Config


def _where(hit: Hit, lede: Mapping[str, int]) -> str:
    """``summary 12-20``, with ``, past the lede`` when the hit lies beyond the story's lede."""
    span = hit.span
    past = ", past the lede" if span.field in lede and span.end > lede[span.field] else ""
    return f"{span.field} {span.start}-{span.end}{past}"


def _hits_text(hits: Sequence[Hit], lede: Mapping[str, int]) -> str:
    return "; ".join(f"{h.term} → “{h.text}” ({_where(h, lede)})" for h in hits)


def _lede_line(story: Story, lede: Mapping[str, int]) -> str | None:
    """Where the lede ends, for a story whose summary or body reaches past it."""
    for name, text in (("summary", story.summary), ("body", story.body)):
        end = lede.get(name, 0)
        if end and any(c.isalnum() for c in text[end:]):
            return f"   lede: the title and {name} 0-{end} (of {len(text)} characters)"
    return None


def _semantic_lines(scores: SemanticScores, verdict: Judgement) -> list[str]:
    ranked = sorted(scores.scores.items(), key=lambda item: -item[1])
    out = ["   semantic scores: " + ", ".join(f"{c} {p:.2f}" for c, p in ranked[:5])]
    out.append(f"            {describe_neighbour(scores.nearest)}")
    for m in verdict.added:
        out.append(f"   ADDED    {m.rule_id} [{m.category}] (channel {m.channel})")
        out.append(f"            semantic: {m.note}")
    return out


def explain_text(
    ruleset: RuleSet,
    stories: Sequence[Story],
    *,
    show_all: bool = True,
    config: Config | None = None,
    scores: Mapping[str, SemanticScores] | None = None,
) -> str:
    out: list[str] = []
    for story in stories:
        out.append(f"== {story.title or '(untitled)'}")
        if story.link:
            out.append(f"   {story.link}")
        explanations = explain_story(ruleset, story)
        lede = lede_ends(story)
        lede_line = _lede_line(story, lede)
        if lede_line:
            out.append(lede_line)
        found = scores.get(story.key) if scores is not None else None
        semantic = config.semantic if config is not None else None
        default_channel = config.settings.default_channel if config is not None else "#alerts"
        verdict = judge(ruleset, semantic, match_story(ruleset, story), found, default_channel)
        vetoed = {v.match.rule_id: v.reason for v in verdict.vetoed}
        alerting = {m.rule_id for m in verdict.matches}
        categories = sorted({m.category for m in verdict.matches})
        out.append(
            f"   {len(alerting)} of {len(explanations)} rules match"
            + (f": {', '.join(categories)}" if categories else "")
            + (f" (the semantic layer vetoed {len(vetoed)})" if vetoed else "")
        )
        for e in sorted(explanations, key=lambda e: (not (e.matched and not e.excluded), e.rule_id)):
            if e.matched and not e.excluded:
                mark = "VETOED  " if e.rule_id in vetoed else "MATCH   "
            elif e.matched:
                mark = "EXCLUDED"
            else:
                mark = "no      "
            if not show_all and mark.startswith("no"):
                continue
            out.append(f"   {mark} {e.rule_id} [{e.category}]")
            out.append(f"            query:   {e.explanation}")
            if e.hits:
                out.append(f"            terms:   {_hits_text(e.hits, lede)}")
            if e.exclude_explanation and e.matched:
                out.append(f"            exclude: {e.exclude_explanation}")
            kept = next((m for m in verdict.matches if m.rule_id == e.rule_id), None)
            if e.rule_id in vetoed:
                out.append(f"            semantic: vetoed, {vetoed[e.rule_id]}")
            elif kept is not None and kept.note:
                out.append(f"            semantic: {kept.note.splitlines()[0]}")
        if found is not None:
            out.extend(_semantic_lines(found, verdict))
        out.append("")
    return "\n".join(out)
