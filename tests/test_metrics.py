"""The Prometheus endpoint: /metrics and /healthz over a real socket, counters moved by the
pipeline's own calls (in-process, against a local feed server and the fake Slack), and the
daemon serving both while it runs and exiting 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config.load import load_config
from bot.fetch.client import Fetcher
from bot.flow.delivery import Pacer, deliver_due
from bot.flow.pipeline import Context, fetch_limits, poll_feeds
from bot.notify.slack import make_notifier
from bot.observe.metrics import Metrics, MetricsServer
from bot.rules.match import compile_rules
from bot.store.database import Store
from tests.conftest import (
    REPO,
    SEED_SUMMARY,
    SEED_TITLE,
    Item,
    clean_env,
    minutes_ago,
    rss,
    run_cli,
    write_rules,
)
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
RULE = "facial-recognition-police"  # the rule in tests.conftest.E2E_RULES that the seed story fires

SEED = Item(SEED_TITLE, SEED_SUMMARY, link="https://www.zdnet.com/article/amazon-employees-rebel/",
            guid="zdnet-seed-1", published=minutes_ago(1))
HOCKEY = Item("Maple Leafs win on the ice in overtime", "A late goal sealed it.", link="https://example.org/hockey",
              guid="hockey-1", published=minutes_ago(2))


def scrape(base_url: str) -> Samples:
    """GET /metrics and parse it as Prometheus does: {(sample name, labels): value}."""
    response = httpx.get(f"{base_url}/metrics", timeout=5, trust_env=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@contextmanager
def serving(metrics: Metrics, healthy: Callable[[], tuple[bool, str]]) -> Iterator[str]:
    server = MetricsServer(metrics, 0, healthy, host="127.0.0.1")
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_metrics_reports_the_counters_the_pipeline_moves() -> None:
    metrics = Metrics()
    with serving(metrics, lambda: (True, "ok")) as url:
        before = scrape(url)
        assert value(before, "ethics_bot_alerts_sent_total") == 0
        assert value(before, "ethics_bot_stories_seen_total") == 0

        metrics.polls.labels("parsed").inc()
        metrics.polls.labels("error").inc()
        metrics.fetch_errors.labels("timeout").inc()
        metrics.stories_seen.inc(3)
        metrics.matches.labels(RULE).inc()
        metrics.alerts_sent.inc()
        metrics.alerts_failed.inc()
        metrics.delivery_errors.labels("ratelimited").inc()
        metrics.alerts_pending.set(2)
        metrics.latency.observe(0.4)
        metrics.last_poll.set(1_700_000_000)

        after = scrape(url)
    assert value(after, "ethics_bot_feed_checks_total", outcome="parsed") == 1
    assert value(after, "ethics_bot_feed_checks_total", outcome="error") == 1
    assert value(after, "ethics_bot_fetch_errors_total", kind="timeout") == 1
    assert value(after, "ethics_bot_stories_seen_total") == 3
    assert value(after, "ethics_bot_rule_matches_total", rule=RULE) == 1
    assert value(after, "ethics_bot_alerts_sent_total") == 1
    assert value(after, "ethics_bot_alerts_failed_total") == 1
    assert value(after, "ethics_bot_delivery_errors_total", error="ratelimited") == 1
    assert value(after, "ethics_bot_alerts_pending") == 2
    assert value(after, "ethics_bot_delivery_latency_seconds_count") == 1
    assert value(after, "ethics_bot_delivery_latency_seconds_bucket", le="0.5") == 1
    assert value(after, "ethics_bot_delivery_latency_seconds_bucket", le="0.25") == 0
    assert value(after, "ethics_bot_last_successful_poll_timestamp_seconds") == 1_700_000_000


def test_two_metrics_objects_do_not_share_counters() -> None:
    first, second = Metrics(), Metrics()
    first.alerts_sent.inc()
    with serving(second, lambda: (True, "ok")) as url:
        assert value(scrape(url), "ethics_bot_alerts_sent_total") == 0


def test_healthz_follows_the_health_callback() -> None:
    state = {"ok": True, "reason": "ok, last poll tick 3s ago"}
    with serving(Metrics(), lambda: (bool(state["ok"]), str(state["reason"]))) as url:
        good = httpx.get(f"{url}/healthz", timeout=5, trust_env=False)
        assert good.status_code == 200
        assert good.text.strip() == "ok, last poll tick 3s ago"

        state.update(ok=False, reason="the last poll tick was 300s ago (limit 120s)")
        bad = httpx.get(f"{url}/healthz", timeout=5, trust_env=False)
        assert bad.status_code == 503
        assert "300s ago" in bad.text

        assert httpx.get(f"{url}/nothing-here", timeout=5, trust_env=False).status_code == 404


def test_a_poll_and_a_delivery_move_the_counters_on_the_endpoint(tmp_path: Path, store_url: str | None) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/tech.xml", rss([SEED, HOCKEY]))
        config = load_config(write_rules(tmp_path / "rules.yaml", [feeds.url("/tech.xml")]))
        ruleset = compile_rules(config.rules, config.lists, config.settings.default_channel)
        store = Store(tmp_path / "state", store_url)
        ctx = Context(config=config, ruleset=ruleset, store=store)
        store.sync_feeds(config.feeds, ctx.clock())
        notifier = make_notifier({"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url})

        async def poll() -> None:
            async with Fetcher(fetch_limits(config)) as fetcher:
                await poll_feeds(ctx, fetcher, due_only=False)

        with serving(ctx.metrics, lambda: (True, "ok")) as url:
            asyncio.run(poll())
            polled = scrape(url)
            assert value(polled, "ethics_bot_feed_checks_total", outcome="parsed") == 1
            assert value(polled, "ethics_bot_stories_seen_total") == 2
            assert value(polled, "ethics_bot_rule_matches_total", rule=RULE) == 1
            assert value(polled, "ethics_bot_alerts_sent_total") == 0
            last_poll = value(polled, "ethics_bot_last_successful_poll_timestamp_seconds")
            assert last_poll > time.time() - 60

            asyncio.run(deliver_due(ctx, notifier, Pacer(10.0, 10)))
            delivered = scrape(url)
            assert value(delivered, "ethics_bot_alerts_sent_total") == 1
            assert value(delivered, "ethics_bot_alerts_pending") == 0
            assert value(delivered, "ethics_bot_delivery_latency_seconds_count") == 1
            assert len(slack.messages) == 1

            asyncio.run(poll())  # the same feed again: a conditional GET answered 304
            again = scrape(url)
            assert value(again, "ethics_bot_feed_checks_total", outcome="not_modified") == 1
            assert value(again, "ethics_bot_stories_seen_total") == 2
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen[str]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stderr = proc.communicate()[1]
            pytest.fail(f"the daemon exited ({proc.returncode}) while waiting for {what}: {stderr}")
        try:
            if predicate():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_the_daemon_serves_metrics_and_healthz_then_exits_0_on_sigterm(tmp_path: Path, store_url: str | None) -> None:
    port = free_port()
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/tech.xml", rss([SEED, HOCKEY]))
        rules = write_rules(tmp_path / "rules.yaml", [feeds.url("/tech.xml")])
        database = {"BOT_DATABASE_URL": store_url} if store_url else {}
        env = clean_env({"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url,
                         "BOT_LOG_FORMAT": "json", **database})
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--rules", str(rules),
             "--state", str(tmp_path / "state"), "--metrics-port", str(port), "--poll-tick", "1"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            def sent_one() -> bool:
                return value(scrape(url), "ethics_bot_alerts_sent_total") == 1

            wait_for(sent_one, 60, "one alert sent", proc)
            samples = scrape(url)
            assert value(samples, "ethics_bot_feed_checks_total", outcome="parsed") == 1
            assert value(samples, "ethics_bot_rule_matches_total", rule=RULE) == 1
            assert value(samples, "ethics_bot_alerts_failed_total") == 0
            health = httpx.get(f"{url}/healthz", timeout=5, trust_env=False)
            assert health.status_code == 200, health.text
            assert len(slack.messages) == 1
            checked = run_cli("health", "--state", str(tmp_path / "state"), env=database)
            assert checked.code == 0, checked.stdout + checked.stderr

            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=15)
            assert proc.returncode == 0, stderr
            assert time.monotonic() - started < 10
            assert '"daemon_stopped"' in stderr
            assert slack.token not in stderr
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/metrics", timeout=2, trust_env=False)
    assert os.path.exists(tmp_path / "state" / "bot.sqlite3") == (store_url is None)
