"""`ethics-bot test` explains the seed story with the shipped rules, and its alert shows the
terms that fired in bold."""

from __future__ import annotations

import json
from pathlib import Path

from bot.config.load import load_config
from bot.core.models import Alert, Story
from bot.notify.slack import build_message
from bot.rules.match import compile_config, match_story
from tests.conftest import REPO, run_cli, shared_path


def seed_story() -> Story:
    seed = next(shared_path("seed").glob("*.txt"))
    lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]
    title = next(line for line in lines if line.startswith("Now Amazon employees rebel"))
    start = lines.index(title)
    summary = " ".join(lines[start + 1 : start + 7])
    return Story(key="seed", feed_url="https://www.zdnet.com/news/rss.xml", source="ZDNet", title=title,
                 summary=summary, link="https://www.zdnet.com/article/now-amazon-employees-rebel/")


def test_ethics_bot_test_names_the_rules_and_terms_for_the_seed(tmp_path: Path) -> None:
    story = seed_story()
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"title": story.title, "summary": story.summary}))
    ran = run_cli("test", "--file", str(path), "--rules", str(REPO / "rules.yaml"))
    assert ran.code == 0, ran.stderr
    out = ran.stdout
    matched = [line.split()[1] for line in out.splitlines() if line.strip().startswith("MATCH")]
    assert matched, out
    for category in ("facial-recognition", "immigration-enforcement", "worker-activism"):
        assert f"[{category}]" in out
    assert "Rekognition" in out and "“ICE”" in out
    assert "→ match" in out and "→ no match" in out  # clauses that decided it, both ways


def test_the_seed_alert_shows_the_fired_terms_in_bold() -> None:
    config = load_config(REPO / "rules.yaml")
    ruleset = compile_config(config)
    story = seed_story()
    matches = tuple(match_story(ruleset, story))
    assert {m.category for m in matches} >= {"facial-recognition", "immigration-enforcement", "worker-activism"}
    message = build_message(Alert(id=1, story=story, channel="#ethics-alerts", matches=matches))
    blob = json.dumps(message.blocks)
    assert "*Rekognition*" in blob
    assert "*employees*" in blob
    for m in matches:
        assert m.rule_id in blob
