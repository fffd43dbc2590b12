"""The shipped rules.yaml uses the semantic layer wherever its extra and model are installed, and
runs on the rules alone, saying so once at start, where they are not (``when_missing: rules``).

"Not installed" is made real in a subprocess: ``sys.modules[name] = None`` for numpy, tokenizers
and safetensors makes ``import numpy`` raise ImportError and ``importlib.util.find_spec`` answer
None, exactly as on a machine where ``pip install ethics-feed-bot`` left the extra out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SEED_SUMMARY, SEED_TITLE, Item, Ran, clean_env, minutes_ago, rss, run_cli
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer

WITHOUT_EXTRA = """\
import sys
sys.modules.update(dict.fromkeys(("numpy", "tokenizers", "safetensors")))  # as if never installed
from bot.cli.main import main
code = main(sys.argv[1:])
loaded = [m for m in ("bot.semantic.model", "bot.semantic.encoder") if m in sys.modules]
print("semantic modules loaded:", loaded or "none", file=sys.stderr)
sys.exit(code)
"""
SEED = Item(SEED_TITLE, SEED_SUMMARY, link="https://example.org/seed", guid="seed-1", published=minutes_ago(1))


def without_extra(*args: str, env: dict[str, str] | None = None) -> Ran:
    proc = subprocess.run([sys.executable, "-c", WITHOUT_EXTRA, *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env=clean_env(env))
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def shipped_rules_reading(path: Path, feed_url: str) -> Path:
    """The shipped rules.yaml, byte for byte, except that its feeds are one local feed (which
    needs private addresses allowed)."""
    text = (REPO / "rules.yaml").read_text(encoding="utf-8")
    text = text.replace("\nsettings:\n", "\nsettings:\n  allow_private_addresses: true\n", 1)
    start, end = text.index("\nfeeds:\n"), text.index("\nrules:\n")
    path.write_text(f"{text[:start]}\nfeeds:\n  - url: {feed_url}\n    name: Local\n{text[end:]}", encoding="utf-8")
    return path


def test_check_reports_the_layer_on_with_the_shipped_rules_where_the_extra_is_installed() -> None:
    ran = run_cli("check", "--rules", "rules.yaml")
    assert ran.code == 0, ran.stderr
    (line,) = [x for x in ran.stdout.splitlines() if x.startswith("semantic layer:")]
    assert line.startswith("semantic layer: on (")
    assert "worker-activism at 0.95" in line and "veto below: off" in line


def test_without_the_extra_check_says_off_why_and_how_to_install() -> None:
    ran = without_extra("check", "--rules", "rules.yaml")
    assert ran.code == 0, ran.stderr
    (line,) = [x for x in ran.stdout.splitlines() if x.startswith("semantic layer:")]
    assert line.startswith("semantic layer: off: the [semantic] extra is not installed (numpy, tokenizers")
    assert "rules alone decide" in line and "pip install 'ethics-feed-bot[semantic]'" in line
    assert "semantic modules loaded: none" in ran.stderr


def test_without_the_extra_the_shipped_rules_run_once_on_rules_alone_and_say_so_once(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/f.xml", rss([SEED]))
        rules = shipped_rules_reading(workdir / "rules.yaml", feeds.url("/f.xml"))
        ran = without_extra("once", "--rules", str(rules), "--state", str(workdir / "state"), "--drain", "5",
                            env={"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url})
        assert ran.code == 0, ran.stderr
        assert ran.stderr.count("semantic_off") == 1, ran.stderr
        assert "rules alone decide" in ran.stderr and "pip install" in ran.stderr
        assert "semantic modules loaded: none" in ran.stderr
        assert not [line for line in ran.stderr.splitlines() if line.split()[1:2] == ["error"]], ran.stderr
        (post,) = slack.messages  # the rules alone still alert on the seed story
        assert SEED_TITLE in str(post.blocks)


def test_with_the_extra_the_same_rules_run_once_with_the_layer_and_no_notice(workdir: Path) -> None:
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_feed("/f.xml", rss([SEED]))
        rules = shipped_rules_reading(workdir / "rules.yaml", feeds.url("/f.xml"))
        ran = run_cli("once", "--rules", str(rules), "--state", str(workdir / "state"), "--drain", "5",
                      env={"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url})
        assert ran.code == 0, ran.stderr
        assert "semantic_off" not in ran.stderr and "semantic_failed" not in ran.stderr
        (post,) = slack.messages
        assert "semantic score" in str(post.blocks)  # the layer scored the story that alerted


def test_when_missing_error_refuses_to_start_without_the_extra(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    text = (REPO / "rules.yaml").read_text(encoding="utf-8")
    rules.write_text(text.replace("when_missing: rules ", "when_missing: error"), encoding="utf-8")
    ran = without_extra("check", "--rules", str(rules))
    assert ran.code == 2
    assert "semantic: the semantic layer needs numpy, tokenizers, safetensors" in ran.stderr


def test_when_missing_takes_rules_or_error_only(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    text = (REPO / "rules.yaml").read_text(encoding="utf-8")
    rules.write_text(text.replace("when_missing: rules ", "when_missing: maybe"), encoding="utf-8")
    ran = run_cli("check", "--rules", str(rules))
    assert ran.code == 2
    assert "semantic.when_missing: must be rules" in ran.stderr


def test_without_the_extra_eval_cv_says_the_layer_is_off_and_why() -> None:
    ran = without_extra("eval", "data/training/stories.jsonl", "--cv", "5", "--rules", "rules.yaml")
    assert ran.code != 0
    assert "--cv needs the semantic layer, which is off: the [semantic] extra is not installed" in ran.stderr
