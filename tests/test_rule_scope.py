"""Rules scoped by source: a rule's ``feeds:`` (names or URL globs) and the query scopes
``source:``, ``author:``, ``url:`` and ``tag:``, from the feed documents that carry them through
``ethics-bot test`` and ``ethics-bot eval``; the prefilter never drops a story they match."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bot.config.load import parse_config
from bot.core.models import Story
from bot.parse.feed import parse_feed
from bot.rules.match import compile_config, explain_story, match_story
from tests.conftest import run_cli

RULES = textwrap.dedent(
    """\
    version: 1
    feeds:
      - {url: "https://www.zdnet.com/news/rss.xml", name: ZDNet}
      - {url: "https://www.wired.com/feed/rss", name: Wired}
      - {url: "https://www.dhs.gov/news/rss.xml", name: DHS}
      - {url: "https://example.org/rss", name: Example}
    rules:
      - id: zdnet-police
        category: by-feed
        query: police
        feeds: [zdnet]
      - id: gov-police
        category: by-glob
        query: police
        feeds: ['https://*.gov/*']
      - id: wired-police
        category: by-source
        query: 'source:wired AND police'
      - id: jo-smith-drones
        category: by-author
        query: 'author:"Jo Smith" AND drone*'
      - id: intercept-surveillance
        category: by-url
        query: 'url:theintercept.com AND surveillance'
      - id: ice-tag-contracts
        category: by-tag
        query: 'tag:{ICE} AND contract*'
    """
)

# (id, title, where it came from, the categories it should alert for)
STORIES = [
    ("s1", "City police buy software", {"source": "ZDNet", "feed_url": "https://www.zdnet.com/news/rss.xml"},
     ["by-feed"]),
    ("s2", "City police buy software", {"source": "Example", "feed_url": "https://example.org/rss"}, []),
    ("s3", "City police buy software", {"source": "DHS", "feed_url": "https://www.dhs.gov/news/rss.xml"},
     ["by-glob"]),
    ("s4", "City police buy software", {"source": "Wired", "feed_url": "https://www.wired.com/feed/rss"},
     ["by-source"]),
    ("s5", "Army tests drones", {"author": "Jo Smith"}, ["by-author"]),
    ("s6", "Army tests drones", {"author": "Ann Lee"}, []),
    ("s7", "A surveillance dragnet", {"url": "https://theintercept.com/2024/05/01/dragnet/"}, ["by-url"]),
    ("s8", "A surveillance dragnet", {"url": "https://example.org/dragnet"}, []),
    ("s9", "New contracts signed", {"tags": ["Immigration", "ICE"]}, ["by-tag"]),
    ("s10", "New contracts signed", {"tags": ["ice hockey"]}, []),
]  # fmt: skip


def _rows() -> list[dict[str, object]]:
    return [{"id": i, "title": t, "summary": "", **where, "labels": labels} for i, t, where, labels in STORIES]


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return path


def test_check_accepts_the_scopes_without_warnings(rules: Path) -> None:
    ran = run_cli("check", "--strict", "--rules", str(rules))
    assert ran.code == 0, ran.stderr


def test_ethics_bot_test_matches_each_scope_only_on_its_stories(rules: Path, tmp_path: Path) -> None:
    stories = tmp_path / "stories.jsonl"
    stories.write_text("".join(json.dumps(row) + "\n" for row in _rows()))
    ran = run_cli("test", "--file", str(stories), "--rules", str(rules), "--all")
    assert ran.code == 0, ran.stderr
    blocks = ran.stdout.split("== ")[1:]
    assert len(blocks) == len(STORIES)
    rule_of = {"by-feed": "zdnet-police", "by-glob": "gov-police", "by-source": "wired-police",
               "by-author": "jo-smith-drones", "by-url": "intercept-surveillance", "by-tag": "ice-tag-contracts"}
    for block, (sid, _title, _where, labels) in zip(blocks, STORIES, strict=True):
        matched = {line.split()[1] for line in block.splitlines() if line.strip().startswith("MATCH")}
        assert matched == {rule_of[c] for c in labels}, (sid, block)
    # the explanation says where the evidence is, and why a scoped-out feed did not count
    assert "“Wired” (source 0-5)" in blocks[3]
    assert "“ICE” (tag 12-15)" in blocks[8]
    assert "rule reads only feeds: zdnet; this story is from Example (https://example.org/rss)" in blocks[1]


def test_ethics_bot_eval_reads_source_author_url_and_tags(rules: Path, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(row) + "\n" for row in _rows()))
    ran = run_cli("eval", str(labelled), "--rules", str(rules), "--json")
    assert ran.code == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["relevance"] == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 6, "fp": 0, "fn": 0, "tn": 4, "false_alerts_per_1000": 0.0,
    }  # fmt: skip
    for category, score in report["categories"].items():
        assert (score["tp"], score["fp"], score["fn"]) == (1, 0, 0), category


def test_without_the_metadata_eval_sees_none_of_the_scoped_stories(rules: Path, tmp_path: Path) -> None:
    """The same stories without source, author, url or tags: only the unscoped text is left."""
    labelled = tmp_path / "bare.jsonl"
    rows = [{"id": i, "title": t, "labels": labels} for i, t, _where, labels in STORIES]
    labelled.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report = json.loads(run_cli("eval", str(labelled), "--rules", str(rules), "--json").stdout)
    assert (report["relevance"]["tp"], report["relevance"]["fp"]) == (0, 0)


# --- where the metadata comes from --------------------------------------------------------------

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><id>urn:f</id>
<entry><title>Army tests drones</title><id>urn:1</id><link href="https://a.example/1"/>
<author><name>Jo Smith</name></author><category term="Defence"/><category term="AI &amp; ethics"/>
<category term="defence"/><summary>s</summary></entry></feed>"""

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "J",
    "items": [
        {"id": "1", "title": "One", "url": "https://j.example/1",
         "authors": [{"name": "Jo Smith"}, {"name": "Ann Lee"}],
         "tags": ["ICE", "contracts", "", 3]},
        {"id": "2", "title": "Two", "url": "https://j.example/2", "author": {"name": "Old &amp; Style"}},
    ],
}).encode()  # fmt: skip


def test_atom_and_json_feed_give_author_and_tags() -> None:
    (atom,) = parse_feed(ATOM, feed_url="https://a.example/feed", source="A").stories
    assert (atom.author, atom.tags) == ("Jo Smith", ("Defence", "AI & ethics"))
    one, two = parse_feed(JSON_FEED, feed_url="https://j.example/feed", source="J").stories
    assert (one.author, one.tags) == ("Jo Smith, Ann Lee", ("ICE", "contracts"))
    assert (two.author, two.tags) == ("Old & Style", ())


def test_a_parsed_feed_item_matches_on_its_metadata() -> None:
    config = parse_config(RULES)
    (story,) = parse_feed(ATOM, feed_url="https://a.example/feed", source="A").stories
    assert [m.rule_id for m in match_story(compile_config(config), story)] == ["jo-smith-drones"]


@pytest.mark.parametrize(
    "query",
    [
        "source:zdnet", "author:smith", 'url:"zdnet.com/article"', "tag:{ICE}", "tag:surveill*",
        "source:zdnet AND police", "(author:smith OR tag:police) AND drone*", "url:zdnet NEAR/2 article",
        "police AND NOT source:wired", "title:police AND tag:police",
    ],
)  # fmt: skip
def test_the_prefilter_keeps_every_story_a_metadata_scope_matches(query: str) -> None:
    """match_story (prefilter first) and explain_story (every rule) agree on each story."""
    text = "version: 1\nrules:\n  - {id: r, category: c, query: " + json.dumps(query) + "}\n"
    ruleset = compile_config(parse_config(text))
    for source in ("ZDNet", "Wired"):
        for author in ("", "Jo Smith"):
            for tags in ((), ("ICE", "Surveillance"), ("police",)):
                story = Story(key="k", feed_url="https://f.example/", source=source, title="Police fly drones",
                              summary="", link="https://www.zdnet.com/article/x/", author=author, tags=tags)
                fast = bool(match_story(ruleset, story))
                full = explain_story(ruleset, story)[0]
                assert fast == (full.matched and not full.excluded), (query, story)
