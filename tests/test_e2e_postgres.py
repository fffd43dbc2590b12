"""The bot on PostgreSQL end to end, through the real program: ``once`` with BOT_DATABASE_URL
delivers what it delivers on SQLite, and ``migrate-state`` moves a real SQLite state so that the
next poll on PostgreSQL sends nothing already sent (and threads a new report under the alert
Slack already has). The database is a throwaway cluster (tests/support/postgres.py)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from tests.conftest import SEED_SUMMARY, SEED_TITLE, Item, minutes_ago, rss, run_cli, write_rules
from tests.support.fake_slack import FakeSlack
from tests.support.fake_slack_core import PostedMessage
from tests.support.feed_server import FeedServer

SEED = Item(SEED_TITLE, SEED_SUMMARY, link="https://www.zdnet.com/article/amazon-employees-rebel/",
            guid="zdnet-seed-1", published=minutes_ago(3))
HOCKEY = Item("Maple Leafs win on the ice in overtime", "A late goal sealed it.",
              link="https://example.org/hockey", guid="hockey-1", published=minutes_ago(2))
POLICE = Item("City police buy Rekognition facial recognition for patrols", "The police department signed.",
              link="https://news.example/police-rekognition", guid="police-1", published=minutes_ago(4))
LATER = Item("Google staff protest in open letter over drone contract", "Employees wrote a letter.",
             link="https://news.example/google-letter", guid="google-1", published=minutes_ago(1))


def slack_env(slack: FakeSlack, database_url: str | None = None) -> dict[str, str]:
    env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url}
    if database_url:
        env["BOT_DATABASE_URL"] = database_url
    return env


def seen(messages: list[PostedMessage]) -> list[tuple[str, bool, str]]:
    """What a reader sees: channel, whether it is a thread reply, and the text. Which of two
    outlets carrying one story is polled first (and so alerts, the other replying) is a race on
    either backend, so the outlet's name is set aside."""
    return sorted((m.channel_name, m.thread_ts is not None, re.sub(r"Outlet \d", "Outlet", m.text)) for m in messages)


def once(workdir: Path, state: str, env: dict[str, str]) -> None:
    ran = run_cli("once", "--rules", str(workdir / "rules.yaml"), "--state", str(workdir / state),
                  "--drain", "5", env=env)
    assert ran.code == 0, ran.stderr


def test_once_on_postgresql_delivers_the_same_alerts_as_on_sqlite(workdir: Path, database_url: str) -> None:
    with FeedServer() as feeds:
        feeds.set_feed("/a.xml", rss([SEED, HOCKEY, POLICE]))
        feeds.set_feed("/b.xml", rss([replace(SEED, guid="copy-1")]))  # another outlet: a thread reply
        write_rules(workdir / "rules.yaml", [feeds.url("/a.xml"), feeds.url("/b.xml")])
        with FakeSlack() as on_sqlite:
            once(workdir, "state", slack_env(on_sqlite))
        with FakeSlack() as on_postgres:
            once(workdir, "unused-state", slack_env(on_postgres, database_url))
    assert len(on_sqlite.messages) == 3  # two alerts and one "Also reported by" reply
    assert seen(on_postgres.messages) == seen(on_sqlite.messages)
    assert not (workdir / "unused-state" / "bot.sqlite3").exists()  # the state went to PostgreSQL
    status = run_cli("status", "--json", "--state", str(workdir / "unused-state"),
                     env={"BOT_DATABASE_URL": database_url})
    assert status.code == 0, status.stderr
    assert {c["channel"]: c["sent"] for c in json.loads(status.stdout)["channels"]} == {"#ethics-alerts": 3}


def test_migrate_state_moves_a_real_state_and_the_next_poll_sends_nothing_already_sent(
    workdir: Path, database_url: str
) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/a.xml", rss([SEED, HOCKEY]))
        feeds.set_feed("/b.xml", rss([replace(SEED, guid="copy-b")]))
        feeds.set_feed("/c.xml", rss([]))
        write_rules(workdir / "rules.yaml", [feeds.url(f"/{n}.xml") for n in "abc"])
        once(workdir, "state", slack_env(slack))
        before = list(slack.messages)
        (top,) = [m for m in before if m.thread_ts is None]
        assert len(before) == 2

        moved = run_cli("migrate-state", "--state", str(workdir / "state"), "--to", database_url)
        assert moved.code == 0, moved.stderr
        assert "copied" in moved.stdout and "2 alerts" in moved.stdout and "3 feeds" in moved.stdout

        # the feeds change: /a gains a story, a third outlet reports the first one
        feeds.set_feed("/a.xml", rss([LATER, SEED, HOCKEY]))
        feeds.set_feed("/c.xml", rss([replace(SEED, guid="copy-c")]))
        once(workdir, "state", slack_env(slack, database_url))
        after = slack.messages[len(before):]
        (new,) = [m for m in after if m.thread_ts is None]  # the one story nobody had seen
        assert LATER.title in new.text
        (reply,) = [m for m in after if m.thread_ts is not None]
        assert reply.thread_ts == top.ts and "Also reported by" in reply.text  # under the alert sent before
        assert not {m.text for m in after} & {m.text for m in before}

        again = run_cli("migrate-state", "--state", str(workdir / "state"), "--to", database_url)
        assert again.code == 1
        assert "already holds a state" in again.stderr and "nothing was copied" in again.stderr


def test_migrate_state_refuses_while_the_bot_runs_on_the_state_and_without_a_state(workdir: Path) -> None:
    from bot.store.database import Store
    from bot.store.lock import WriterLock

    target = f"postgresql://bot@/bot?host={workdir}/no-server"
    missing = run_cli("migrate-state", "--state", str(workdir / "state"), "--to", target)
    assert missing.code == 1 and "no SQLite state" in missing.stderr
    Store(workdir / "state").close()
    with WriterLock(workdir / "state", "run"):
        busy = run_cli("migrate-state", "--state", str(workdir / "state"), "--to", target)
    assert busy.code == 1 and "`ethics-bot run` is already running" in busy.stderr
    wrong = run_cli("migrate-state", "--state", str(workdir / "state"), "--to", "sqlite:///x.db")
    assert wrong.code == 1 and "must be a postgresql:// address" in wrong.stderr


def test_a_row_postgresql_refuses_undoes_the_whole_copy_and_says_so(workdir: Path, database_url: str) -> None:
    import sqlite3

    from bot.store.database import Store

    Store(workdir / "state").close()
    db = sqlite3.connect(workdir / "state" / "bot.sqlite3")  # an alert whose story is gone: foreign keys off
    db.execute("INSERT INTO feeds(url, fetch_url, name, interval, next_check_at) VALUES ('u', 'u', 'n', 60, 0)")
    db.execute("INSERT INTO alerts(story_id, channel, kind, matches, next_attempt_at, created_at) "
               "VALUES (42, '#c', 'new', '[]', 0, 0)")
    db.commit()
    db.close()
    ran = run_cli("migrate-state", "--state", str(workdir / "state"), "--to", database_url)
    assert ran.code == 1 and "failed and was undone, nothing was copied" in ran.stderr, ran.stderr
    empty = Store(workdir / "other", database_url)
    assert empty.feed_states(active_only=False) == []  # the feed copied before the refused alert is gone too
    empty.close()
