"""Digests end to end through real sockets: local feeds, slack-sdk against the fake Slack, state
in a real SQLite file. A flood becomes a digest (the real program); a daily digest, quiet
hours and a critical alert in the night with a controllable clock (in-process, same parts)."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config.load import parse_config
from bot.fetch.client import Fetcher
from bot.flow.delivery import Pacer, deliver_due
from bot.flow.pipeline import Context, fetch_limits, poll_feeds
from bot.notify.digest import build_digest
from bot.notify.slack import SlackApiNotifier
from bot.rules.match import compile_config
from bot.store.database import Store
from tests.conftest import Item, minutes_ago, rss, run_cli
from tests.support.fake_slack import FakeSlack
from tests.support.fake_slack_blocks import blocks_text_length
from tests.support.feed_server import FeedServer
from tests.test_e2e_delivery import once, rules_text, unique_title


def message_text(message: object) -> str:
    return json.dumps(getattr(message, "blocks", None) or [], ensure_ascii=False)


def test_40_matching_stories_at_once_arrive_as_at_most_3_messages_naming_all_40(workdir: Path) -> None:
    rng = random.Random(16)
    items = [
        Item(unique_title(rng, n, "kw0"), f"summary {n} kw0", link=f"https://news.example/{n}", guid=f"g{n}",
             published=minutes_ago(1))
        for n in range(40)
    ]
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_feed("/f.xml", rss(items))
        (workdir / "rules.yaml").write_text(rules_text([feeds.url("/f.xml")], ["#ethics-alerts"]))
        once(workdir, fake)
        assert 1 <= len(fake.messages) <= 3
        texts = [message_text(m) for m in fake.messages]
        for it in items:  # each story named, and in exactly one message
            assert sum(t.count(it.title) for t in texts) == 1, it.title
            assert sum(t.count(f"<{it.link}|") for t in texts) == 1  # linked
        assert all("rule-0" in t and "cat-0" in t for t in texts)
        assert not [r for r in fake.requests if r.get("error")]
        status = json.loads(run_cli("status", "--json", "--state", str(workdir / "state")).stdout)
        assert status["channels"] == [
            {"channel": "#ethics-alerts", "pending": 0, "sent": 40, "failed": 0, "oldest_pending_age_seconds": None,
             "held": 0, "next_release": None}
        ]
        once(workdir, fake)  # nothing is sent twice
        assert len(fake.messages) <= 3


def test_ten_stories_at_once_still_go_one_by_one(workdir: Path) -> None:
    rng = random.Random(17)
    items = [Item(unique_title(rng, n, "kw0"), "", guid=f"g{n}", published=minutes_ago(1)) for n in range(10)]
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_feed("/f.xml", rss(items))
        (workdir / "rules.yaml").write_text(
            rules_text([feeds.url("/f.xml")], ["#ethics-alerts"], extra="  channel_rate: 100\n  channel_burst: 20\n"))
        once(workdir, fake)
        assert sorted(m.blocks[0]["text"]["text"] for m in fake.messages) == sorted(it.title for it in items)


def test_a_digest_channel_holds_its_alerts_and_status_says_until_when(workdir: Path) -> None:
    rng = random.Random(18)
    items = [Item(unique_title(rng, n, "kw0"), "", guid=f"g{n}", published=minutes_ago(1)) for n in range(3)]
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_feed("/f.xml", rss(items))
        extra = 'channels:\n  "#ethics-alerts": {mode: digest, digest: daily, at: "08:00"}\n'
        (workdir / "rules.yaml").write_text(rules_text([feeds.url("/f.xml")], ["#ethics-alerts"]) + extra)
        once(workdir, fake, drain=0)
        assert fake.messages == []
        status = json.loads(run_cli("status", "--json", "--state", str(workdir / "state")).stdout)
        (row,) = status["channels"]
        assert row["held"] == 3 and row["pending"] == 0 and row["next_release"].endswith("T08:00:00Z")
        text = run_cli("status", "--state", str(workdir / "state")).stdout
        assert "3 held for a digest or quiet hours" in text


def test_a_digest_of_long_stories_splits_only_where_block_kit_forces_it() -> None:
    from bot.core.models import Alert, Match, Story

    alerts = [
        Alert(id=i, channel="#c",
              story=Story(key=str(i), feed_url="f", source="Src " * 30, title=f"story {i} " + "w" * 400,
                          summary="", link=f"https://x.example/{i}/" + "p" * 300),
              matches=(Match(rule_id="r" * 60, category="c" * 50, severity="high", channel="#c"),))
        for i in range(120)
    ]
    parts = build_digest(alerts, "Daily digest: 120 stories")
    assert [i for p in parts for i in p.alert_ids] == list(range(120))
    for part in parts:
        blocks = list(part.message.blocks)
        assert len(blocks) <= 50
        assert blocks_text_length(blocks) <= 12000
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if "text" in b)
    # split only where forced: the next part's first story would not have fitted in this one
    for part, after in itertools.pairwise(parts):
        first = next(b for b in after.message.blocks if b["block_id"].startswith("item_"))
        full = len(part.message.blocks) == 50
        assert full or blocks_text_length(list(part.message.blocks)) + len(first["text"]["text"]) > 10_000
    assert len(build_digest(alerts[:3], "Digest")) == 1

def test_story_text_in_a_digest_cannot_mention_anyone_or_forge_a_link() -> None:
    from bot.core.models import Alert, Match, Story

    story = Story(key="k", feed_url="f", source="<@U123> *Src*", title="<!channel> <https://evil.example|click> & *x*",
                  summary="", link="https://ok.example/a")
    alert = Alert(id=1, channel="#c", story=story, matches=(Match("r", "c", "high", "#c"),))
    (part,) = build_digest([alert], "Digest")
    text = message_text(part.message)
    assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text and "&amp;" in text
    assert "<https://ok.example/a|" in text


RULES = """\
version: 1
settings:
  poll_interval: 10m
  lookback: 24h
  allow_private_addresses: true
feeds:
{feeds}
channels:
  "#daily":
    mode: digest
    digest: daily
    at: "08:00"
    timezone: Europe/Berlin
  "#night":
    quiet_hours: "22:00-07:00"
    timezone: Europe/Berlin
rules:
  - id: daily-rule
    category: cat-daily
    query: kwdaily
    channel: "#daily"
  - id: night-rule
    category: cat-night
    query: kwnight
    channel: "#night"
  - id: night-critical
    category: cat-urgent
    query: kwurgent
    severity: critical
    channel: "#night"
"""


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_daily_digest_at_its_hour_quiet_hours_and_a_critical_alert_at_night(
    tmp_path: Path, store_url: str | None
) -> None:
    clock = Clock(datetime(2026, 3, 10, 21, 30, tzinfo=UTC))  # 22:30 in Berlin: quiet hours
    with FeedServer() as feeds, FakeSlack() as fake:
        fake.add_channel("#daily")
        fake.add_channel("#night")

        def publish(path: str, titles: list[str]) -> None:
            items = [Item(t, "", link=f"https://news.example/{t.split()[-1]}", guid=t,
                          published=clock.now - timedelta(minutes=5)) for t in titles]
            feeds.set_feed(path, rss(items))

        publish("/a.xml", ["first story kwdaily a1", "second story kwdaily a2", "late story kwnight a3",
                           "urgent story kwurgent a4"])
        text = RULES.replace("{feeds}", f"  - url: {feeds.url('/a.xml')}\n    name: Outlet A\n"
                                        f"  - url: {feeds.url('/b.xml')}\n    name: Outlet B")
        config = parse_config(text)
        store = Store(tmp_path / "state", store_url)
        ctx = Context(config=config, ruleset=compile_config(config), store=store, clock=clock)
        store.sync_feeds(config.feeds, clock.now)
        notifier = SlackApiNotifier(fake.token, base_url=fake.api_url)
        pacer = Pacer(5.0, 5)

        async def poll_and_deliver() -> None:
            async with Fetcher(fetch_limits(config)) as fetcher:
                await poll_feeds(ctx, fetcher, due_only=False)
            await deliver_due(ctx, notifier, pacer)

        def at(when: datetime) -> list[str]:
            clock.now = when
            before = len(fake.messages)
            asyncio.run(deliver_due(ctx, notifier, pacer))
            return [message_text(m) for m in fake.messages[before:]]

        asyncio.run(poll_and_deliver())
        # during quiet hours only the critical alert goes, at once
        assert [m.channel_name.lstrip("#") for m in fake.messages] == ["night"]
        assert "urgent story" in message_text(fake.messages[0])
        assert at(datetime(2026, 3, 11, 5, 59, tzinfo=UTC)) == []  # 06:59 Berlin: still quiet
        woke = at(datetime(2026, 3, 11, 6, 0, tzinfo=UTC))  # 07:00 Berlin: the quiet hours end
        assert len(woke) == 1 and "late story" in woke[0]
        assert at(datetime(2026, 3, 11, 6, 59, tzinfo=UTC)) == []  # 07:59: the digest is not due yet
        digest = at(datetime(2026, 3, 11, 7, 0, tzinfo=UTC))  # 08:00 Berlin: the daily digest
        assert len(digest) == 1
        assert "Daily digest: 2 stories" in digest[0]
        assert "first story" in digest[0] and "second story" in digest[0] and "daily-rule" in digest[0]
        digest_ts = fake.messages[-1].ts
        assert at(datetime(2026, 3, 11, 7, 1, tzinfo=UTC)) == []  # each story once

        # another outlet reports a digested story: the note threads under the digest message
        clock.now = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
        feeds.set_feed("/b.xml", rss([Item("first story kwdaily again", "", link="https://news.example/a1",
                                           guid="b1", published=clock.now - timedelta(minutes=5))]))
        asyncio.run(poll_and_deliver())
        replies = [m for m in fake.messages if m.thread_ts]
        assert len(replies) == 1 and replies[0].thread_ts == digest_ts
        assert "Also reported by" in replies[0].text
        store.close()


def test_the_channels_section_is_checked_by_the_check_command(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(
        """\
        version: 1
        rules:
          - id: r
            category: c
            query: x
        channels:
          "#ethics-alerts":
            mode: digest
            at: "8 am"
            timezone: Berlin
        """))
    ran = run_cli("check", "--rules", str(path))
    assert ran.code == 2
    assert "line 9" in ran.stderr and "line 10" in ran.stderr and "HH:MM" in ran.stderr
