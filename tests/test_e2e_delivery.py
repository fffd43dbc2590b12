"""Delivery guarantees end to end: retries, outages, permanent failures, threads, pacing and
crashes, with the real program, slack-sdk and a fake Slack that answers as Slack documents."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO, Item, clean_env, minutes_ago, rss, run_cli
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer

WORDS = [
    "amber",
    "basalt",
    "cedar",
    "dune",
    "ember",
    "fjord",
    "glacier",
    "harbor",
    "iris",
    "juniper",
    "kelp",
    "lagoon",
    "meadow",
    "nectar",
    "oasis",
    "prairie",
    "quartz",
    "reef",
    "savanna",
    "tundra",
    "umber",
    "valley",
    "willow",
    "yarrow",
    "zephyr",
]


def rules_text(feed_urls: list[str], channels: list[str], extra: str = "") -> str:
    feeds = "\n".join(f"  - url: {u}\n    name: Outlet {i}" for i, u in enumerate(feed_urls))
    rules = "\n".join(
        f"  - id: rule-{i}\n    category: cat-{i}\n    query: 'kw{i}'\n    channel: \"{ch}\""
        for i, ch in enumerate(channels)
    )
    return (
        "version: 1\nsettings:\n  poll_interval: 1s\n  min_interval: 1s\n  lookback: 24h\n"
        "  allow_private_addresses: true\n  retry_base: 0.2s\n  retry_max: 1s\n"
        + extra
        + f"feeds:\n{feeds}\nrules:\n{rules}\n"
    )


def unique_title(rng: random.Random, n: int, keyword: str) -> str:
    return f"{' '.join(rng.sample(WORDS, 5))} report {n} {keyword}"


def api_env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url}


def once(workdir: Path, fake: FakeSlack, drain: float = 30) -> None:
    ran = run_cli(
        "once",
        "--rules",
        str(workdir / "rules.yaml"),
        "--state",
        str(workdir / "state"),
        "--drain",
        str(drain),
        env=api_env(fake),
    )
    assert ran.code == 0, ran.stderr


def titles_by_channel(fake: FakeSlack) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in fake.messages:
        out.setdefault("#" + m.channel_name.lstrip("#"), []).append(m.blocks[0]["text"]["text"] if m.blocks else m.text)
    return out


def test_503s_and_429s_still_deliver_everything_once_in_order(workdir: Path) -> None:
    rng = random.Random(1)
    channels = ["#ethics-alerts", "#ethics-labor"]
    items = [Item(unique_title(rng, n, f"kw{n % 2}"), "", guid=f"g{n}", published=minutes_ago(1)) for n in range(8)]
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_feed("/f.xml", rss(items))
        (workdir / "rules.yaml").write_text(rules_text([feeds.url("/f.xml")], channels))
        fake.fail_next(5, status=503)
        fake.set_ratelimit_every(3, retry_after=1)
        once(workdir, fake, drain=60)
        got = titles_by_channel(fake)
        expected = {ch: [it.title for i, it in enumerate(items) if i % 2 == c] for c, ch in enumerate(channels)}
        assert got == expected
        statuses = Counter(r.get("status") for r in fake.requests)
        assert statuses[503] == 5 and statuses[429] >= 1


def test_slack_down_for_a_whole_cycle_delivers_everything_in_the_next(workdir: Path) -> None:
    rng = random.Random(2)
    items = [Item(unique_title(rng, n, "kw0"), "", guid=f"g{n}", published=minutes_ago(1)) for n in range(3)]
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_feed("/f.xml", rss(items))
        (workdir / "rules.yaml").write_text(rules_text([feeds.url("/f.xml")], ["#ethics-alerts"]))
        fake.set_down(True)
        once(workdir, fake, drain=1)
        assert fake.messages == []
        fake.set_down(False)
        once(workdir, fake)
        assert [t for t in titles_by_channel(fake)["#ethics-alerts"]] == [it.title for it in items]
        once(workdir, fake)
        assert len(fake.messages) == 3


def test_a_channel_the_bot_is_not_in_fails_with_the_remedy_and_others_still_arrive(workdir: Path) -> None:
    rng = random.Random(3)
    items = [Item(unique_title(rng, n, f"kw{n % 2}"), "", guid=f"g{n}", published=minutes_ago(1)) for n in range(4)]
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_feed("/f.xml", rss(items))
        (workdir / "rules.yaml").write_text(rules_text([feeds.url("/f.xml")], ["#not-joined", "#ethics-alerts"]))
        once(workdir, fake)
        assert set(titles_by_channel(fake)) == {"#ethics-alerts"}
        assert len(fake.messages) == 2
        status = json.loads(run_cli("status", "--json", "--state", str(workdir / "state")).stdout)
        by_channel = {c["channel"]: c for c in status["channels"]}
        assert by_channel["#not-joined"]["failed"] == 2 and by_channel["#not-joined"]["pending"] == 0
        assert by_channel["#ethics-alerts"]["sent"] == 2
        assert "invite" in status["recent_failures"][0]["remedy"].lower()
        text = run_cli("status", "--state", str(workdir / "state")).stdout
        assert "#not-joined" in text and "invite" in text.lower()


def test_one_story_from_three_outlets_is_one_alert_with_two_thread_replies(workdir: Path) -> None:
    headlines = [
        "Amazon workers demand end to police facial recognition deals kw0",
        "Amazon employees demand an end to police facial-recognition deals kw0",
        "Amazon workers demand end to police facial recognition deal, letter says kw0",
    ]
    with FeedServer() as feeds, FakeSlack() as fake:
        for i, h in enumerate(headlines):
            feeds.set_feed(
                f"/f{i}.xml",
                rss([Item(h, "", link=f"https://outlet{i}.example/story", guid=f"o{i}", published=minutes_ago(1))]),
            )
        urls = [feeds.url(f"/f{i}.xml") for i in range(3)]
        (workdir / "rules.yaml").write_text(rules_text(urls, ["#ethics-alerts"]))
        once(workdir, fake)
        top = [m for m in fake.messages if not m.thread_ts]
        replies = [m for m in fake.messages if m.thread_ts]
        assert len(top) == 1 and len(replies) == 2
        assert all(r.thread_ts == top[0].ts for r in replies)
        assert all("Also reported by" in r.text for r in replies)
        # the first outlet edits its headline: no new alert
        feeds.set_feed(
            "/f0.xml",
            rss(
                [
                    Item(
                        "Amazon staff demand end to police face recognition deals kw0",
                        "",
                        link="https://outlet0.example/story",
                        guid="o0",
                        published=minutes_ago(1),
                    )
                ]
            ),
        )
        once(workdir, fake)
        assert len([m for m in fake.messages if not m.thread_ts]) == 1
        assert len(fake.messages) <= 4  # at most one "Updated:" note in the thread


@pytest.mark.slow
def test_200_stories_drain_at_slacks_pace_without_a_single_429(workdir: Path) -> None:
    rng = random.Random(4)
    channels = [f"#pace-{i}" for i in range(8)]
    items = [Item(unique_title(rng, n, f"kw{n % 8}"), "", guid=f"g{n}", published=minutes_ago(1)) for n in range(200)]
    with FeedServer() as feeds, FakeSlack(channel_rate=3) as fake:
        for ch in channels:
            fake.add_channel(ch)
        feeds.set_feed("/f.xml", rss(items))
        # pacing of single posts is what is measured here, so the flood digest is switched off
        (workdir / "rules.yaml").write_text(rules_text([feeds.url("/f.xml")], channels, extra="  digest_over: off\n"))
        started = time.monotonic()
        once(workdir, fake, drain=120)
        elapsed = time.monotonic() - started
        assert len(fake.messages) == 200
        assert not [r for r in fake.requests if r.get("status") == 429]
        per_channel = Counter(m.channel_id for m in fake.messages)
        assert set(per_channel.values()) == {25}
        # 25 messages per channel at one per second with a burst of 3 cannot take less than ~22 s
        assert elapsed > 20


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_duplicates_at_most_one_per_kill(workdir: Path) -> None:
    rng = random.Random(5)
    kills = 20
    items: list[Item] = []
    with FeedServer() as feeds, FakeSlack() as fake:
        (workdir / "rules.yaml").write_text(  # one post per story, so each can be counted: no flood digests
            rules_text([feeds.url("/f.xml")], ["#ethics-alerts", "#ethics-labor"], extra="  digest_over: off\n")
        )
        cmd = [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--rules",
            str(workdir / "rules.yaml"),
            "--state",
            str(workdir / "state"),
            "--poll-tick",
            "0.5",
        ]
        env = clean_env(api_env(fake))
        for _kill in range(kills):
            for _ in range(3):  # new stories appear between and during runs
                n = len(items)
                items.append(Item(unique_title(rng, n, f"kw{n % 2}"), "", guid=f"g{n}", published=minutes_ago(1)))
            feeds.set_feed("/f.xml", rss(items))
            proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.8, 3.0))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log = workdir / "final.log"
        with open(log, "w") as err:
            proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (
            len({m.text for m in fake.messages}) < len(items) or "poll_tick" not in log.read_text()
        ):
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        posted = Counter(m.blocks[0]["text"]["text"] for m in fake.messages)
        missing = [it.title for it in items if it.title not in posted]
        assert not missing, f"lost {len(missing)} alerts"
        duplicates = sum(c - 1 for c in posted.values())
        print(f"kills={kills} alerts={len(items)} duplicates={duplicates}")
        assert duplicates <= kills
