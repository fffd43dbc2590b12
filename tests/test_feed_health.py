"""Feed health to the ops channel: one message after `feed_alert_after` failures in a row, none
on the next, one note on recovery (the real program, a real failing feed server, slack-sdk
against the fake Slack); silence judged against each feed's own rhythm (pure functions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.flow.feedhealth import plan_notices, silence
from bot.store.database import FeedState
from bot.store.health import HealthMark
from tests.conftest import Item, minutes_ago, rss, run_cli
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer
from tests.test_e2e_delivery import once, rules_text


def ops_messages(fake: FakeSlack) -> list[str]:
    return [json.dumps(m.blocks) for m in fake.messages if m.channel_name.lstrip("#") == "ops"]


def test_three_failures_one_ops_message_a_fourth_none_recovery_one_note(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as fake:
        fake.add_channel("#ops")
        feeds.set_feed("/ok.xml", rss([Item("quiet story", "", guid="q", published=minutes_ago(1))]))
        feeds.set_status("/f.xml", 500)
        urls = [feeds.url("/f.xml"), feeds.url("/ok.xml")]
        (workdir / "rules.yaml").write_text(rules_text(urls, ["#ethics-alerts"], extra='  ops_channel: "#ops"\n'))
        for _ in range(2):
            once(workdir, fake, drain=0)
        assert ops_messages(fake) == []
        once(workdir, fake, drain=0)  # the third failure in a row
        (told,) = ops_messages(fake)
        assert "Feed failing: Outlet 0" in told and feeds.url("/f.xml") in told
        assert "3 checks in a row" in told and "500" in told and "What to do" in told
        listing = run_cli("feeds", "--state", str(workdir / "state")).stdout
        assert "failing since" in listing and "ops channel told" in listing
        once(workdir, fake, drain=0)  # a fourth: nothing new to say
        assert len(ops_messages(fake)) == 1
        feeds.set_feed("/f.xml", rss([Item("back again", "", guid="b", published=minutes_ago(1))]))
        once(workdir, fake, drain=0)
        notes = ops_messages(fake)
        assert len(notes) == 2 and "Feed recovered: Outlet 0" in notes[1] and "works again" in notes[1]
        once(workdir, fake, drain=0)
        assert len(ops_messages(fake)) == 2
        data = json.loads(run_cli("feeds", "--json", "--state", str(workdir / "state")).stdout)
        assert {row["health"] for row in data} == {"ok"}


def test_without_ops_channel_nothing_is_posted_but_feeds_shows_the_failure(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_status("/f.xml", 404)
        (workdir / "rules.yaml").write_text(rules_text([feeds.url("/f.xml")], ["#ethics-alerts"]))
        for _ in range(3):
            once(workdir, fake, drain=0)
        assert fake.messages == []
        (row,) = json.loads(run_cli("feeds", "--json", "--state", str(workdir / "state")).stdout)
        assert row["health"] == "failing" and row["error_count"] == 3 and row["failing_since"]
        assert row["ops_told_at"] is None


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def hours_ago(*hours: float) -> list[float]:
    return [(NOW - timedelta(hours=h)).timestamp() for h in hours]


def test_a_feed_is_silent_only_when_much_quieter_than_its_own_rhythm() -> None:
    six_hourly = [6.0 * i for i in range(20)]
    assert silence(hours_ago(*six_hourly), NOW) is None
    quiet = silence(hours_ago(*[h + 72 for h in six_hourly]), NOW)  # 3 days after a 6-hour rhythm
    assert quiet is not None and quiet.usual_gap == 6 * 3600 and quiet.quiet_for == 72 * 3600
    weekly = [168.0 * i for i in range(8)]
    assert silence(hours_ago(*[h + 240 for h in weekly]), NOW) is None  # 10 days is not long for a weekly feed
    assert silence(hours_ago(*[h + 168 * 10 + 1 for h in weekly]), NOW) is not None
    assert silence(hours_ago(500, 600, 700), NOW) is None  # too few stories to learn a rhythm


def feed(url: str, errors: int = 0, kind: str | None = None) -> FeedState:
    return FeedState(url=url, fetch_url=url, name=url.upper(), interval=600, active=True, etag=None,
                     last_modified=None, body_hash=None, next_check_at=0, last_check_at=NOW.timestamp(),
                     last_success_at=NOW.timestamp(), first_polled_at=0, last_error="HTTP 500" if errors else None,
                     last_error_kind=kind, error_count=errors, stories_seen=0, last_new_story_at=None)


def test_notices_are_planned_once_per_state_change() -> None:
    quiet = {"s": hours_ago(*[h + 72 for h in range(0, 120, 6)])}
    feeds = [feed("a", 2, "http_status"), feed("b", 3, "connect"), feed("c"), feed("s")]
    marks = {"c": HealthMark("c", failing_since=0, failing_told_at=1)}
    kinds = {(n.kind, n.url) for n in plan_notices(feeds, marks, quiet, NOW, 3)}
    assert kinds == {("failing", "b"), ("recovered", "c"), ("silent", "s")}
    told = {"b": HealthMark("b", failing_since=0, failing_told_at=1), "s": HealthMark("s", silent_told_at=1)}
    assert plan_notices([feed("b", 9, "connect"), feed("s")], told, quiet, NOW, 3) == []
    connect = plan_notices([feed("b", 3, "connect")], {}, None, NOW, 3)[0].text
    assert "proxy or firewall" in connect


def test_a_silent_feed_gets_one_notice_and_feeds_shows_it(tmp_path: Path, store_url: str | None) -> None:
    import asyncio

    from bot.cli.reports import feeds_report
    from bot.config.load import parse_config
    from bot.core.models import Story
    from bot.flow.delivery import Pacer
    from bot.flow.feedhealth import report_feed_health
    from bot.flow.pipeline import Context
    from bot.notify.slack import SlackApiNotifier
    from bot.rules.match import compile_config
    from bot.store.database import Candidate, Store

    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    config = parse_config('version: 1\nsettings:\n  ops_channel: "#ops"\nfeeds:\n  - url: https://quiet.example/rss\n'
                          "    name: Quiet\nrules:\n  - {id: r, category: c, query: x}\n")
    store = Store(tmp_path / "state", store_url)
    store.sync_feeds(config.feeds, now)
    url = config.feeds[0].url
    stories = [Story(key=f"s{i}", feed_url=url, source="Quiet", title=f"story {i}", summary="",
                     published=now - timedelta(days=5, hours=6 * i)) for i in range(20)]
    store.save_poll(url, [Candidate(s, (), f"h{i}") for i, s in enumerate(stories)], now=now,
                    alert_since=now, alert_undated=False, dedup_window=3600)
    store.record_check(url, now=now, next_check=now)
    store.set_mark("last_poll", now.isoformat())
    listing = feeds_report(store, as_json=False, now=now)
    assert "SILENT" in listing and "nothing new for 5 days (usually every 6 hours)" in listing
    with FakeSlack() as fake:
        fake.add_channel("#ops")
        ctx = Context(config=config, ruleset=compile_config(config), store=store, clock=lambda: now)
        notifier = SlackApiNotifier(fake.token, base_url=fake.api_url)
        assert asyncio.run(report_feed_health(ctx, notifier, Pacer(1, 2))) == 1
        store.set_mark("last_poll", (now + timedelta(minutes=1)).isoformat())
        assert asyncio.run(report_feed_health(ctx, notifier, Pacer(1, 2))) == 0  # told once
        (told,) = ops_messages(fake)
        assert "Feed gone silent: Quiet" in told and "every 6 hours" in told
    assert "ops channel told" in feeds_report(store, as_json=False, now=now)
    store.close()
