"""``ethics-bot replay``: what an edit of the rules would have changed on the stories the state
keeps. Pure: the command line hands in the stored stories (``Store.stored_stories``) and two
compiled rule sets; nothing here reads a file or the database.

The baseline is the *current* rules file re-run over the same stories, not the alerts the state
recorded: those also depend on when each story was first seen (the look-back of a feed's first
poll), on the rules that ran at the time, and on the semantic layer, so a diff against them
would mix the edit with history. Re-running both files over the same stories isolates the edit.
Only keyword rules are replayed; the semantic layer is not applied.

A story is **added** when the new rules alert on it and the current ones do not, **removed** in
the opposite case, and **changed** when both alert but through different rules. Each comes with
the rules involved and their explanation (``rules.match.explain_story``); per-rule counts cover
every story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.core.models import Rule, Story
from bot.core.settings import Config
from bot.rules.match import RuleSet, compile_rules, explain_story, match_story


@dataclass(frozen=True)
class Change:
    """One story whose alert an edit changes: the rules that alert on it under the current and
    the new rules, and a line per rule saying why (query trace and matched terms)."""

    story: Story
    current: tuple[str, ...]
    new: tuple[str, ...]
    why: tuple[str, ...]

    def as_dict(self, side: str) -> dict[str, Any]:
        s = self.story
        return {
            "title": s.title,
            "url": s.link,
            "source": s.source,
            "rules": list(self.new if side == "new" else self.current),
            "current_rules": list(self.current),
            "new_rules": list(self.new),
            "explanation": list(self.why),
        }


@dataclass(frozen=True)
class RuleCount:
    rule_id: str
    current: int  # stories this rule alerts on under the current rules (0: not there)
    new: int  # and under the new rules
    in_current: bool
    in_new: bool
    counted: bool = True  # False: a rule the edit did not touch, not counted (same on both sides)


@dataclass(frozen=True)
class Replay:
    stories: int
    current_alerts: int | None  # stories the current rules alert on (None: not counted)
    new_alerts: int | None
    added: tuple[Change, ...]
    removed: tuple[Change, ...]
    changed: tuple[Change, ...]
    rules: tuple[RuleCount, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "stories": self.stories,
            "current_alerts": self.current_alerts,
            "new_alerts": self.new_alerts,
            "added": [c.as_dict("new") for c in self.added],
            "removed": [c.as_dict("current") for c in self.removed],
            "changed": [c.as_dict("new") for c in self.changed],
            "rules": {
                r.rule_id: {"current": r.current, "new": r.new, "in_current": r.in_current, "in_new": r.in_new}
                for r in self.rules
                if r.counted
            },
            "unchanged_rules": [r.rule_id for r in self.rules if not r.counted],
        }


def _why(rulesets: Sequence[RuleSet], tag: str, story: Story, rule_ids: Sequence[str], label: str) -> list[str]:
    """A line per rule of ``rule_ids`` (ids as written, looked up as ``tag`` + id): its query's
    trace on ``story`` and the terms that fired."""
    out = []
    wanted = {f"{tag}{rid}" for rid in rule_ids}
    for ruleset in rulesets:
        for e in explain_story(ruleset, story):
            if e.rule_id not in wanted:
                continue
            terms = ", ".join(dict.fromkeys(f"{h.term} → “{h.text}” ({h.span.field})" for h in e.hits))
            line = f"{label} {e.rule_id[len(tag):]} [{e.category}]: {e.explanation}"
            if e.excluded and e.exclude_explanation:
                line += f"; excluded by {e.exclude_explanation}"
            out.append(line + (f"; terms: {terms}" if terms and e.matched and not e.excluded else ""))
    return out


def _matching(rule: Rule) -> Rule:
    """The parts of a rule that decide what it matches (everything but how it is shown and
    where it goes), for telling unchanged rules from edited ones."""
    return replace(rule, description="", severity="medium", channel=None, semantic=None)


CUR, NEW = "\x1fcurrent:", "\x1fnew:"  # rule ids of each side inside the one rule set of edited rules


def _tagged(rules: Sequence[Rule], tag: str) -> list[Rule]:
    return [replace(r, id=f"{tag}{r.id}") for r in rules]


class _Plan:
    """How to run both files with as little matching as possible. When the two files share
    their lists and settings, a rule present in both with the same query, exclude and switch
    matches the same stories on both sides: those shared rules run once, and only on the
    stories an edited, added or removed rule matches (or on every story with ``full``), while
    the edited rules of both sides run together in one rule set, so each story is tokenised
    once. Otherwise both files run in full."""

    def __init__(self, current: Config, new: Config, full: bool) -> None:
        cs, ns = current.settings, new.settings
        self.current, self.new, self.full = current, new, full
        self.cur_order = {r.id: i for i, r in enumerate(current.rules)}
        self.new_order = {r.id: i for i, r in enumerate(new.rules)}
        same_terms = current.lists == new.lists and cs.match_body == ns.match_body
        new_by_id = {r.id: r for r in new.rules}
        if same_terms:
            shared = [r for r in current.rules if r.id in new_by_id and _matching(r) == _matching(new_by_id[r.id])]
        else:
            shared = []
        ids = {r.id for r in shared}
        self.shared_ids = ids
        only_cur = [r for r in current.rules if r.id not in ids]
        only_new = [r for r in new.rules if r.id not in ids]
        fields = (current.lists, cs.default_channel)
        if same_terms:
            self.diff: tuple[RuleSet, ...] = (
                compile_rules(_tagged(only_cur, CUR) + _tagged(only_new, NEW), *fields, match_body=cs.match_body),
            )
        else:
            self.diff = (
                compile_rules(_tagged(only_cur, CUR), *fields, match_body=cs.match_body),
                compile_rules(_tagged(only_new, NEW), new.lists, ns.default_channel, match_body=ns.match_body),
            )
        self.shared = compile_rules(shared, *fields, match_body=cs.match_body)
        self.changed_ids = {r.id for r in only_cur} | {r.id for r in only_new}

    def run(self, story: Story) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The rules alerting on ``story`` under the current and the new file, or None when no
        edited rule matches it and the shared ones were not asked for (nothing changes)."""
        found = [m.rule_id for rs in self.diff for m in match_story(rs, story)]
        if not found and not self.full:
            return None
        shared = [m.rule_id for m in match_story(self.shared, story)] if self.shared.rules else []
        before = [rid[len(CUR) :] for rid in found if rid.startswith(CUR)] + shared
        after = [rid[len(NEW) :] for rid in found if rid.startswith(NEW)] + shared
        before.sort(key=self.cur_order.__getitem__)
        after.sort(key=self.new_order.__getitem__)
        return tuple(before), tuple(after)


def replay(current: Config, new: Config, stories: Sequence[Story], *, full: bool = False) -> Replay:
    """Run both rules files over ``stories`` and compare what they alert on. Rules the edit did
    not touch are counted only with ``full`` (their counts are the same on both sides); without
    it, ``current_alerts`` and ``new_alerts`` are None."""
    plan = _Plan(current, new, full)
    counted = plan.changed_ids | (plan.shared_ids if full else set())
    counts_cur: dict[str, int] = {r.id: 0 for r in current.rules if r.id in counted}
    counts_new: dict[str, int] = {r.id: 0 for r in new.rules if r.id in counted}
    added: list[Change] = []
    removed: list[Change] = []
    changed: list[Change] = []
    cur_alerts = new_alerts = 0
    new_ids = [r.id for r in new.rules]
    for story in stories:
        verdict = plan.run(story)
        if verdict is None:
            continue
        before, after = verdict
        for rid in before:
            if rid in counts_cur:
                counts_cur[rid] += 1
        for rid in after:
            if rid in counts_new:
                counts_new[rid] += 1
        cur_alerts += bool(before)
        new_alerts += bool(after)
        if before == after:
            continue
        if after and not before:
            why = _why(plan.diff, NEW, story, after, "now")
            added.append(Change(story, before, after, tuple(why)))
        elif before and not after:
            why = _why(plan.diff, CUR, story, before, "was")
            why += _why(plan.diff, NEW, story, [rid for rid in before if rid in new_ids], "now")
            why += _gone(new_ids, before)
            removed.append(Change(story, before, after, tuple(why)))
        else:
            why = _why(plan.diff, NEW, story, [r for r in after if r not in before], "now")
            why += _why(plan.diff, CUR, story, [r for r in before if r not in after], "was")
            changed.append(Change(story, before, after, tuple(why)))
    rule_ids = list(dict.fromkeys([r.id for r in current.rules] + [r.id for r in new.rules]))
    in_cur = {r.id for r in current.rules}
    in_new = {r.id for r in new.rules}
    rules = tuple(
        RuleCount(
            rid,
            counts_cur.get(rid, 0),
            counts_new.get(rid, 0),
            rid in in_cur,
            rid in in_new,
            counted=rid in counted,
        )
        for rid in rule_ids
    )
    return Replay(
        len(stories),
        cur_alerts if full else None,
        new_alerts if full else None,
        tuple(added),
        tuple(removed),
        tuple(changed),
        rules,
    )


def added_alerts(current: Config, new: Config, stories: Sequence[Story]) -> tuple[int, dict[str, int]]:
    """For the flood guard: on how many of ``stories`` the new file alerts and the current one
    does not, and per rule of the new file, how many of those it alerts on."""
    plan = _Plan(current, new, full=False)
    per_rule: dict[str, int] = {}
    count = 0
    for story in stories:
        verdict = plan.run(story)
        if verdict is None or verdict[0] or not verdict[1]:
            continue
        count += 1
        for rid in verdict[1]:
            per_rule[rid] = per_rule.get(rid, 0) + 1
    return count, per_rule


def _gone(new_ids: Sequence[str], rule_ids: Sequence[str]) -> list[str]:
    return [f"rule {rid} is not in the new rules" for rid in rule_ids if rid not in new_ids]


def _story_lines(c: Change, side: str) -> list[str]:
    s = c.story
    rules = c.new if side == "new" else c.current
    out = [f"  {s.title or '(untitled)'}", f"      {s.link or '(no link)'} · {s.source} · rules: {', '.join(rules)}"]
    if side == "changed":
        out[-1] = f"      {s.link or '(no link)'} · {s.source} · rules: {', '.join(c.current)} → {', '.join(c.new)}"
    out += [f"      {line}" for line in c.why]
    return out


def format_replay(r: Replay, *, since: str, current_name: str, new_name: str | None) -> str:
    head = f"replayed {r.stories} stored stories ({since})"
    if r.current_alerts is not None:
        head += f": {current_name} alerts on {r.current_alerts}"
        if new_name:
            head += f", {new_name} on {r.new_alerts}"
    lines = [head]
    if not new_name:
        lines.append("no --rules NEW.yaml given: the counts of the current rules only")
    else:
        lines += ["", f"added ({len(r.added)}): {new_name} alerts, {current_name} does not"]
        for c in r.added:
            lines += _story_lines(c, "new")
        lines += ["", f"removed ({len(r.removed)}): {current_name} alerts, {new_name} does not"]
        for c in r.removed:
            lines += _story_lines(c, "current")
        if r.changed:
            lines += ["", f"alerting through other rules ({len(r.changed)})"]
            for c in r.changed:
                lines += _story_lines(c, "changed")
    if not new_name:
        lines += ["", "stories per rule:"] + [f"  {rc.rule_id:<40} {rc.current:>8}" for rc in r.rules]
        return "\n".join(lines)
    lines += ["", "stories per rule:", f"  {'rule':<40} {'current':>8} {'new':>8} {'change':>8}"]
    for rc in r.rules:
        if not rc.counted:
            continue
        cur = str(rc.current) if rc.in_current else "-"
        new = str(rc.new) if rc.in_new else "-"
        lines.append(f"  {rc.rule_id:<40} {cur:>8} {new:>8} {rc.new - rc.current:>+8}")
    same = [rc.rule_id for rc in r.rules if not rc.counted]
    if same:
        lines.append(f"  and {len(same)} rules the edit does not change (not counted; --full counts them)")
    return "\n".join(lines)
