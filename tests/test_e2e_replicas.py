"""Three `ethics-bot run` replicas on one PostgreSQL database (the throwaway server), 300 feeds on a
local feed server, the fake Slack, real processes; one replica is SIGKILLed mid-cycle and
restarted. What a user relies on: every alert is posted exactly once (a repeat only for an alert
its replica had marked 'sending' when it died: counted and bounded), every feed is polled once
per interval, each channel gets its alerts in order and at its pace."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Item, clean_env, minutes_ago, rss
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer

pytestmark = pytest.mark.usefixtures("postgres_server")

FEEDS = 300
INTERVAL = 8.0  # seconds between two polls of one feed
LEASE = 3.0  # settings.lease_expiry: how long a dead replica's leases outlive it
RATE, BURST = 4.0, 2  # per channel
CHANNELS = {"staff": "#ethics-alerts", "police": "#replica-police", "union": "#replica-union"}
RULES = """\
version: 1
settings:
  poll_interval: {interval}s
  min_interval: 1s
  lookback: 24h
  allow_private_addresses: true
  retry_base: 1s
  retry_max: 2s
  digest_over: off
  channel_rate: {rate}
  channel_burst: {burst}
  lease_expiry: {lease}s
  concurrency: 25
feeds:
{feeds}
rules:
  - id: staff
    category: worker-activism
    query: 'petition'
    severity: medium
    channel: "{staff}"
  - id: police
    category: facial-recognition
    query: 'rekognition'
    severity: high
    channel: "{police}"
  - id: union
    category: worker-activism
    query: 'walkout'
    severity: medium
    channel: "{union}"
"""
WORDS = ("petition", "rekognition", "walkout")


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())


class Publisher:
    """Adds a new story to one feed after another while the replicas run; each story names one
    of the three rules' words, so it alerts in that rule's channel."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.items: dict[int, list[Item]] = {i: [Item(f"Outlet {i} weather report", "Sunny.", guid=f"old-{i}",
                                                      link=f"https://outlet{i}.example/old",
                                                      published=minutes_ago(60 * 72))] for i in range(FEEDS)}
        self.titles: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._numbers = itertools.count()
        for i in range(FEEDS):
            self._serve(i)

    def _serve(self, i: int) -> None:
        self.server.set_feed(f"/f{i}.xml", rss(self.items[i], title=f"Outlet {i}"))

    def publish_one(self) -> None:
        n = next(self._numbers)
        feed = (n * 37) % FEEDS
        word = WORDS[n % 3]
        # distinct words per story, so event identity files each as its own event
        title = f"Story{n:04d} zx{n}q {word} at Company{n}q over contract{n}v"
        self.items[feed].append(Item(title, f"Report number {n} of the {word}.", guid=f"s{n}",
                                     link=f"https://outlet{feed}.example/s{n}", published=minutes_ago(1)))
        self.titles.append(title)
        self._serve(feed)

    def _run(self) -> None:
        while not self._stop.wait(0.4):
            self.publish_one()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class SlowSlack(FakeSlack):
    """Slack that accepts a message and then takes a moment to answer: a kill in that moment
    leaves an alert 'sending' that Slack has (the case where a repeat is allowed)."""

    def store(self, message: Any) -> None:
        super().store(message)
        time.sleep(0.2)


def story_number(message: Any) -> str | None:
    text = message.text + " ".join(str(b) for b in (message.blocks or []))
    start = text.find("Story")
    return text[start:start + 9] if start >= 0 else None


@pytest.fixture
def replicas(tmp_path: Path, database_url: str) -> Iterator[dict[str, Any]]:
    procs: dict[str, subprocess.Popen[bytes]] = {}
    yield {"procs": procs}
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def test_three_replicas_one_killed_post_each_alert_once_poll_each_feed_once_per_interval(
    tmp_path: Path, database_url: str, replicas: dict[str, Any]
) -> None:
    procs: dict[str, subprocess.Popen[bytes]] = replicas["procs"]
    with FeedServer() as server, SlowSlack() as slack:
        for channel in CHANNELS.values():
            slack.add_channel(channel)
        publisher = Publisher(server)
        feeds = "\n".join(f"  - url: {server.url(f'/f{i}.xml')}\n    name: Outlet {i}" for i in range(FEEDS))
        rules = tmp_path / "rules.yaml"
        rules.write_text(RULES.format(interval=int(INTERVAL), rate=RATE, burst=BURST, lease=int(LEASE), feeds=feeds,
                                      **{k.lstrip("#"): v for k, v in CHANNELS.items()}))
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "BOT_DATABASE_URL": database_url}

        def start(name: str) -> None:
            log = open(tmp_path / f"{name}.log", "ab")  # noqa: SIM115 (the process writes to it)
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--rules", str(rules), "--state", str(tmp_path / name),
                 "--poll-tick", "0.5", "--log-format", "json"],
                cwd=REPO, env=clean_env(env | {"BOT_REPLICA_ID": name}), stdout=log, stderr=log)

        for name in ("r1", "r2", "r3"):
            start(name)
        # the first cycle: every feed polled once (the old story is recorded as seen, no alert)
        assert wait_for(lambda: all(server.requests_for(f"/f{i}.xml") for i in range(FEEDS)), 60, 0.2), _logs(tmp_path)
        publisher.start()
        time.sleep(2 * INTERVAL)
        # kill one replica mid-cycle: at best while it is posting (an alert 'sending' in a channel
        # it holds), else while it holds feed leases
        posting = ("SELECT 1 FROM alerts a JOIN channel_claims c ON c.channel = a.channel "
                   "WHERE a.status = 'sending' AND c.holder = 'r1'")
        if not wait_for(lambda: bool(query(database_url, posting)), 20):
            wait_for(lambda: bool(query(database_url, "SELECT 1 FROM feed_leases WHERE holder = 'r1'")), 20, 0.05)
        procs["r1"].send_signal(signal.SIGKILL)
        procs["r1"].wait(timeout=10)
        killed_at = time.time()
        sending = {r[0] for r in query(database_url, "SELECT id FROM alerts WHERE status = 'sending'")}
        leased = {r[0] for r in query(database_url, "SELECT url FROM feed_leases WHERE holder = 'r1'")}
        time.sleep(LEASE + 1)
        start("r1")  # restarted under the same id, as a container would be
        time.sleep(2 * INTERVAL)
        publisher.stop()
        published = set(publisher.titles)
        # everything published alerts and is delivered; then one more full interval of polls
        assert wait_for(lambda: _done(database_url, len(published)), 90, 0.2), _logs(tmp_path)
        time.sleep(INTERVAL + 1)
        end = time.time()
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
        for p in procs.values():
            assert p.wait(timeout=30) == 0
        messages = slack.messages

    # --- every alert posted exactly once; a repeat only for an alert left 'sending' by the kill
    alerts = query(database_url, "SELECT a.id, a.channel, a.status, s.title FROM alerts a JOIN stories s "
                                 "ON s.id = a.story_id ORDER BY a.id")
    assert {row[3] for row in alerts} == published  # each story alerted, in one channel
    assert len(alerts) == len(published)
    assert {row[2] for row in alerts} == {"sent"}
    number_of = {row[3][:9]: row[0] for row in alerts}
    posted = Counter(story_number(m) for m in messages)
    assert set(posted) == set(number_of), "a message that is no alert, or an alert never posted"
    repeats = {number_of[n]: c for n, c in posted.items() if c > 1}
    assert set(repeats) <= sending, f"repeated alerts {repeats} were not 'sending' at the kill ({sending})"
    assert all(c == 2 for c in repeats.values())
    assert len(sending) <= len(CHANNELS)  # at most one post in flight per channel
    resumed = sum(_metric_lines(tmp_path, "channel_claimed", "resumed"))
    assert resumed >= len(repeats)  # the restart or a survivor said which alerts it posted again

    # --- per channel: the alerts' order, and the pace
    channel_of = {row[0]: row[1] for row in alerts}
    by_channel: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for m in messages:
        alert_id = number_of[str(story_number(m))]
        by_channel[channel_of[alert_id]].append((float(m.ts), alert_id))
    assert set(by_channel) == set(CHANNELS.values())
    for channel, posts in by_channel.items():
        firsts = list(dict.fromkeys(a for _, a in posts))
        assert firsts == sorted(firsts), f"{channel} out of order: {firsts}"
        times = [t for t, _ in posts]
        for i, j in itertools.combinations(range(len(times)), 2):
            # a token bucket allows at most BURST + RATE * span posts in any span
            assert j - i + 1 <= BURST + RATE * (times[j] - times[i]) + 1, (channel, i, j, times[i:j + 1])

    # --- every feed polled once per interval across the replicas
    short = []
    for i in range(FEEDS):
        path = f"/f{i}.xml"
        arrivals = [r.time for r in server.requests_for(path)]
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        early = [g for g in gaps if g < INTERVAL * 0.95]
        if server.url(path) in leased:  # its check died with the replica: polled again after the lease
            assert len(early) <= 1, (path, gaps)
            short += early
        else:
            assert not early, f"{path} polled twice within an interval: gaps {gaps}"
        # and never left behind: the whole run, less a lease and a tick, was covered interval by interval
        span = (end - killed_at) + 3 * INTERVAL
        assert len(arrivals) >= int(span / (INTERVAL + LEASE + 2)), (path, len(arrivals))
    print(f"killed with {len(sending)} alert(s) sending, {len(leased)} feed(s) leased; "
          f"{len(repeats)} repeat(s), {len(short)} early re-poll(s); {len(messages)} posts, {len(published)} alerts")


def _done(url: str, expected: int) -> bool:
    rows = query(url, "SELECT COUNT(*), COUNT(CASE WHEN status = 'sent' THEN 1 END) FROM alerts")
    return rows[0][0] == expected and rows[0][1] == expected


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(folder.glob("r*.log")))


def _metric_lines(folder: Path, name: str, field: str) -> list[int]:
    """From the replicas' JSON logs: for each ``name`` event, how many ids its ``field`` lists."""
    import json

    out = []
    for path in folder.glob("r*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if name not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            value = record.get(field)
            out.append(len(str(value).split(",")) if value else 0)
    return out

