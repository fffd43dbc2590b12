"""bot/review/replay.py runs only the rules an edit touches (and the shared ones where those
matched); these tables hold it to the plain way: both files matched in full over every story."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config.load import parse_config
from bot.core.models import Story
from bot.core.settings import Config
from bot.review.replay import added_alerts, replay
from bot.rules.match import compile_config, match_story

BASE = """\
version: 1
settings:
  match_body: {body}
lists:
  agencies: [{agencies}]
feeds: []
rules:
{rules}"""
RULES = {
    "police-face": "'\"facial recognition\" AND police'",
    "agency-contract": "'@agencies AND contract'",
    "drones": "'drone*'",
    "strike": "'strike NOT baseball'",
}


def config(rules: dict[str, str], *, agencies: str = "ICE, CBP", body: str = "true", extra: str = "") -> Config:
    text = "".join(f"  - id: {rid}\n    category: c-{rid}\n    query: {q}\n{extra}" for rid, q in rules.items())
    placeholder = "  - {id: x, category: x, query: x}\n"  # a file needs a rule; dropped below
    parsed = parse_config(BASE.format(rules=text or placeholder, agencies=agencies, body=body))
    return parsed if text else replace(parsed, rules=())


STORIES = [
    Story(key=str(n), feed_url="f", source="s", title=t, summary=s, body=b, link=f"https://x.org/{n}")
    for n, (t, s, b) in enumerate(
        [
            ("Police buy facial recognition", "", ""),
            ("ICE signs a contract", "", ""),
            ("FBI signs a contract", "", ""),
            ("Drones over the border", "CBP contract too", ""),
            ("Workers strike", "", "baseball fans annoyed"),
            ("Nothing to see", "", "police facial recognition in the body only"),
            ("Dronefest", "a drone show", ""),
        ]
    )
]


def plain(current: Config, new: Config) -> tuple[set[str], set[str], set[str], dict[str, tuple[int, int]]]:
    cur, nxt = compile_config(current), compile_config(new)
    added, removed, changed = set(), set(), set()
    counts: dict[str, list[int]] = {}
    for s in STORIES:
        before = [m.rule_id for m in match_story(cur, s)]
        after = [m.rule_id for m in match_story(nxt, s)]
        for rid in before:
            counts.setdefault(rid, [0, 0])[0] += 1
        for rid in after:
            counts.setdefault(rid, [0, 0])[1] += 1
        if after and not before:
            added.add(s.key)
        elif before and not after:
            removed.add(s.key)
        elif before != after:
            changed.add(s.key)
    return added, removed, changed, {k: (a, b) for k, (a, b) in counts.items()}


EDITS = {
    "one rule out, one in": (config(RULES), config({**{k: v for k, v in RULES.items() if k != "drones"},
                                                    "fbi": "'FBI'"})),
    "a query edited under the same id": (config(RULES), config({**RULES, "strike": "'strike'"})),
    "a list edited": (config(RULES), config(RULES, agencies="ICE, FBI")),
    "match_body switched off": (config(RULES), config(RULES, body="false")),
    "only the severity changed": (config(RULES), config(RULES, extra="    severity: high\n")),
    "a rule disabled": (config(RULES), config({**RULES}, extra="    enabled: false\n")),
    "from no rules at all": (config({}), config(RULES)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(EDITS))
def test_replay_agrees_with_matching_both_files_in_full(name: str) -> None:
    current, new = EDITS[name]
    added, removed, changed, counts = plain(current, new)
    for full in (False, True):
        r = replay(current, new, STORIES, full=full)
        assert {c.story.key for c in r.added} == added
        assert {c.story.key for c in r.removed} == removed
        assert {c.story.key for c in r.changed} == changed
        for rc in r.rules:
            if rc.counted:
                assert (rc.current, rc.new) == counts.get(rc.rule_id, (0, 0)), rc
        if full:
            assert all(rc.counted for rc in r.rules)
            assert r.current_alerts == sum(bool(match_story(compile_config(current), s)) for s in STORIES)
    count, per_rule = added_alerts(current, new, STORIES)
    assert count == len(added)
    assert sum(per_rule.values()) >= count


def test_each_change_says_why() -> None:
    current, new = EDITS["one rule out, one in"]
    r = replay(current, new, STORIES)
    (fbi,) = [c for c in r.added if c.story.title.startswith("FBI")]
    assert fbi.new == ("fbi",) and any("FBI" in line and "title" in line for line in fbi.why)
    gone = [c for c in r.removed if "rule drones is not in the new rules" in c.why]
    assert {c.story.key for c in gone} == {"6"}


def test_the_state_keeps_author_and_tags_so_a_replay_of_such_rules_is_faithful(tmp_path, store_url) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from bot.store.database import Candidate, Store

    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    story = Story(key="k1", feed_url="https://a.example/rss", source="A", title="Quarterly report",
                  summary="Numbers.", author="Jane Roe", tags=("Surveillance", "Police"), published=now)
    plain = Story(key="k2", feed_url="https://a.example/rss", source="A", title="Weather", summary="Rain.",
                  published=now)
    store = Store(tmp_path / "state", store_url)
    store.sync_feeds((), now)
    store.save_poll("https://a.example/rss", [Candidate(story, (), "h1"), Candidate(plain, (), "h2")], now=now,
                    alert_since=now, alert_undated=False, dedup_window=3600)
    by_key = {s.key: s for s in store.stored_stories()}
    assert (by_key["k1"].author, by_key["k1"].tags) == ("Jane Roe", ("Surveillance", "Police"))
    assert (by_key["k2"].author, by_key["k2"].tags) == ("", ())
    config = parse_config("version: 1\nrules:\n  - {id: tagged, category: c, query: 'tag:surveillance author:roe'}\n")
    ruleset = compile_config(config)
    assert [s.key for s in store.stored_stories() if match_story(ruleset, s)] == ["k1"]
