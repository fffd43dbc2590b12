"""The flood guard, through real sockets: a daemon polling a local feed and posting to the fake
Slack refuses a reload whose edit would alert on most stored stories, keeps the last good rules,
tells the ops channel once, and applies the edit once the operator sets flood_allow; and
`ethics-bot check` warns (exit 0) on the same replay when a state is at hand."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, Item, clean_env, minutes_ago, rss, run_cli
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer
from tests.test_e2e_resilience import headlines, wait_for


def rules(feed: str, *queries: str, allow: bool = False) -> str:
    body = "".join(f"  - id: rule-{i}\n    category: cat-{i}\n    query: '{q}'\n" for i, q in enumerate(queries))
    return (
        "version: 1\nsettings:\n  poll_interval: 1s\n  min_interval: 1s\n  allow_private_addresses: true\n"
        f'  ops_channel: "#ethics-ops"\n  retry_base: 0.2s\n  flood_allow: {"true" if allow else "false"}\n'
        f"feeds:\n  - url: {feed}\n    name: Local\nrules:\n{body}"
    )


def ops_messages(fake: FakeSlack) -> list[str]:
    return [json.dumps(m.blocks) for m in fake.messages if m.channel_name.lstrip("#") == "ethics-ops"]


def alerted_titles(state: Path) -> set[str]:
    db = sqlite3.connect(state / "bot.sqlite3")
    try:
        rows = db.execute("SELECT s.title FROM alerts a JOIN stories s ON s.id = a.story_id").fetchall()
    finally:
        db.close()
    return {r[0] for r in rows}


COMMON = [
    Item(f"Council meeting {n} on the common budget", "", guid=f"c{n}", published=minutes_ago(2)) for n in range(20)
]


def test_the_daemon_keeps_the_last_good_rules_when_an_edit_would_flood_and_tells_ops_once(tmp_path: Path) -> None:
    items = [*COMMON, Item("Zebra kwzero story", "", guid="z", published=minutes_ago(1))]
    rules_file = tmp_path / "rules.yaml"
    state = tmp_path / "state"
    log = tmp_path / "daemon.log"
    with FeedServer() as feeds, FakeSlack() as fake:
        feed = feeds.url("/f.xml")
        feeds.set_feed("/f.xml", rss(items))
        rules_file.write_text(rules(feed, "kwzero"))
        env = clean_env({"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url})
        with open(log, "w") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--rules", str(rules_file), "--state", str(state),
                 "--poll-tick", "0.5"],
                env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        try:
            assert wait_for(lambda: "Zebra kwzero story" in headlines(fake))
            # the edit: a rule on a word 20 of the 21 stored stories have
            rules_file.write_text(rules(feed, "kwzero", "common"))
            assert wait_for(lambda: "rules_reload_refused" in log.read_text())
            assert wait_for(lambda: len(ops_messages(fake)) == 1)
            (message,) = ops_messages(fake)
            assert "20 of the 21 stories" in message and "rule-1 (20)" in message
            assert "flood_allow: true" in message and "5%" in message
            # the last good rules keep running: a kwzero story alerts, a "common" one does not
            items += [
                Item("Walrus common story", "", guid="w", published=minutes_ago(1)),
                Item("Yak kwzero story", "", guid="y", published=minutes_ago(1)),
            ]
            feeds.set_feed("/f.xml", rss(items))
            assert wait_for(lambda: "Yak kwzero story" in headlines(fake))
            assert "Walrus common story" not in alerted_titles(state)
            time.sleep(5)  # two more reload ticks: the refused file is not reported again
            assert len(ops_messages(fake)) == 1
            assert "rules_reloaded" not in log.read_text()
            # the operator says yes: the edit applies
            rules_file.write_text(rules(feed, "kwzero", "common", allow=True))
            assert wait_for(lambda: "rules_reloaded" in log.read_text())
            items.append(Item("Heron common story", "", guid="h", published=minutes_ago(1)))
            feeds.set_feed("/f.xml", rss(items))
            assert wait_for(lambda: "Heron common story" in headlines(fake))
            assert len(ops_messages(fake)) == 1
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
        assert code == 0

        # check warns on the same replay with the state at hand, and exits 0
        rules_file.write_text(rules(feed, "kwzero", "common"))
        checked = run_cli("check", "--rules", str(rules_file), "--state", str(state))
        assert checked.code == 0, checked.stderr
        assert "warning: these rules would alert on 24 of the 24 stories" in checked.stdout
        assert "rule-1 (22), rule-0 (2)" in checked.stdout  # 20 council stories, Walrus, Heron; Zebra, Yak
        rules_file.write_text(rules(feed, "kwzero"))
        quiet = run_cli("check", "--rules", str(rules_file), "--state", str(state))
        assert quiet.code == 0 and "warning" not in quiet.stdout
        rules_file.write_text(rules(feed, "kwzero", "common", allow=True))
        allowed = run_cli("check", "--rules", str(rules_file), "--state", str(state))
        assert allowed.code == 0 and "warning" not in allowed.stdout
