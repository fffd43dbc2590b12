"""The daemon under bad input: hot reload of good and broken edits, hostile feeds, and secrets
that must never be written anywhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO, Item, Ran, clean_env, minutes_ago, rss, run_cli
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer

HEADER = (
    "version: 1\nsettings:\n  poll_interval: 1s\n  min_interval: 1s\n  allow_private_addresses: true\n"
    '  ops_channel: "#ethics-ops"\n  retry_base: 0.2s\n'
)


def rules(feed: str, *queries: str) -> str:
    body = "".join(f"  - id: rule-{i}\n    category: cat-{i}\n    query: '{q}'\n" for i, q in enumerate(queries))
    return HEADER + f"feeds:\n  - url: {feed}\n    name: Local\nrules:\n{body}"


def wait_for(predicate: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def headlines(fake: FakeSlack) -> list[str]:
    return [
        m.blocks[0]["text"]["text"]
        for m in fake.messages
        if m.blocks and m.blocks[0]["type"] == "header" and m.channel_name.lstrip("#") != "ethics-ops"
    ]


def test_hot_reload_applies_good_edits_and_keeps_the_last_good_rules_on_a_broken_one(tmp_path: Path) -> None:
    items = [Item("Zebra kwzero story", "", guid="a", published=minutes_ago(1))]
    rules_file = tmp_path / "rules.yaml"
    log = tmp_path / "daemon.log"
    with FeedServer() as feeds, FakeSlack() as fake:
        feed = feeds.url("/f.xml")
        feeds.set_feed("/f.xml", rss(items))
        rules_file.write_text(rules(feed, "kwzero"))
        env = clean_env({"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url})
        with open(log, "w") as err:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    "--rules",
                    str(rules_file),
                    "--state",
                    str(tmp_path / "state"),
                    "--poll-tick",
                    "0.5",
                ],
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        try:
            assert wait_for(lambda: "Zebra kwzero story" in headlines(fake))
            # a good edit: a new rule applies without a restart
            rules_file.write_text(rules(feed, "kwzero", "kwone"))
            assert wait_for(lambda: "rules_reloaded" in log.read_text())
            items.append(Item("Yak kwone story", "", guid="b", published=minutes_ago(1)))
            feeds.set_feed("/f.xml", rss(items))
            assert wait_for(lambda: "Yak kwone story" in headlines(fake))
            # a broken edit: reported with its line, the last good rules keep matching
            rules_file.write_text(rules(feed, "kwzero", "kwone", "(unbalanced"))
            assert wait_for(lambda: "rules_reload_failed" in log.read_text())
            failure = next(line for line in log.read_text().splitlines() if "rules_reload_failed" in line)
            assert "line 20" in failure and "keeping the last good rules" in failure
            assert wait_for(
                lambda: any(
                    "line 20" in json.dumps(m.blocks)
                    for m in fake.messages
                    if m.channel_name.lstrip("#") == "ethics-ops"
                )
            )
            items.append(Item("Walrus kwone story", "", guid="c", published=minutes_ago(1)))
            feeds.set_feed("/f.xml", rss(items))
            assert wait_for(lambda: "Walrus kwone story" in headlines(fake))
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
        assert code == 0
        assert sorted(headlines(fake)) == ["Walrus kwone story", "Yak kwone story", "Zebra kwzero story"]


def test_the_token_and_webhook_never_appear_in_logs_state_or_output(tmp_path: Path) -> None:
    token = "xoxb-1111-2222-SECRETTOKENVALUE"
    items = [Item("Police buy facial recognition kwzero", "", guid="a", published=minutes_ago(1))]
    outputs: list[str] = []
    with FeedServer() as feeds, FakeSlack(token=token) as fake:
        feeds.set_feed("/f.xml", rss(items))
        feeds.set_status("/broken.xml", 500)
        rules_file = tmp_path / "rules.yaml"
        rules_file.write_text(
            rules(feeds.url("/f.xml"), "kwzero").replace(
                "rules:", f"  - url: {feeds.url('/broken.xml')}\n    name: Broken\nrules:"
            )
        )
        webhook = fake.webhook_url("removed")  # a webhook that fails: its URL must not leak in the error
        secret_part = webhook.rsplit("/", 1)[-1]
        runs = [
            {"SLACK_BOT_TOKEN": token, "SLACK_API_URL": fake.api_url},
            {"SLACK_BOT_TOKEN": token + "-revoked", "SLACK_API_URL": fake.api_url},
            {"SLACK_WEBHOOK_URL": webhook},
        ]
        for i, env in enumerate(runs):
            state = str(tmp_path / f"state{i}")
            for args in (
                ("once", "--drain", "2", "--log-level", "debug"),
                ("once", "--log-format", "json"),
                ("feeds",),
                ("feeds", "--json"),
                ("status",),
                ("status", "--json"),
                ("check",),
                ("health",),
            ):
                ran = run_cli(*args, "--rules", str(rules_file), "--state", state, env=env)
                outputs += [ran.stdout, ran.stderr]
        assert len(fake.messages) >= 1  # the first run really posted
        assert any("revoked" in o for o in outputs)  # the failures really happened and were reported
        everything = "\n".join(outputs)
        for folder in tmp_path.glob("state*"):
            for f in folder.iterdir():
                everything += f.read_bytes().decode("utf-8", "replace")
        assert token not in everything
        assert "SECRETTOKENVALUE" not in everything
        assert secret_part not in everything


HOSTILE_BOUND_SECONDS = 45  # one `once` over every hostile route (fetch_timeout is 5 s)
HOSTILE_BOUND_RSS_MB = 250  # peak RSS of that process (measured ~, see BENCHMARKS.md)


def run_cli_measured(*args: str, env: dict[str, str]) -> tuple[Ran, float]:
    """``run_cli``, plus the peak RSS in MB of that one process (and the children it waited
    for), from wait4: not ``RUSAGE_CHILDREN`` of the test process, which keeps the largest of
    every earlier test's subprocess (one that loaded the semantic model, say)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "bot", *args], stdout=out, stderr=err, env=clean_env(env),
                                cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        ran = Ran(proc.returncode, out.read().decode(), err.read().decode())
    return ran, usage.ru_maxrss / 1024


def test_one_poll_over_hostile_servers_is_bounded_and_the_good_feed_still_alerts(tmp_path: Path) -> None:
    good = Item("Police buy facial recognition kwzero", "", guid="good", published=minutes_ago(1))
    with FeedServer() as feeds, FakeSlack() as fake:
        feeds.set_feed("/good.xml", rss([good]))
        routes = feeds.add_hostile_routes()
        urls = {name: feeds.url(path) for name, path in routes.items()}
        feed_lines = "".join(f"  - url: {u}\n    name: {name}\n" for name, u in urls.items())
        text = (
            rules(feeds.url("/good.xml"), "kwzero")
            .replace("rules:", feed_lines + "rules:")
            .replace("settings:\n", "settings:\n  fetch_timeout: 5s\n  max_body_bytes: 2MB\n")
        )
        (tmp_path / "rules.yaml").write_text(text)
        env = {"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url}
        started = time.monotonic()
        ran, peak_mb = run_cli_measured(
            "once", "--rules", str(tmp_path / "rules.yaml"), "--state", str(tmp_path / "state"), "--drain", "5",
            env=env,
        )
        elapsed = time.monotonic() - started
        assert ran.code == 0, ran.stderr
        print(f"hostile once: {elapsed:.1f}s, peak RSS {peak_mb:.0f} MB")
        assert elapsed < HOSTILE_BOUND_SECONDS
        assert peak_mb < HOSTILE_BOUND_RSS_MB
        assert headlines(fake) == ["Police buy facial recognition kwzero"]
        report = json.loads(run_cli("feeds", "--json", "--state", str(tmp_path / "state")).stdout)
        by_name = {f["name"]: f for f in report}
        assert by_name["Local"]["error_count"] == 0
        kinds = {name: by_name[name]["error_kind"] for name in urls}
        expected = {
            "drip": "timeout",
            "hang_after_headers": "timeout",
            "endless_body": "too_large",
            "gzip_bomb": "too_large",
            "redirect_loop": "redirect",
            "redirect_metadata": "blocked_address",
            "http_500": "http_status",
            "html_page": "parse",
            "empty_body": "parse",
        }
        for name, kind in expected.items():
            assert kinds[name] == kind, (name, by_name[name])
            assert by_name[name]["last_error"], name
        # the entity bomb is either refused or recovered without expansion, never a crash
        assert kinds["entity_bomb"] in (None, "parse")
        assert "feed_check_crashed" not in ran.stderr
