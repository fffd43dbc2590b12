"""One writer per state folder, through real processes: `once` runs started together on one
state folder post nothing twice and lose nothing; a `once` while the daemon runs says who holds
the folder and what to do; read-only commands keep working; a SIGKILLed daemon's lock does not
block the next start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO, Item, clean_env, minutes_ago, rss, run_cli, write_rules
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer, Request, Responder

STORIES = [
    Item(f"{co} employees protest ICE contract", f"{co} staff signed a petition against the {co} deal.",
         link=f"https://outlet.example/{co.lower()}", guid=co, published=minutes_ago(3))
    for co in ("Microsoft", "Google", "Amazon", "Salesforce")
]


def wait_for(predicate: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=REPO, env=clean_env(env), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def headlines(slack: FakeSlack) -> list[str]:
    return sorted(p.blocks[0]["text"]["text"] for p in slack.messages if p.blocks and p.thread_ts is None)


def test_once_runs_started_together_post_nothing_twice_and_lose_nothing(workdir: Path) -> None:
    body = rss(STORIES)

    def slow_feed(_request: Request, responder: Responder) -> None:
        responder.sleep(2.0)  # keeps the first writer busy while the others start
        responder.send(200, body, {"Content-Type": "application/rss+xml"})

    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_route("/f.xml", slow_feed)
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/f.xml")])
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url}
        args = ("once", "--rules", str(rules), "--state", str(workdir / "state"))
        slack.fail_next(1)  # the writer's first post fails: its alerts stay queued (--drain 0)
        procs = [cli(*args, "--drain", "0", env=env) for _ in range(3)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 1, 1], [err for _, _, err in results]
        for code, _, err in results:
            if code:
                assert "is already running on" in err and "(pid " in err, err
                assert "use `ethics-bot status` to look without writing" in err, err
        assert slack.messages == []  # one attempt, refused by Slack; nobody else posted
        # a later run delivers what the refused ones would have, once
        later = run_cli(*args, "--drain", "10", env=env)
        assert later.code == 0, later.stderr
        assert headlines(slack) == sorted(s.title for s in STORIES)
        again = run_cli(*args, "--drain", "2", env=env)
        assert again.code == 0, again.stderr
        assert len(slack.messages) == len(STORIES)


def test_once_while_the_daemon_runs_is_refused_and_a_killed_daemon_frees_the_folder(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/f.xml", rss(STORIES[:1]))
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/f.xml")])
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url}
        state = str(workdir / "state")
        log = workdir / "daemon.log"
        with open(log, "w") as err:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--rules", str(rules), "--state", state, "--poll-tick", "0.5"],
                cwd=REPO, env=clean_env(env), stdout=subprocess.DEVNULL, stderr=err,
            )
        try:
            assert wait_for(lambda: len(slack.messages) == 1), log.read_text()
            refused = run_cli("once", "--rules", str(rules), "--state", state, env=env)
            assert refused.code == 1
            assert f"`ethics-bot run` is already running on {state}/ (pid {daemon.pid}" in refused.stderr
            assert "stop it, or use `ethics-bot status` to look without writing" in refused.stderr
            status = run_cli("status", "--json", "--state", state)  # read-only commands still work
            assert status.code == 0 and json.loads(status.stdout)["channels"][0]["sent"] == 1
            assert run_cli("feeds", "--state", state).code == 0
            assert run_cli("health", "--state", state).code == 0
        finally:
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=30)
        assert daemon.returncode == -signal.SIGKILL
        assert (workdir / "state" / "writer.lock").exists()  # the file stays; the kernel freed the lock
        feeds.set_feed("/f.xml", rss(STORIES[:2]))
        after = run_cli("once", "--rules", str(rules), "--state", state, "--drain", "5", env=env)
        assert after.code == 0, after.stderr
        assert headlines(slack) == sorted(s.title for s in STORIES[:2])
