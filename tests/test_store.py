"""The state database: what is new, what alerts, clusters, edits, outbox order, migrations. Each
test that takes ``store`` or ``store_url`` runs on SQLite and on a throwaway PostgreSQL
(tests/support/postgres.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.core.models import Feed, Hit, Match, Span, Story
from bot.store.database import Candidate, Store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LETTER = "In a letter to Jeff Bezos, Amazon staff asked the company to stop selling Rekognition to police."
LETTER2 = "Amazon employees wrote to Jeff Bezos: stop selling Rekognition face software to police departments."
WINDOW = 48 * 3600


def match(channel: str = "#ethics-alerts", rule: str = "r1") -> Match:
    return Match(
        rule_id=rule,
        category="facial-recognition",
        severity="high",
        channel=channel,
        hits=(Hit("police", Span("title", 0, 6), "Police"),),
    )


def story(
    key: str,
    title: str,
    *,
    feed: str = "https://a.example/rss",
    link: str | None = None,
    published: datetime | None = NOW,
    summary: str = "s",
) -> Story:
    return Story(
        key=key,
        feed_url=feed,
        source=feed.split("/")[2],
        title=title,
        summary=summary,
        link=link or f"https://{feed.split('/')[2]}/{key}",
        published=published,
    )


def cand(s: Story, *matches: Match) -> Candidate:
    return Candidate(s, tuple(matches), f"{s.title}|{s.summary}")


@pytest.fixture
def store(tmp_path: Path, store_url: str | None) -> Store:
    st = Store(tmp_path, store_url)
    st.sync_feeds(
        [
            Feed("https://a.example/rss", "A", 600),
            Feed("https://b.example/rss", "B", 600),
            Feed("https://c.example/rss", "C", 600),
        ],
        NOW,
    )
    return st


def save(store: Store, feed: str, *cands: Candidate, first: bool = False, now: datetime = NOW) -> tuple[int, int, int]:
    since = now - (timedelta(hours=24) if first else timedelta(days=30))
    out = store.save_poll(feed, list(cands), now=now, alert_since=since, alert_undated=not first, dedup_window=WINDOW)
    return out.new_stories, out.alerts_queued, out.edited


def test_the_database_decides_what_is_new(store: Store) -> None:
    s = story("k1", "Police buy face recognition")
    assert save(store, s.feed_url, cand(s, match())) == (1, 1, 0)
    assert save(store, s.feed_url, cand(s, match())) == (0, 0, 0)
    assert [a.story.title for a in store.due_alerts(NOW)] == ["Police buy face recognition"]


def test_first_poll_only_alerts_on_stories_within_lookback(store: Store) -> None:
    fresh = story("fresh", "Police buy face recognition tools", published=NOW - timedelta(hours=2))
    old = story("old", "Army signs AI targeting contract", published=NOW - timedelta(days=3))
    undated = story("undated", "Workers walk out over cloud deal", published=None)
    new, queued, _ = save(
        store, fresh.feed_url, cand(fresh, match()), cand(old, match()), cand(undated, match()), first=True
    )
    assert (new, queued) == (3, 1)
    # later polls: an undated new story alerts, a story older than retention does not
    late = story("late", "Drivers strike against app pay cuts", published=None)
    ancient = story("ancient", "Staff letter against drone contract", published=NOW - timedelta(days=40))
    assert save(store, fresh.feed_url, cand(late, match()), cand(ancient, match()))[:2] == (2, 1)


def test_an_edited_story_never_alerts_again_and_gets_one_update_note(store: Store) -> None:
    s = story("k1", "Police buy face recognition")
    save(store, s.feed_url, cand(s, match()))
    (first,) = store.due_alerts(NOW)
    store.mark_sending(first.id, NOW)
    store.mark_sent(first.id, NOW, "1000.000100")
    edited = story("k1", "Police buy face recognition from Amazon")
    assert save(store, s.feed_url, cand(edited, match())) == (0, 1, 1)
    (note,) = store.due_alerts(NOW)
    assert note.kind == "update" and note.thread_ts == "1000.000100"
    again = story("k1", "Police buy face recognition from Amazon, documents show")
    assert save(store, s.feed_url, cand(again, match())) == (0, 0, 1)


def test_the_same_story_from_other_outlets_goes_into_the_thread(store: Store) -> None:
    a = story(
        "a1",
        "Amazon workers demand end to police facial recognition deals",
        feed="https://a.example/rss",
        summary=LETTER,
    )
    b = story(
        "b1",
        "Amazon employees demand an end to police facial-recognition deals",
        feed="https://b.example/rss",
        summary=LETTER2,
    )
    c = story("c1", "Totally different", feed="https://c.example/rss", link=a.link)  # same canonical link
    d = story("d1", "Microsoft staff protest ICE contract", feed="https://c.example/rss")
    for s in (a, b, c, d):
        save(store, s.feed_url, cand(s, match()))
    alerts = store.due_alerts(NOW)
    # the replies wait for their parent's ts, and the channel's later alert waits behind them
    assert [(x.story.key, x.kind) for x in alerts] == [("a1", "new")]
    store.mark_sent(alerts[0].id, NOW, "1.1")
    after = [(x.story.key, x.kind, x.thread_ts) for x in store.due_alerts(NOW)]
    assert after == [("b1", "also", "1.1"), ("c1", "also", "1.1"), ("d1", "new", None)]


def test_a_backing_off_alert_holds_its_channel_but_not_others(store: Store) -> None:
    titles = ["Police buy face recognition", "Army signs drone targeting deal", "Drivers strike over pay"]
    for i, channel in enumerate(["#one", "#one", "#two"]):
        s = story(f"k{i}", titles[i])
        save(store, s.feed_url, cand(s, match(channel)))
    first = store.due_alerts(NOW)[0]
    store.mark_retry(first.id, NOW + timedelta(seconds=30), "service_unavailable")
    assert [a.channel for a in store.due_alerts(NOW)] == ["#two"]
    assert [a.channel for a in store.due_alerts(NOW + timedelta(seconds=31))] == ["#one", "#one", "#two"]


def test_an_alert_in_flight_at_a_crash_is_tried_again(store: Store, tmp_path: Path, store_url: str | None) -> None:
    s = story("k1", "Police buy face recognition")
    save(store, s.feed_url, cand(s, match()))
    (a,) = store.due_alerts(NOW)
    store.mark_sending(a.id, NOW)
    store.close()
    reopened = Store(tmp_path, store_url)
    (again,) = reopened.due_alerts(NOW)
    assert again.id == a.id and again.attempts == 1


def test_a_reply_whose_parent_failed_fails_too(store: Store) -> None:
    a = story(
        "a1",
        "Amazon workers demand end to police facial recognition deals",
        feed="https://a.example/rss",
        summary=LETTER,
    )
    b = story(
        "b1",
        "Amazon employees demand an end to police facial-recognition deals",
        feed="https://b.example/rss",
        summary=LETTER2,
    )
    save(store, a.feed_url, cand(a, match()))
    save(store, b.feed_url, cand(b, match()))
    (parent,) = store.due_alerts(NOW)
    store.mark_failed(parent.id, NOW, "not_in_channel", "invite the bot")
    assert store.due_alerts(NOW) == []
    assert {c["failed"] for c in store.alert_counts()} == {2}


def test_prune_forgets_old_stories_but_not_pending_alerts(store: Store) -> None:
    old = story("old", "Police buy face recognition", published=NOW - timedelta(days=1))
    save(
        store,
        old.feed_url,
        cand(old, match()),
        cand(
            story("quiet", "Nothing here"),
        ),
    )
    later = NOW + timedelta(days=31)
    assert store.prune(later, 30 * 86400) == 1  # the non-alerting story; the pending alert keeps its story
    assert len(store.due_alerts(later)) == 1


def test_a_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    Store(tmp_path).close()
    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer version"):
        Store(tmp_path)


def test_a_second_writer_is_refused_with_the_holders_pid_until_the_first_lets_go(tmp_path: Path) -> None:
    import os

    from bot.core.errors import StateBusyError
    from bot.store.lock import WriterLock

    first = WriterLock(tmp_path, "run").acquire()
    with pytest.raises(StateBusyError, match=rf"`ethics-bot run` is already running on .* \(pid {os.getpid()},"):
        WriterLock(tmp_path, "once").acquire()
    first.release()
    with WriterLock(tmp_path, "once"):
        pass


def test_a_postgresql_database_from_a_newer_bot_is_refused(tmp_path: Path, database_url: str) -> None:
    import psycopg

    Store(tmp_path, database_url).close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="newer version"):
        Store(tmp_path, database_url)


def test_processes_starting_at_once_on_an_empty_postgresql_database_migrate_it_once(
    tmp_path: Path, database_url: str
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def open_and_write(n: int) -> str | None:
        st = Store(tmp_path / str(n), database_url)
        st.set_mark(f"m{n}", "x")
        value = st.get_mark(f"m{n}")
        st.close()
        return value

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(open_and_write, range(4))) == ["x"] * 4


def test_a_database_url_that_is_not_postgresql_is_refused_in_plain_words(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"BOT_DATABASE_URL must be a postgresql:// address .*unset it"):
        Store(tmp_path, "mysql://bot:pw@db/bot")


def test_an_unreachable_postgresql_is_a_plain_error_that_never_shows_the_password(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="cannot connect to the state database") as caught:
        Store(tmp_path, f"postgresql://bot:s3cret-pw@/bot?host={tmp_path}/nowhere")
    assert "s3cret-pw" not in str(caught.value)
    assert "postgresql://bot@/bot" in str(caught.value)


def test_a_postgresql_connection_cut_by_the_server_is_replaced_at_the_next_statement(
    tmp_path: Path, database_url: str
) -> None:
    import psycopg

    st = Store(tmp_path, database_url)
    st.set_mark("k", "before")
    with psycopg.connect(database_url, autocommit=True) as admin:  # what a server restart does to it
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid()")
    with pytest.raises(psycopg.OperationalError):
        st.get_mark("k")
    assert st.get_mark("k") == "before"
    with pytest.raises(psycopg.OperationalError), st.transaction() as db:  # a break inside a transaction
        db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    st.set_mark("k", "after")
    assert st.get_mark("k") == "after"
