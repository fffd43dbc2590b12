"""Event identity end to end, through real sockets: three local feeds, the real program as a
subprocess, slack-sdk against the fake Slack. Template stories from different outlets are each
their own top-level alert; copies with tracking parameters or an AMP address are one thread
reply each; every matching item is posted, none dropped."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Item, minutes_ago, rss, run_cli, write_rules
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer

ICE = "Workers at {co} signed a petition asking executives to end the company's contract with immigration agents."
CAMERAS = "Officers will compare faces caught on downtown cameras with a watchlist; the police department said so."
CITIES = ("Denver", "Austin", "Leeds", "Lyon", "Toronto", "Melbourne")
ORIGINAL = "https://news-x.example/2026/12/microsoft-ice-petition"


def ice(co: str, n: int, link: str | None = None, guid: str | None = None) -> Item:
    return Item(
        f"{co} employees protest ICE contract",
        ICE.format(co=co),
        link=link or f"https://outlet{n}.example/{co.lower()}-ice",
        guid=guid or f"{co}-{n}",
        published=minutes_ago(5 + n),
    )


def cameras(city: str, n: int) -> Item:
    return Item(
        f"{city} police adopt facial recognition cameras downtown",
        CAMERAS,
        link=f"https://outlet{n}.example/{city.lower()}-cameras",
        guid=f"{city}-cams",
        published=minutes_ago(10 + n),
    )


def test_template_stories_alert_apart_and_copies_become_one_thread_reply_each(workdir: Path) -> None:
    x = [ice("Microsoft", 0, link=ORIGINAL, guid="x-ms"), *(cameras(c, i) for i, c in enumerate(CITIES[:2]))]
    y = [
        ice("Google", 1),
        ice("Amazon", 1),
        *(cameras(c, i) for i, c in enumerate(CITIES[2:4], start=2)),
        # the same article as outlet X's, read through its AMP address
        ice("Microsoft", 1, link="https://amp.news-x.example/2026/12/microsoft-ice-petition/amp/", guid="y-ms"),
    ]
    z = [
        *(cameras(c, i) for i, c in enumerate(CITIES[4:], start=4)),
        # an aggregator's copy of X's article, with tracking parameters
        ice("Microsoft", 2, link=ORIGINAL + "?utm_source=rss&utm_medium=feed&fbclid=abc", guid="z-ms"),
    ]
    with FeedServer() as feeds, FakeSlack() as slack:
        for path, items in (("/x.xml", x), ("/y.xml", y), ("/z.xml", z)):
            feeds.set_feed(path, rss(items, title=path))
        rules = write_rules(workdir / "rules.yaml", [feeds.url(p) for p in ("/x.xml", "/y.xml", "/z.xml")])
        ran = run_cli(
            "once", "--rules", str(rules), "--state", str(workdir / "state"), "--drain", "10",
            env={"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url},
        )
        assert ran.code == 0, ran.stderr
        posts = slack.messages

    top = [p for p in posts if p.thread_ts is None]
    replies = [p for p in posts if p.thread_ts is not None]
    headers = sorted(p.blocks[0]["text"]["text"] for p in top if p.blocks)
    expected = sorted(
        [f"{co} employees protest ICE contract" for co in ("Microsoft", "Google", "Amazon")]
        + [f"{c} police adopt facial recognition cameras downtown" for c in CITIES]
    )
    assert headers == expected  # nine top-level alerts: no template story merged into another
    # the two copies of X's article: one reply each, in the thread of the one Microsoft alert
    (microsoft,) = [p for p in top if "Microsoft" in json.dumps(p.blocks)]
    assert len(replies) == 2 and {r.thread_ts for r in replies} == {microsoft.ts}
    assert all(r.text.startswith("Also reported by Outlet ") for r in replies)
    assert all("Microsoft employees protest ICE contract" in r.text for r in replies)
    assert not any(r.reply_broadcast for r in replies)
    # nothing dropped: every one of the 11 matching items is a message
    assert len(posts) == len(x) + len(y) + len(z) == 11
    assert all(not p.flags for p in posts)
