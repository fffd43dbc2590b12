"""The semantic layer's configuration and decisions, without the model: rules.yaml's semantic
section and rule-level key (every problem with its line), require / veto / add with their
explanations, the Slack message showing the score, and a plain install that never imports numpy."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.config.load import parse_config
from bot.core import semantic_files
from bot.core.errors import ConfigError
from bot.core.models import Alert, Neighbour, SemanticScores, Story
from bot.core.settings import Config
from bot.notify.message import build_message
from bot.rules.match import RuleSet, compile_rules, match_story
from bot.semantic.judge import judge, judge_story
from tests.conftest import REPO, write_rules

FR, WA = "facial-recognition", "worker-activism"


def examples_file(tmp_path: Path) -> Path:
    rows = [
        {"id": "a", "title": "Police buy face-matching app", "summary": "", "labels": [FR]},
        {"id": "b", "title": "Staff walk out over contract", "summary": "", "labels": [WA]},
        {"id": "c", "title": "Hockey final goes to overtime", "summary": "", "labels": []},
    ]
    path = tmp_path / "examples.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def rules_text(semantic: str, rule_extra: str = "") -> str:
    return textwrap.dedent(
        """\
        version: 1
        rules:
          - id: face
            category: facial-recognition
            query: '"facial recognition" AND police'
        {rule_extra}
          - id: letter
            category: worker-activism
            query: 'employees NEAR/5 letter'
            channel: "#labour"
        {semantic}
        """
    ).format(semantic=semantic, rule_extra=rule_extra)


def load(text: str, tmp_path: Path) -> Config:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_config(text, str(path))


def test_a_semantic_section_loads_with_paths_relative_to_rules_yaml(tmp_path: Path) -> None:
    examples_file(tmp_path)
    config = load(
        rules_text(
            "semantic:\n  examples: examples.jsonl\n  thresholds: {facial-recognition: 0.7}\n"
            "  alert_on_score: [facial-recognition]\n  veto_below: 0.1\n",
            "    semantic: {min: 0.6}",
        ),
        tmp_path,
    )
    assert config.semantic is not None
    assert config.semantic.examples == (str(tmp_path / "examples.jsonl"),)
    assert config.semantic.threshold(FR) == 0.7 and config.semantic.threshold(WA) == 0.5
    assert config.semantic.alert_on_score == (FR,)
    assert config.semantic.veto_below == 0.1
    assert config.semantic.categories == (FR, WA)
    assert config.rules[0].semantic is not None and config.rules[0].semantic.min == 0.6


def test_every_semantic_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    examples_file(tmp_path)
    text = rules_text(
        "semantic:\n  examples: [examples.jsonl, missing.jsonl]\n  model: no-such-folder\n"
        "  thresholds: {facial-recognition: 1.5, military-ai: 0.5}\n  alert_on_score: [predictive-policing]\n"
        "  veto_below: lots\n  veto: 0.1\n",
        "    semantic: {category: military-ai, min: 2}",
    )
    with pytest.raises(ConfigError) as info:
        load(text, tmp_path)
    found = {(p.path, p.line) for p in info.value.problems}
    messages = str(info.value)
    assert ("rules[0].semantic.min", 6) in found
    assert ("rules[0].semantic", 6) in found and "'military-ai', so it has no score" in messages
    assert ("semantic.examples[1]", 12) in found and "missing.jsonl" in messages
    assert ("semantic.model", 13) in found and "not a model folder" in messages
    assert ("semantic.thresholds.facial-recognition", 14) in found
    assert ("semantic.thresholds.military-ai", 14) in found
    assert ("semantic.alert_on_score[0]", 15) in found
    assert ("semantic.veto_below", 16) in found
    assert ("semantic.veto", 17) in found and "unknown key 'veto'" in messages


def test_rule_level_semantic_needs_the_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"needs a top-level semantic: section"):
        load(rules_text("", "    semantic: {min: 0.6}"), tmp_path)


def test_check_says_clearly_when_the_extra_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples_file(tmp_path)
    monkeypatch.setattr(semantic_files, "missing_extra", lambda: ["numpy", "tokenizers"])
    with pytest.raises(ConfigError) as info:
        load(rules_text("semantic:\n  examples: examples.jsonl\n"), tmp_path)
    assert "needs numpy, tokenizers: install the extra: pip install 'ethics-feed-bot[semantic]'" in str(info.value)


def test_the_default_examples_are_the_projects_training_set(tmp_path: Path) -> None:
    config = load(rules_text("semantic: {}\n"), tmp_path)
    assert config.semantic is not None
    assert config.semantic.examples == (str(REPO / "data" / "training" / "stories.jsonl"),)
    assert len(config.semantic.categories) == 10


def test_the_default_training_set_is_found_in_the_working_folder_when_not_beside_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The image: rules.yaml alone in a folder mounted at /config, the training set in /app (the
    # working folder), the package installed elsewhere. The bot must still find it, not refuse to start.
    work = tmp_path / "app"
    (work / "data" / "training").mkdir(parents=True)
    (work / "data" / "training" / "stories.jsonl").write_text(
        (REPO / "data" / "training" / "stories.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(semantic_files, "__file__", str(tmp_path / "site" / "bot" / "core" / "semantic_files.py"))
    assert semantic_files.default_examples(config_dir) == Path("data/training/stories.jsonl").resolve()
    monkeypatch.chdir(tmp_path)
    assert semantic_files.default_examples(config_dir) is None


def scores(fr: float, wa: float) -> SemanticScores:
    near = Neighbour("Police buy face-matching app", (FR,), 0.71)
    return SemanticScores({FR: fr, WA: wa}, nearest=Neighbour("Hockey final", (), 0.4), nearest_in={FR: near})


STORY = Story(
    key="k",
    feed_url="f",
    source="S",
    title="Employees sign letter against facial recognition for police",
    summary="",
)


def config_with(tmp_path: Path, semantic: str, rule_extra: str = "") -> tuple[Config, RuleSet]:
    examples_file(tmp_path)
    config = load(rules_text(semantic, rule_extra), tmp_path)
    return config, compile_rules(config.rules, config.lists, config.settings.default_channel)


def test_a_low_score_vetoes_a_match_and_the_alert_says_so(tmp_path: Path) -> None:
    config, ruleset = config_with(tmp_path, "semantic:\n  examples: examples.jsonl\n  veto_below: 0.1\n")
    verdict = judge_story(ruleset, config, STORY, {"k": scores(0.92, 0.04)})
    assert [m.rule_id for m in verdict.matches] == ["face"]
    assert [v.match.rule_id for v in verdict.vetoed] == ["letter"]
    assert "worker-activism score 0.04 is below 0.10" in verdict.vetoed[0].reason
    assert "“Hockey final” (similarity 0.40, labelled none)" in verdict.vetoed[0].reason
    note = verdict.matches[0].note
    assert note.startswith("semantic score 0.92 for facial-recognition")
    assert "vetoed rule letter [worker-activism]" in note
    blocks = build_message(Alert(id=1, story=STORY, channel="#a", matches=verdict.matches)).blocks
    why = next(b for b in blocks if b["block_id"] == "rules")["text"]["text"]
    assert "semantic score 0.92" in why and "vetoed rule letter" in why


def test_a_rule_can_require_a_score_and_opt_out_of_the_veto(tmp_path: Path) -> None:
    config, ruleset = config_with(
        tmp_path,
        "semantic:\n  examples: examples.jsonl\n  veto_below: 0.5\n",
        "    semantic: {min: 0.95, veto_below: 0}",
    )
    verdict = judge_story(ruleset, config, STORY, {"k": scores(0.9, 0.6)})
    assert [m.rule_id for m in verdict.matches] == ["letter"]
    assert "needs a facial-recognition score of at least 0.95, got 0.90" in verdict.vetoed[0].reason
    verdict = judge_story(ruleset, config, STORY, {"k": scores(0.96, 0.6)})
    assert [m.rule_id for m in verdict.matches] == ["face", "letter"]
    assert verdict.matches[0].note == "semantic score 0.96 for facial-recognition, needs 0.95"


def test_a_high_score_alone_alerts_only_for_enabled_categories(tmp_path: Path) -> None:
    config, ruleset = config_with(
        tmp_path, "semantic:\n  examples: examples.jsonl\n  alert_on_score: [worker-activism]\n"
    )
    quiet = Story(key="q", feed_url="f", source="S", title="Couriers switch the app off for a night", summary="")
    assert config.semantic is not None
    verdict = judge(ruleset, config.semantic, [], scores(0.99, 0.81), "#default")
    added = [(m.rule_id, m.channel, m.category) for m in verdict.matches]
    assert added == [("semantic:worker-activism", "#labour", WA)]
    assert "semantic score 0.81 for worker-activism (alerts at 0.50)" in verdict.matches[0].note
    low = judge_story(ruleset, config, quiet, {"q": scores(0.99, 0.49)})
    assert low.matches == ()


def test_without_scores_the_rules_decide_alone(tmp_path: Path) -> None:
    config, ruleset = config_with(tmp_path, "semantic:\n  examples: examples.jsonl\n  veto_below: 0.9\n")
    plain = match_story(ruleset, STORY)
    assert judge_story(ruleset, config, STORY, None).matches == tuple(plain)


def test_without_a_semantic_section_numpy_is_never_imported(tmp_path: Path) -> None:
    # the shipped rules.yaml has a semantic: section; these rules (the end-to-end tests') have none
    write_rules(tmp_path / "rules.yaml", [])
    code = textwrap.dedent(
        """\
        import asyncio, sys
        from bot.cli.main import main
        from bot.config.load import load_config
        from bot.rules.match import compile_rules
        from bot.core.models import Story
        from bot.semantic.judge import judge_story, score_stories_async
        assert main(["check", "--rules", sys.argv[1]]) == 0
        config = load_config(sys.argv[1])
        assert config.semantic is None
        ruleset = compile_rules(config.rules, config.lists, config.settings.default_channel)
        story = Story(key="k", feed_url="f", source="s", title="Police buy facial recognition", summary="")
        assert asyncio.run(score_stories_async(config, [story])) is None
        judge_story(ruleset, config, story, None)
        heavy = sorted(m for m in ("numpy", "tokenizers", "safetensors", "bot.semantic.model") if m in sys.modules)
        assert not heavy, heavy
        """
    )
    ran = subprocess.run([sys.executable, "-c", code, str(tmp_path / "rules.yaml")], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
