"""The core path end to end, through real sockets: a local feed server, the real program as a
subprocess, slack-sdk talking to a local fake Slack, and a real SQLite state file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import SEED_SUMMARY, SEED_TITLE, Item, minutes_ago, rss, run_cli, write_rules
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer

SEED = Item(
    SEED_TITLE,
    SEED_SUMMARY,
    link="https://www.zdnet.com/article/amazon-employees-rebel/?utm_source=rss",
    guid="zdnet-seed-1",
    published=minutes_ago(1),
)
HOCKEY = Item(
    "Maple Leafs win on the ice in overtime",
    "A late goal sealed it.",
    link="https://example.org/hockey",
    guid="hockey-1",
    published=minutes_ago(2),
)


def api_env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url}


def test_seed_story_alerts_once_via_the_web_api_and_the_second_poll_is_conditional(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/tech.xml", rss([SEED, HOCKEY]))
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/tech.xml")])
        args = ("once", "--rules", str(rules), "--state", str(workdir / "state"), "--drain", "5")
        first = run_cli(*args, env=api_env(slack))
        assert first.code == 0, first.stderr
        posts = slack.messages
        assert len(posts) == 1, [p.text for p in posts]
        post = posts[0]
        assert post.channel_name.lstrip("#") == "ethics-alerts"
        blob = json.dumps(post.blocks)
        assert "Now Amazon employees rebel" in blob
        assert "https://www.zdnet.com/article/amazon-employees-rebel/" in blob
        assert "utm_source" not in blob  # canonical link
        assert "facial-recognition-police" in blob and "staff-letter" in blob
        assert "*Rekognition*" in blob or "*police*" in blob  # matched terms in bold

        second = run_cli(*args, "--log-level", "debug", env=api_env(slack))
        assert second.code == 0, second.stderr
        assert len(slack.messages) == 1
        conditional = feeds.requests_for("/tech.xml")[-1]
        assert "if-none-match" in conditional.headers
        assert "if-none-match" not in feeds.requests_for("/tech.xml")[0].headers
        assert "feed_not_modified" in second.stderr  # the server answered 304

        db = sqlite3.connect(workdir / "state" / "bot.sqlite3")
        ((status, ts),) = db.execute("SELECT status, slack_ts FROM alerts").fetchall()
        assert status == "sent" and ts == post.ts


def test_the_same_through_an_incoming_webhook(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/tech.xml", rss([SEED, HOCKEY]))
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/tech.xml")])
        ran = run_cli(
            "once",
            "--rules",
            str(rules),
            "--state",
            str(workdir / "state"),
            env={"SLACK_WEBHOOK_URL": slack.webhook_url()},
        )
        assert ran.code == 0, ran.stderr
        (post,) = slack.messages
        assert post.via == "webhook"
        assert "Now Amazon employees rebel" in json.dumps(post.blocks)


def test_without_slack_alerts_print_on_stdout(workdir: Path) -> None:
    with FeedServer() as feeds:
        feeds.set_feed("/tech.xml", rss([SEED, HOCKEY]))
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/tech.xml")])
        ran = run_cli("once", "--rules", str(rules), "--state", str(workdir / "state"))
        assert ran.code == 0, ran.stderr
        assert SEED_TITLE in ran.stdout
        assert "facial-recognition-police" in ran.stdout
        assert "Maple Leafs" not in ran.stdout


def test_control_sequences_in_a_headline_never_mention_anyone(workdir: Path) -> None:
    evil = Item(
        "<!channel> BREAKING <@U123> police buy facial recognition <https://evil.example|Reuters>",
        "Police in <!here> town bought facial recognition from Amazon.",
        link="https://example.org/evil",
        guid="evil-1",
        published=minutes_ago(1),
    )
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/evil.xml", rss([evil]))
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/evil.xml")])
        ran = run_cli("once", "--rules", str(rules), "--state", str(workdir / "state"), env=api_env(slack))
        assert ran.code == 0, ran.stderr
        (post,) = slack.messages
        analysis = post.analysis
        assert not analysis["broadcast_mention"]
        assert not analysis["user_mentions"]
        assert all("evil.example" not in str(link) for link in analysis["links"])
        assert "&lt;!channel&gt;" in json.dumps(post.blocks) + post.text


def test_alerts_queued_before_a_stop_are_delivered_by_the_next_run_once(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/tech.xml", rss([SEED]))
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/tech.xml")])
        args = ("once", "--rules", str(rules), "--state", str(workdir / "state"), "--drain", "0")
        slack.set_down(True)
        assert run_cli(*args, env=api_env(slack)).code == 0
        assert slack.messages == []
        status = run_cli("status", "--json", "--state", str(workdir / "state"))
        (channel,) = json.loads(status.stdout)["channels"]
        assert channel["pending"] == 1
        slack.set_down(False)
        assert run_cli(*args[:-1], "5", env=api_env(slack)).code == 0
        assert run_cli(*args, env=api_env(slack)).code == 0
        assert len(slack.messages) == 1


def test_check_lists_every_error_with_its_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "version: 1\n"
        "settings:\n  poll_interval: soon\n"
        "feeds:\n  - url: not-a-url\n"
        "rules:\n"
        "  - id: a\n    category: x\n    query: '(police'\n"
        "  - id: a\n    category: x\n    query: '@missing'\n"
    )
    ran = run_cli("check", "--rules", str(bad))
    assert ran.code == 2
    for line in ("line 3", "line 5", "line 9", "line 12"):
        assert line in ran.stderr, ran.stderr
    assert run_cli("once", "--rules", str(bad), "--state", str(tmp_path / "s")).code == 2


def test_check_accepts_the_shipped_rules() -> None:
    ran = run_cli("check", "--rules", "rules.yaml")
    assert ran.code == 0, ran.stderr
    assert "is valid" in ran.stdout
