"""``ethics-bot replay`` on a state built by real polls of a local feed: an edited rules file
with one rule removed and one added lists exactly the stories a plain reading of the feed says
it should, body text included (the body is stored for the replay), in text and in --json."""

from __future__ import annotations

import json
from datetime import UTC
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from tests.conftest import minutes_ago, run_cli
from tests.support.feed_server import FeedServer

HEADER = (
    "version: 1\nsettings:\n  allow_private_addresses: true\n  lookback: 24h\n"
    "feeds:\n  - url: {feed}\n    name: Local News\nrules:\n"
)


def rules_text(feed: str, words: dict[str, str]) -> str:
    body = "".join(f"  - id: {rid}\n    category: cat-{rid}\n    query: '{word}'\n" for rid, word in words.items())
    return HEADER.format(feed=feed) + body


# (title, summary, body): the body is only in <content:encoded>, which the rules read too
ITEMS = [
    ("Story one kwalpha", "plain", ""),
    ("Story two kwbravo", "plain", ""),
    ("Story three", "kwbravo and kwalpha", ""),
    ("Story four kwcharlie", "plain", ""),
    ("Story five", "nothing here", "A long body that says kwdelta once, deep inside."),
    ("Story six kwdelta", "plain", ""),
    ("Story seven kwbravo", "and kwdelta", ""),
    ("Story eight", "nothing", ""),
    ("Story nine", "kwbravo only", ""),
    ("Story ten kwecho", "only the removed-and-never-present word", ""),
]
CURRENT = {"rule-alpha": "kwalpha", "rule-bravo": "kwbravo", "rule-charlie": "kwcharlie"}
NEW = {"rule-alpha": "kwalpha", "rule-charlie": "kwcharlie", "rule-delta": "kwdelta"}  # bravo out, delta in


def feed_xml() -> bytes:
    when = format_datetime(minutes_ago(5).astimezone(UTC), usegmt=True)
    parts = [
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>Local</title>"
        "<link>http://127.0.0.1/</link><description>t</description>"
    ]
    for n, (title, summary, body) in enumerate(ITEMS):
        parts.append(
            f"<item><title>{escape(title)}</title><link>https://news.example.org/{n}</link>"
            f"<guid isPermaLink='false'>item-{n}</guid><description>{escape(summary)}</description>"
            + (f"<content:encoded>{escape(summary + ' ' + body)}</content:encoded>" if body else "")
            + f"<pubDate>{when}</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def alerts(words: dict[str, str], title: str, summary: str, body: str) -> set[str]:
    """Which rules alert, by reading the text directly (every query is one plain word)."""
    text = f"{title} {summary} {body}".split()
    return {rid for rid, word in words.items() if word in text}


def test_replay_lists_exactly_the_stories_an_edit_adds_and_removes(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with FeedServer() as feeds:
        feeds.set_feed("/news.xml", feed_xml())
        feed = feeds.url("/news.xml")
        current = tmp_path / "rules.yaml"
        current.write_text(rules_text(feed, CURRENT))
        new = tmp_path / "new.yaml"
        new.write_text(rules_text(feed, NEW))
        polled = run_cli("once", "--rules", str(current), "--state", str(state), "--drain", "0")
        assert polled.code == 0, polled.stderr

    expect_added = {
        f"https://news.example.org/{n}"
        for n, item in enumerate(ITEMS)
        if alerts(NEW, *item) and not alerts(CURRENT, *item)
    }
    expect_removed = {
        f"https://news.example.org/{n}"
        for n, item in enumerate(ITEMS)
        if alerts(CURRENT, *item) and not alerts(NEW, *item)
    }
    assert expect_added == {"https://news.example.org/4", "https://news.example.org/5"}  # 4: body only
    assert expect_removed == {"https://news.example.org/1", "https://news.example.org/8"}

    ran = run_cli("replay", "--current", str(current), "--rules", str(new), "--state", str(state), "--json")
    assert ran.code == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out["stories"] == len(ITEMS)
    assert {a["url"] for a in out["added"]} == expect_added
    assert {r["url"] for r in out["removed"]} == expect_removed
    for entry in out["added"] + out["removed"]:
        assert set(entry) >= {"title", "url", "rules"}
        assert entry["title"].startswith("Story")
    added = {a["url"]: a for a in out["added"]}
    assert added["https://news.example.org/4"]["rules"] == ["rule-delta"]
    assert any("body" in line for line in added["https://news.example.org/4"]["explanation"])
    removed = {r["url"]: r for r in out["removed"]}
    assert removed["https://news.example.org/1"]["rules"] == ["rule-bravo"]
    # per rule: bravo's 4 stories are gone, delta's 3 are new
    bravo_stories = sum("rule-bravo" in alerts(CURRENT, *item) for item in ITEMS)
    delta_stories = sum("rule-delta" in alerts(NEW, *item) for item in ITEMS)
    assert out["rules"]["rule-bravo"] == {"current": bravo_stories, "new": 0, "in_current": True, "in_new": False}
    assert out["rules"]["rule-delta"] == {"current": 0, "new": delta_stories, "in_current": False, "in_new": True}

    # --full, and no --rules at all: every rule counted
    full = json.loads(run_cli("replay", "--current", str(current), "--rules", str(new), "--state", str(state),
                              "--json", "--full").stdout)  # fmt: skip
    assert full["current_alerts"] == sum(bool(alerts(CURRENT, *item)) for item in ITEMS)
    assert full["new_alerts"] == sum(bool(alerts(NEW, *item)) for item in ITEMS)
    assert full["rules"]["rule-alpha"]["current"] == sum("rule-alpha" in alerts(CURRENT, *i) for i in ITEMS)
    alone = json.loads(run_cli("replay", "--current", str(current), "--state", str(state), "--json").stdout)
    assert alone["added"] == alone["removed"] == []
    assert {rid: c["current"] for rid, c in alone["rules"].items()} == {
        rid: sum(rid in alerts(CURRENT, *item) for item in ITEMS) for rid in CURRENT
    }

    text = run_cli("replay", "--current", str(current), "--rules", str(new), "--state", str(state))
    assert text.code == 0, text.stderr
    assert "added (2)" in text.stdout and "removed (2)" in text.stdout
    assert "Story five" in text.stdout and "https://news.example.org/4" in text.stdout
    assert "rule rule-bravo is not in the new rules" in text.stdout
    assert "Local News" in text.stdout  # the source of each story


def test_replay_says_plainly_when_there_is_no_state(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules_text("http://127.0.0.1:9/f.xml", CURRENT))
    ran = run_cli("replay", "--current", str(rules), "--state", str(tmp_path / "nothing"))
    assert ran.code == 1
    assert "no state at" in ran.stderr
