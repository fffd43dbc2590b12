"""Edits reach a running daemon however the editor saves them: rewritten in place (nano) or a new
file renamed over the old one (vim, `sed -i`, `git pull`: a new inode). A broken replacement,
renamed in the same way, keeps the last good rules running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, Item, clean_env, minutes_ago, rss
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer
from tests.test_e2e_resilience import headlines, rules, wait_for


def replace_by_rename(path: Path, text: str) -> None:
    """What vim and `sed -i` do: write a new file beside the old one, rename it over."""
    before = path.stat().st_ino
    new = path.with_name(f".{path.name}.swp")
    new.write_text(text)
    os.replace(new, path)
    assert path.stat().st_ino != before


def reloads(log: Path, event: str) -> int:
    return log.read_text().count(f'"{event}"') + log.read_text().count(f" {event} ")


def test_a_rules_file_replaced_by_rename_or_rewritten_in_place_is_reloaded_within_seconds(tmp_path: Path) -> None:
    items = [Item("Zebra kwzero story", "", guid="a", published=minutes_ago(1))]
    folder = tmp_path / "config"
    folder.mkdir()
    rules_file = folder / "rules.yaml"
    log = tmp_path / "daemon.log"
    with FeedServer() as feeds, FakeSlack() as fake:
        feed = feeds.url("/f.xml")
        feeds.set_feed("/f.xml", rss(items))
        rules_file.write_text(rules(feed, "kwzero"))
        env = clean_env({"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url})
        with open(log, "w") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--rules", str(rules_file), "--state", str(tmp_path / "state"),
                 "--poll-tick", "0.5", "--log-format", "json"],
                env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        try:
            assert wait_for(lambda: "Zebra kwzero story" in headlines(fake))
            # 1. a new file renamed over the old one
            started = time.monotonic()
            replace_by_rename(rules_file, rules(feed, "kwzero", "kwone"))
            assert wait_for(lambda: reloads(log, "rules_reloaded") == 1, timeout=10)
            assert time.monotonic() - started < 10
            items.append(Item("Yak kwone story", "", guid="b", published=minutes_ago(1)))
            feeds.set_feed("/f.xml", rss(items))
            assert wait_for(lambda: "Yak kwone story" in headlines(fake))
            # 2. rewritten in place (same inode)
            inode = rules_file.stat().st_ino
            with open(rules_file, "r+") as f:
                f.seek(0)
                f.write(rules(feed, "kwzero", "kwone", "kwtwo"))
                f.truncate()
            assert rules_file.stat().st_ino == inode
            assert wait_for(lambda: reloads(log, "rules_reloaded") == 2, timeout=10)
            # 3. a broken replacement, renamed over: rejected, the last good rules keep running
            replace_by_rename(rules_file, rules(feed, "kwzero", "kwone", "kwtwo", "(unbalanced"))
            assert wait_for(lambda: reloads(log, "rules_reload_failed") == 1, timeout=10)
            items += [
                Item("Walrus kwtwo story", "", guid="c", published=minutes_ago(1)),
                Item("Heron kwone story", "", guid="d", published=minutes_ago(1)),
            ]
            feeds.set_feed("/f.xml", rss(items))
            assert wait_for(lambda: {"Walrus kwtwo story", "Heron kwone story"} <= set(headlines(fake)))
            assert reloads(log, "rules_reloaded") == 2
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
        assert code == 0
