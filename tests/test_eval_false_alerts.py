"""``ethics-bot eval`` reports false alerts per 1,000 ordinary items beside precision and recall:
the items labelled empty that alert, per 1,000 items labelled empty. A table of tiny labelled
sets where the figure is known, and the real command's text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config.load import parse_config
from bot.core.labelled import Labelled
from bot.review.evaluate import evaluate
from bot.rules.match import compile_config
from tests.conftest import run_cli

RULES = """\
version: 1
rules:
  - id: spyware
    category: privacy-spyware
    query: spyware
  - id: union-drive
    category: worker-activism
    query: 'union NEAR/3 drive'
"""

SPY = "Vendor sold spyware to a ministry"
UNION = "Warehouse staff start a union drive"
QUIET = "Quarterly results beat forecasts"

# (stories as (headline, labels), false alerts per 1,000 ordinary items)
TABLE = [
    pytest.param([(QUIET, []), (QUIET, []), (QUIET, []), (QUIET, [])], 0.0, id="nothing alerts"),
    pytest.param([(SPY, []), (QUIET, []), (QUIET, []), (QUIET, [])], 250.0, id="one of four ordinary alerts"),
    pytest.param([(SPY, []), (UNION, []), (QUIET, []), (QUIET, [])], 500.0, id="two of four"),
    # relevant items never count, whether found, missed or found in the wrong category
    pytest.param(
        [
            (SPY, ["privacy-spyware"]),
            (UNION, ["privacy-spyware"]),
            (QUIET, ["worker-activism"]),
            (SPY, []),
            (QUIET, []),
        ],
        500.0,
        id="only items labelled empty count",
    ),
    pytest.param([(SPY, ["privacy-spyware"])], 0.0, id="no ordinary items at all"),
    pytest.param([(SPY, [])] + [(QUIET, [])] * 999, 1.0, id="one in a thousand"),
]


@pytest.mark.parametrize(("stories", "expected"), TABLE)
def test_false_alerts_per_1000_ordinary_items(stories: list[tuple[str, list[str]]], expected: float) -> None:
    config = parse_config(RULES)
    items = [Labelled(f"s{n}", title, "", frozenset(labels)) for n, (title, labels) in enumerate(stories)]
    report = evaluate(config, compile_config(config), items)
    assert report.relevance.false_alerts_per_1000 == pytest.approx(expected)
    assert report.as_dict()["relevance"]["false_alerts_per_1000"] == pytest.approx(expected)


def test_eval_prints_the_figure_in_text_and_json(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    stories = tmp_path / "stories.jsonl"
    rows = [(SPY, []), (QUIET, []), (QUIET, []), (QUIET, []), (UNION, ["worker-activism"])]
    lines = [json.dumps({"id": f"s{n}", "title": t, "summary": "", "labels": lab}) for n, (t, lab) in enumerate(rows)]
    stories.write_text("\n".join(lines) + "\n")
    text = run_cli("eval", str(stories), "--rules", str(rules))
    assert text.code == 0, text.stderr
    assert "false alerts per 1,000 ordinary items 250.0  (1 of the 4 items labelled empty alert)" in text.stdout
    machine = run_cli("eval", str(stories), "--rules", str(rules), "--json")
    assert machine.code == 0, machine.stderr
    relevance = json.loads(machine.stdout)["relevance"]
    assert relevance["false_alerts_per_1000"] == 250.0
    assert (relevance["precision"], relevance["recall"]) == (0.5, 1.0)
