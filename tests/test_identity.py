"""Event identity: which reports are one event (bot/store/identity.py) and how the store files
them (bot/store/clusters.py): template traps stay apart, copies join the thread, nothing of one
feed is merged, follow-ups are posted to the channel too, and nothing is silently skipped."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.models import Feed, Hit, Match, Span, Story
from bot.store.database import _MIGRATIONS, Candidate, Store
from bot.store.identity import Report, evidence, link_key, same_event

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FEEDS = [f"https://{n}.example/rss" for n in ("x", "y", "z")]
PAIRS = Path(__file__).resolve().parents[1] / "data" / "pairs" / "pairs.jsonl"


def verdict(
    a: tuple[str, str],
    b: tuple[str, str],
    *,
    link_a: str = "https://x.example/1",
    link_b: str = "https://y.example/2",
    feed_a: str = FEEDS[0],
    feed_b: str = FEEDS[1],
) -> bool:
    return same_event(evidence(Report(*a, link_a, feed_a)), evidence(Report(*b, link_b, feed_b))).same


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://news.example/a/story?utm_source=rss&utm_medium=feed", "https://news.example/a/story"),
        ("https://amp.news.example/a/story", "https://www.news.example/a/story/"),
        ("https://news.example/a/story/amp/", "http://news.example/a/story"),
        ("https://m.news.example/a/story?fbclid=x", "https://news.example/a/story"),
        ("https://news.example/amp/a/story", "https://news.example/a/story?outputType=amp"),
        ("https://news.example/a/story.amp.html", "https://news.example/a/story"),
    ],
)
def test_tracking_amp_and_mobile_spellings_are_one_address(a: str, b: str) -> None:
    assert link_key(a) == link_key(b)
    assert verdict(("Totally", "different"), ("Another", "text"), link_a=a, link_b=b)


def test_different_articles_keep_different_addresses() -> None:
    assert link_key("https://news.example/a/story?id=1") != link_key("https://news.example/a/story?id=2")
    assert link_key("https://news.example/a/one") != link_key("https://news.example/a/two")


SUMMARY = "Workers signed a petition asking executives to end the company's contract with the agency."


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Microsoft employees protest ICE contract", SUMMARY), ("Google employees protest ICE contract", SUMMARY)),
        (
            ("Denver police adopt facial recognition cameras downtown", "Officers will match faces."),
            ("Austin police adopt facial recognition cameras downtown", "Officers will match faces."),
        ),
        (
            ("Ireland fines Meta €12 million over data breach", "The Irish authority fined Meta €12 million."),
            ("Ireland fines Meta €40 million over data breach", "The Irish authority fined Meta €40 million."),
        ),
        # the summaries name both companies: the headlines alone must keep them apart
        (
            ("Google employees protest ICE contract", "Google staff follow a protest at Microsoft."),
            ("Microsoft employees protest ICE contract", "Microsoft staff echo a letter by Google workers."),
        ),
        # one headline, another city in the summary
        (
            ("Amazon fires 12 warehouse workers after union vote", "Amazon dismissed 12 employees in Coventry."),
            ("Amazon fires 12 warehouse workers after union vote", "Amazon dismissed 12 employees in Leeds."),
        ),
    ],
)
def test_template_traps_are_different_events(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert not verdict(a, b)


def test_a_retelling_that_names_the_same_actors_is_one_event() -> None:
    a = (
        "Dutch regulator fines Clearview AI €30.5 million",
        "The Dutch Data Protection Authority fined Clearview AI €30.5 million for its face database.",
    )
    b = (
        "Clearview AI hit with €30.5m fine in the Netherlands",
        "The Netherlands' privacy watchdog said Clearview AI broke the GDPR; the fine is €30.5 million.",
    )
    assert verdict(a, b)


def test_a_headline_alone_is_not_evidence() -> None:
    same_headline = ("Police adopt facial recognition cameras downtown", "")
    assert not verdict(same_headline, same_headline)


def test_two_items_of_one_feed_are_never_one_event_unless_they_share_a_link() -> None:
    a = ("Dutch regulator fines Clearview AI €30.5 million", "The Dutch authority fined Clearview AI €30.5 million.")
    assert not verdict(a, a, feed_b=FEEDS[0])
    assert verdict(a, a, feed_b=FEEDS[0], link_b="https://x.example/1?utm_source=x")


def test_embedding_similarity_never_overrides_a_disagreement_of_names() -> None:
    a = evidence(Report("Microsoft employees protest ICE contract", SUMMARY, None, FEEDS[0]))
    b = evidence(Report("Google employees protest ICE contract", SUMMARY, None, FEEDS[1]))
    assert not same_event(a, b, semantic=0.99).same


def test_the_labelled_pairs_meet_the_targets() -> None:
    """The benchmark's figures, kept from sliding: precision first (a wrong merge loses an alert)."""
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    assert len(pairs) >= 300
    tp = fp = fn = 0
    for p in pairs:
        a, b = p["a"], p["b"]
        got = verdict(
            (a["title"], a["summary"]),
            (b["title"], b["summary"]),
            link_a=a["link"],
            link_b=b["link"],
            feed_a=a["feed"],
            feed_b=b["feed"],
        )
        tp += got and p["same"]
        fp += got and not p["same"]
        fn += p["same"] and not got
    assert tp / (tp + fp) >= 0.99
    assert tp / (tp + fn) >= 0.80


# ---- filing in the store ------------------------------------------------------------------------
def match() -> Match:
    return Match(
        "staff-letter", "worker-activism", "medium", "#alerts", hits=(Hit("protest", Span("title", 0, 7), "x"),)
    )


def item(
    key: str, feed: str, title: str, summary: str, link: str | None = None, published: datetime | None = NOW
) -> Candidate:
    host = feed.split("/")[2]
    s = Story(
        key=key,
        feed_url=feed,
        source=host,
        title=title,
        summary=summary,
        link=link or f"https://{host}/{key}",
        published=published,
    )
    return Candidate(s, (match(),), f"{title}|{summary}")


@pytest.fixture
def store(tmp_path: Path, store_url: str | None) -> Store:
    st = Store(tmp_path, store_url)
    st.sync_feeds([Feed(u, u.split("/")[2], 600) for u in FEEDS], NOW)
    return st


def save(store: Store, *cands: Candidate, now: datetime = NOW) -> int:
    total = 0
    for c in cands:
        total += store.save_poll(
            c.story.feed_url,
            [c],
            now=now,
            alert_since=now - timedelta(days=30),
            alert_undated=True,
            dedup_window=48 * 3600,
        ).alerts_queued
    return total


def kinds(store: Store, now: datetime = NOW) -> list[tuple[str, str]]:
    """Every queued alert as (story key, kind), sending parents first so replies become due."""
    seen: list[tuple[str, str]] = []
    for _ in range(50):
        due = store.due_alerts(now)
        if not due:
            return seen
        for a in due:
            seen.append((a.story.key, a.kind))
            store.mark_sending(a.id, now)
            store.mark_sent(a.id, now, f"{a.id}.0001")
    return seen


def test_template_traps_from_three_outlets_each_alert_on_their_own(store: Store) -> None:
    queued = save(
        store,
        item("m", FEEDS[0], "Microsoft employees protest ICE contract", SUMMARY),
        item("g", FEEDS[1], "Google employees protest ICE contract", SUMMARY),
        item("a", FEEDS[1], "Amazon employees protest ICE contract", SUMMARY),
    )
    assert queued == 3
    assert sorted(kinds(store)) == [("a", "new"), ("g", "new"), ("m", "new")]


def test_a_syndicated_copy_joins_the_thread_and_a_same_feed_lookalike_does_not(store: Store) -> None:
    title, summary = "Dutch regulator fines Clearview AI €30.5 million", "The Dutch authority fined Clearview AI."
    save(
        store,
        item("orig", FEEDS[0], title, summary, link="https://x.example/clearview"),
        item("amp", FEEDS[1], title, summary, link="https://amp.x.example/clearview/amp/"),
        item("again", FEEDS[0], title, summary, link="https://x.example/clearview-live-updates"),
    )
    assert sorted(kinds(store)) == [("again", "new"), ("amp", "also"), ("orig", "new")]


def test_every_report_of_a_big_story_is_posted(store: Store, tmp_path: Path) -> None:
    """No cap on replies: the twelfth outlet's report is in the thread like the second's."""
    urls = [f"https://o{i}.example/rss" for i in range(12)]
    store.sync_feeds([Feed(u, u, 600) for u in urls], NOW)
    title, summary = "Clearview AI fined €30.5 million by Dutch regulator", "Clearview AI must pay the Dutch fine."
    save(store, *(item(f"k{i}", u, title, summary, link="https://wire.example/clearview") for i, u in enumerate(urls)))
    got = kinds(store)
    assert len(got) == 12 and got[0][1] == "new" and {k for _, k in got[1:]} == {"also"}


def test_a_report_a_day_later_is_a_follow_up_posted_to_the_channel_too(store: Store) -> None:
    first = item(
        "day1",
        FEEDS[0],
        "Dutch regulator fines Clearview AI €30.5 million",
        "The Dutch Data Protection Authority fined Clearview AI €30.5 million.",
    )
    later = item(
        "day2",
        FEEDS[1],
        "Clearview AI says it will not pay €30.5 million Dutch fine",
        "Clearview AI told the Dutch Data Protection Authority it will not pay.",
        published=NOW + timedelta(hours=20),
    )
    save(store, first)
    save(store, later, now=NOW + timedelta(hours=20))
    assert kinds(store, NOW + timedelta(hours=20)) == [("day1", "new"), ("day2", "followup")]


def test_a_state_folder_of_the_previous_schema_is_upgraded(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    for statement in _MIGRATIONS[0].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.close()
    st = Store(tmp_path)
    st.sync_feeds([Feed(FEEDS[0], "x", 600)], NOW)
    assert save(st, item("m", FEEDS[0], "Microsoft employees protest ICE contract", SUMMARY)) == 1
