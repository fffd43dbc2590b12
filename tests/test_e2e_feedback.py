"""Feedback buttons end to end: the real daemon, slack-sdk's Socket Mode client and a fake Slack
that speaks Socket Mode over a real WebSocket on loopback (tests/support/fake_slack_socket.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REPO, Item, clean_env, minutes_ago, rss, run_cli
from tests.support.fake_slack import FakeSlack, PostedMessage
from tests.support.fake_slack_socket import APP_TOKEN, FakeSocketMode
from tests.support.feed_server import FeedServer

RULES = (
    "version: 1\nsettings:\n  poll_interval: 1s\n  min_interval: 1s\n  lookback: 24h\n"
    "  allow_private_addresses: true\n  retry_base: 0.2s\n  retry_max: 1s\n"
    "feeds:\n  - url: {feed}\n    name: Local\n"
    "rules:\n"
    "  - id: police-face\n    category: facial-recognition\n    query: 'police AND face'\n"
    "  - id: staff-letter\n    category: worker-activism\n    query: 'staff AND letter'\n"
)


def wait_for(predicate: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@contextmanager
def daemon(tmp_path: Path, env: dict[str, str]) -> Iterator[Path]:
    """``ethics-bot run`` in a subprocess; yields its log file; stops it with SIGTERM."""
    log = tmp_path / "daemon.log"
    cmd = [sys.executable, "-m", "bot", "run", "--rules", str(tmp_path / "rules.yaml"), "--state",
           str(tmp_path / "state"), "--poll-tick", "0.5"]
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, env=clean_env(env), cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    try:
        yield log
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()


def top_level(fake: FakeSlack) -> list[PostedMessage]:
    return [m for m in fake.messages if not m.thread_ts]


def block(message: PostedMessage, block_id: str) -> dict | None:
    return next((b for b in message.blocks or [] if b.get("block_id") == block_id), None)


def verdict(fake: FakeSlack, message: PostedMessage) -> str | None:
    shown = fake.find_message(message.channel_id, message.ts)
    found = block(shown, "verdict") if shown else None
    return found["elements"][0]["text"] if found else None


def slack_env(fake: FakeSlack, app_token: str | None = APP_TOKEN) -> dict[str, str]:
    env = {"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url}
    if app_token:
        env["SLACK_APP_TOKEN"] = app_token
    return env


def test_not_relevant_click_is_acknowledged_shown_exported_and_read_by_eval(tmp_path: Path) -> None:
    title = "Police trial face matching at the stadium gates"
    with FeedServer() as feeds, FakeSlack() as fake, FakeSocketMode(fake) as socket_mode:
        feeds.set_feed("/f.xml", rss([Item(title, "A vendor demo.", link="https://news.example/a", guid="a",
                                          published=minutes_ago(1))]))
        (tmp_path / "rules.yaml").write_text(RULES.format(feed=feeds.url("/f.xml")))
        with daemon(tmp_path, slack_env(fake)) as log:
            assert wait_for(lambda: len(top_level(fake)) == 1), log.read_text()
            alert = top_level(fake)[0]
            buttons = block(alert, next(b["block_id"] for b in alert.blocks if b["block_id"].startswith("feedback:")))
            assert [e["action_id"] for e in buttons["elements"]] == [
                "feedback_relevant", "feedback_not_relevant", "feedback_mute", "feedback_category"]
            assert socket_mode.wait_connected(20), log.read_text()
            delivered = socket_mode.click(alert, "feedback_not_relevant", user_id="U0ADA00001", user_name="ada")
            assert delivered.ack_seconds is not None and delivered.ack_seconds < 3.0
            assert delivered.ack == {"envelope_id": delivered.envelope_id}
            assert wait_for(lambda: verdict(fake, alert) is not None, 10), log.read_text()
            assert verdict(fake, alert) == "Marked not relevant by <@U0ADA00001>"
            shown = fake.find_message(alert.channel_id, alert.ts)
            assert shown is not None and block(shown, buttons["block_id"]) is not None  # buttons stay
            updates = [r for r in fake.requests if r["method"] == "chat.update"]
            assert [u["ok"] for u in updates] == [True]
        assert "feedback_received" in log.read_text()
        assert APP_TOKEN not in log.read_text() and fake.token not in log.read_text()
    state = ["--state", str(tmp_path / "state")]
    exported = run_cli("feedback", "export", *state)
    assert exported.code == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(x["title"], x["labels"], x["votes"], x["rules"]) for x in lines] == [(title, [], 1, ["police-face"])]
    assert run_cli("feedback", "export", "--since", "7d", *state).stdout == exported.stdout
    bad = run_cli("feedback", "export", "--since", "last tuesday", *state)
    assert bad.code == 1 and "--since last tuesday" in bad.stderr
    (tmp_path / "feedback.jsonl").write_text(exported.stdout)
    evaluated = run_cli("eval", str(tmp_path / "feedback.jsonl"), "--json", "--rules", str(tmp_path / "rules.yaml"))
    assert evaluated.code == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    # the rule still matches the story people called not relevant: eval counts it as a false alert
    assert (report["relevance"]["fp"], report["relevance"]["tp"], report["relevance"]["tn"]) == (1, 0, 0)
    status = json.loads(run_cli("status", "--json", *state).stdout)
    assert status["feedback"]["rules"] == [{"rule": "police-face", "category": "facial-recognition", "alerts": 1,
                                            "judged": 1, "correct": 0, "precision": 0.0, "low_precision": False}]


def test_a_dropped_socket_never_pauses_polling_or_delivery_and_clicks_work_after_it_reconnects(
    tmp_path: Path,
) -> None:
    items = [Item("Police trial face matching kw first", "", guid="g0", published=minutes_ago(1))]
    with FeedServer() as feeds, FakeSlack() as fake, FakeSocketMode(fake) as socket_mode:
        feeds.set_feed("/f.xml", rss(items))
        (tmp_path / "rules.yaml").write_text(RULES.format(feed=feeds.url("/f.xml")))
        with daemon(tmp_path, slack_env(fake)) as log:
            assert wait_for(lambda: len(top_level(fake)) == 1) and socket_mode.wait_connected(20), log.read_text()
            socket_mode.set_refusing(True)
            socket_mode.drop()
            assert wait_for(lambda: socket_mode.open_connections == 0, 5)
            dropped_at = time.monotonic()
            # while the socket is down, new stories keep being polled and delivered
            titles = ["Cafeteria staff letter on wages", "Nurses union staff publish letter", "Port staff letter"]
            for n, title in enumerate(titles, start=1):
                items.append(Item(title, "", guid=f"g{n}", published=minutes_ago(1)))
                feeds.set_feed("/f.xml", rss(items))
                assert wait_for(lambda n=n: len(top_level(fake)) == n + 1, 15), log.read_text()
                assert socket_mode.open_connections == 0
            polls = [r.time for r in feeds.requests_for("/f.xml") if r.time > dropped_at]
            assert len(polls) >= 3
            socket_mode.set_refusing(False)
            assert socket_mode.wait_connected(60), log.read_text()
            assert socket_mode.connections_opened >= 2
            later = top_level(fake)[-1]
            delivered = socket_mode.click(later, "feedback_category", option="facial-recognition",
                                          user_id="U0BOB00001", user_name="bob")
            assert delivered.ack_seconds is not None and delivered.ack_seconds < 3.0
            assert wait_for(lambda: verdict(fake, later) is not None, 10), log.read_text()
            assert verdict(fake, later) == "Category corrected to *facial-recognition* by <@U0BOB00001>"
    exported = run_cli("feedback", "export", "--state", str(tmp_path / "state"))
    assert [json.loads(line)["labels"] for line in exported.stdout.splitlines()] == [["facial-recognition"]]


def test_without_an_app_token_there_are_no_buttons_and_nothing_else_changes(tmp_path: Path) -> None:
    item = Item("Police trial face matching at the gates", "", link="https://news.example/a", guid="a",
                published=minutes_ago(1))
    posted: dict[str, list[PostedMessage]] = {}
    for app_token in (None, APP_TOKEN):
        run = tmp_path / ("with" if app_token else "without")
        (run / "state").mkdir(parents=True)
        with FeedServer() as feeds, FakeSlack() as fake, FakeSocketMode(fake) as socket_mode:
            feeds.set_feed("/f.xml", rss([item]))
            (run / "rules.yaml").write_text(RULES.format(feed=feeds.url("/f.xml")))
            with daemon(run, slack_env(fake, app_token)) as log:
                assert wait_for(lambda: len(fake.messages) == 1), log.read_text()
                if app_token:
                    assert socket_mode.wait_connected(20)
                time.sleep(1.0)
            posted[run.name] = fake.messages
            methods = {r["method"] for r in fake.requests}
            if not app_token:
                assert methods == {"chat.postMessage"}  # no apps.connections.open, no chat.update
                assert socket_mode.connections_opened == 0
    without, with_buttons = posted["without"][0], posted["with"][0]
    assert not [b for b in without.blocks if b["block_id"].startswith("feedback:")]
    assert with_buttons.blocks[:-1] == without.blocks  # the buttons are one more block, nothing else
    assert with_buttons.text == without.text
