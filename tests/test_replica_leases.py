"""Feed leases and channel claims (store/leases.py) on both backends, and, on PostgreSQL, two
stores standing for two replicas on one database: a feed is leased by one replica at a time, a
dead replica's lease passes on after it expires, a channel is delivered by one replica at a time,
and the alerts a dead replica left 'sending' are named to the one that takes the channel over.
The processes-and-SIGKILL version is tests/test_e2e_replicas.py."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.reports import status_data, status_report
from bot.core.models import Feed
from bot.store.database import Store
from tests.test_store import NOW, cand, match, save, story

FEEDS = [Feed(f"https://f{i}.example/rss", f"F{i}", 600) for i in range(40)]


def _store(tmp_path: Path, url: str | None) -> Store:
    st = Store(tmp_path, url)
    st.sync_feeds(FEEDS, NOW)
    return st


def test_a_leased_feed_is_not_leased_again_until_released_or_expired(tmp_path: Path, store_url: str | None) -> None:
    st = _store(tmp_path, store_url)
    first = st.lease_due_feeds("a", NOW, 60, 10)
    assert [f.url for f in first] == sorted(f.url for f in FEEDS)[:10]  # due, oldest first (then by address)
    rest = st.lease_due_feeds("b", NOW, 600, 100)
    assert {f.url for f in rest}.isdisjoint(f.url for f in first) and len(rest) == 30
    assert st.lease_due_feeds("b", NOW, 60, 100) == []
    # a check recorded and released: not due again before its next check time
    st.record_check(first[0].url, now=NOW, next_check=NOW + timedelta(seconds=600))
    st.release_feed(first[0].url, "a")
    assert st.lease_due_feeds("b", NOW + timedelta(seconds=10), 60, 100) == []
    # "a" dies holding the other nine: they pass on once the lease has expired, not before
    assert st.lease_due_feeds("b", NOW + timedelta(seconds=59), 60, 100) == []
    later = st.lease_due_feeds("b", NOW + timedelta(seconds=61), 60, 100)
    assert {f.url for f in later} == {f.url for f in first[1:]}
    assert st.due_count(NOW) == 39


def test_a_channel_is_claimed_by_one_replica_at_a_time(tmp_path: Path, store_url: str | None) -> None:
    st = _store(tmp_path, store_url)
    save(st, FEEDS[0].url, cand(story("k1", "Police buy face scans", feed=FEEDS[0].url), match()))
    alert = st.due_alerts(NOW)[0]
    assert st.busy_channels() == {"#ethics-alerts"}
    [mine] = st.claim_channels("a", ["#ethics-alerts"], NOW, 30)
    assert mine.fresh and mine.resumed == ()
    assert st.claim_channels("b", ["#ethics-alerts"], NOW + timedelta(seconds=5), 30) == []
    assert st.renew_claim("#ethics-alerts", "a", NOW + timedelta(seconds=10), 30)
    st.mark_sending(alert.id, NOW + timedelta(seconds=10))  # "a" dies here, mid-post
    assert st.claim_channels("b", ["#ethics-alerts"], NOW + timedelta(seconds=39), 30) == []
    [taken] = st.claim_channels("b", ["#ethics-alerts"], NOW + timedelta(seconds=41), 30)
    assert (taken.fresh, taken.previous, taken.resumed) == (True, "a", (alert.id,))
    assert taken.last_post_at == (NOW + timedelta(seconds=10)).timestamp()  # the pacer starts from it
    assert not st.renew_claim("#ethics-alerts", "a", NOW + timedelta(seconds=42), 30)
    # a renewal by the holder is not a fresh claim; a released claim is free at once
    [again] = st.claim_channels("b", ["#ethics-alerts"], NOW + timedelta(seconds=43), 30)
    assert not again.fresh
    st.release_claims("b", NOW)
    assert st.claim_channels("a", ["#ethics-alerts"], NOW + timedelta(seconds=44), 30)


def test_status_names_the_replica_holding_each_lease_and_claim(tmp_path: Path, store_url: str | None) -> None:
    st = _store(tmp_path, store_url)
    st.heartbeat("host-a:12", NOW, 60, NOW)
    st.lease_due_feeds("host-a:12", NOW, 60, 2)
    st.claim_channels("host-b:7", ["#ethics-alerts"], NOW, 60)
    data = status_data(st, NOW)
    by = {r["replica"]: r for r in data["replicas"]}
    assert by["host-a:12"]["feeds"] == ["https://f0.example/rss", "https://f1.example/rss"]
    assert by["host-b:7"]["channels"] == ["#ethics-alerts"] and by["host-b:7"]["last_seen"] is None
    text = status_report(st, as_json=False, now=NOW)
    assert "host-a:12 (last seen 0s ago): 2 feed(s) leased" in text
    assert "host-b:7 (last seen not seen): 0 feed(s) leased, channels: #ethics-alerts" in text
    # a clean stop gives everything back at once
    assert st.leave("host-a:12")
    assert [r["replica"] for r in status_data(st, NOW)["replicas"]] == ["host-b:7"]


def test_replicas_leasing_at_once_split_the_due_feeds(tmp_path: Path, database_url: str) -> None:
    stores = [_store(tmp_path / str(i), database_url) for i in range(4)]
    got: dict[int, list[str]] = {}

    def lease(i: int) -> None:
        urls: list[str] = []
        while batch := stores[i].lease_due_feeds(f"r{i}", NOW, 60, 3):
            urls += [f.url for f in batch]
        got[i] = urls

    threads = [threading.Thread(target=lease, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [u for urls in got.values() for u in urls]
    assert sorted(every) == sorted(f.url for f in FEEDS)  # each feed leased exactly once


def test_metrics_name_the_replica_holding_each_lease_and_claim(tmp_path: Path, store_url: str | None) -> None:
    from types import SimpleNamespace

    from bot.flow.replicas import publish
    from bot.observe.metrics import Metrics

    st = _store(tmp_path, store_url)
    st.lease_due_feeds("host-a:12", NOW, 60, 3)
    st.claim_channels("host-b:7", ["#ethics-alerts"], NOW, 60)
    ctx = SimpleNamespace(store=st, metrics=Metrics(), clock=lambda: NOW)  # what publish reads of a Context
    publish(ctx)  # type: ignore[arg-type]
    text = ctx.metrics.render().decode()
    assert 'ethics_bot_feed_leases{replica="host-a:12"} 3.0' in text
    assert 'ethics_bot_channel_claim{channel="#ethics-alerts",replica="host-b:7"} 1.0' in text
    st.leave("host-a:12")
    publish(ctx)  # type: ignore[arg-type]
    assert 'replica="host-a:12"' not in ctx.metrics.render().decode()


def test_health_in_a_replicas_container_judges_that_replica(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from bot.cli.reports import health_report

    st = _store(tmp_path, database_url)
    host = socket.gethostname()
    st.ticked(f"{host}:7", NOW - timedelta(seconds=600), NOW - timedelta(seconds=900))  # stalled
    st.ticked("elsewhere:1", NOW, NOW - timedelta(seconds=60))  # another replica ticks on
    monkeypatch.delenv("BOT_REPLICA_ID", raising=False)
    ok, reason = health_report(tmp_path, now=NOW, max_age=120, database_url=database_url)
    assert not ok and reason == f"unhealthy: replica {host}:7: the last poll tick was 600s ago (limit 120s)"
    st.heartbeat(f"{host}:8", NOW, 60, NOW - timedelta(seconds=5))  # restarted: a new pid, no tick yet
    ok, reason = health_report(tmp_path, now=NOW, max_age=120, database_url=database_url)
    assert not ok and "has not completed a poll tick" in reason
    monkeypatch.setenv("BOT_REPLICA_ID", "elsewhere:1")
    assert health_report(tmp_path, now=NOW, max_age=120, database_url=database_url) == (
        True, "healthy: replica elsewhere:1, last poll tick 0s ago")


def test_two_replicas_filing_reports_of_one_event_at_once_post_one_top_level_alert(
    tmp_path: Path, database_url: str
) -> None:
    stores = [_store(tmp_path / str(i), database_url) for i in range(2)]
    rounds = 12
    barrier = threading.Barrier(2)

    def file_reports(i: int) -> None:
        for n in range(rounds):
            link = f"https://wire.example/event-{n}"  # one address: one event, whichever feed has it
            report = story(f"e{n}", f"Event {n} report", feed=FEEDS[i].url, link=link)
            barrier.wait()
            save(stores[i], FEEDS[i].url, cand(report, match()))

    threads = [threading.Thread(target=file_reports, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    import psycopg

    with psycopg.connect(database_url) as conn:
        alerts = conn.execute("SELECT s.link, a.kind FROM alerts a JOIN stories s ON s.id = a.story_id").fetchall()
    kinds = {n: sorted(k for link, k in alerts if link == f"https://wire.example/event-{n}") for n in range(rounds)}
    assert all(k == ["also", "new"] for k in kinds.values()), kinds  # one top-level alert, one thread reply
