"""Human-readable explanations for ``ethics-bot test``: for every rule, whether it matched a
story, the terms that fired and where, and which clauses decided it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.match import RuleSet, explain_story
from bot.models import Hit, Story


def _hits_text(hits: Sequence[Hit]) -> str:
    return "; ".join(f"{h.term} → “{h.text}” ({h.span.field} {h.span.start}-{h.span.end})" for h in hits)


def explain_text(ruleset: RuleSet, stories: Sequence[Story], *, show_all: bool = True) -> str:
    out: list[str] = []
    for story in stories:
        out.append(f"== {story.title or '(untitled)'}")
        if story.link:
            out.append(f"   {story.link}")
        explanations = explain_story(ruleset, story)
        matched = [e for e in explanations if e.matched and not e.excluded]
        out.append(
            f"   {len(matched)} of {len(explanations)} rules match"
            + (f": {', '.join(sorted({e.category for e in matched}))}" if matched else "")
        )
        for e in sorted(explanations, key=lambda e: (not (e.matched and not e.excluded), e.rule_id)):
            if e.matched and not e.excluded:
                mark = "MATCH   "
            elif e.matched:
                mark = "EXCLUDED"
            else:
                mark = "no      "
            if not show_all and mark.startswith("no"):
                continue
            out.append(f"   {mark} {e.rule_id} [{e.category}]")
            out.append(f"            query:   {e.explanation}")
            if e.hits:
                out.append(f"            terms:   {_hits_text(e.hits)}")
            if e.exclude_explanation and e.matched:
                out.append(f"            exclude: {e.exclude_explanation}")
        out.append("")
    return "\n".join(out)
