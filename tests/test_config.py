"""rules.yaml validation: every problem at once, each with its path and line."""

from __future__ import annotations

import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config.load import parse_config
from bot.config.values import parse_duration, parse_size
from bot.core.errors import ConfigError
from bot.core.settings import Settings
from tests.conftest import run_cli

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


# Every number rules.yaml sets (a rate, size, count, interval or fraction) with zero and with a
# negative value: the problem a user sees, on the setting's own line. Zero used to pass for
# channel_rate and then crash the delivery job every second (ZeroDivisionError).
_DURATION = "must be greater than 0 (write a duration like 30s, 15m, 2h or 1d)"
_SIZE = "must be greater than 0 (write a size like 512KB or 10MB)"
_FRACTION = "must be between 0 and 1 (more than 0, at most 1)"
_POSITIVE = "must be greater than 0"
NOT_POSITIVE = [
    ("poll_interval", "0s", "-15m", _DURATION),
    ("lookback", "0h", "-24h", _DURATION),
    ("min_interval", "0m", "-2m", _DURATION),
    ("max_interval", "0h", "-6h", _DURATION),
    ("retention", "0d", "-30d", _DURATION),
    ("max_body_bytes", "0MB", "-10MB", _SIZE),
    ("fetch_timeout", "0s", "-60s", _DURATION),
    ("concurrency", "0", "-50", _POSITIVE),
    ("per_host", "0", "-4", _POSITIVE),
    ("dedup_window", "0h", "-48h", _DURATION),
    ("title_similarity", "0", "-0.6", _FRACTION),
    ("retry_base", "0s", "-5s", _DURATION),
    ("retry_max", "0m", "-15m", _DURATION),
    ("channel_rate", "0", "-1", _POSITIVE),
    ("channel_burst", "0", "-2", _POSITIVE),
    ("metrics_port", "0", "-9464", _POSITIVE),
    ("feed_alert_after", "0", "-3", _POSITIVE),
    ("flood_share", "0%", "-5%", "must be more than 0% and at most 100%"),
    ("lease_expiry", "0s", "-2m", _DURATION),
]
ZERO_MEANS_OFF = {"digest_over"}  # 0 (or off) turns the flood digest off; a negative is still refused


def with_setting(key: str, value: str) -> tuple[str, int]:
    """GOOD with ``settings.key`` set to value, and the line it is on."""
    lines = GOOD.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"  {key}:"):
            lines[number - 1] = f"  {key}: {value}\n"
            return "".join(lines), number
    return GOOD.replace("settings:\n", f"settings:\n  {key}: {value}\n"), 3


def test_the_table_covers_every_numeric_setting() -> None:
    numeric = {f.name for f in fields(Settings) if f.type in ("float", "int", "int | None", "float | None")}
    assert numeric == {key for key, *_ in NOT_POSITIVE} | ZERO_MEANS_OFF


def test_digest_over_takes_off_or_zero_and_refuses_a_negative() -> None:
    for value in ("off", "0"):
        assert parse_config(with_setting("digest_over", value)[0]).settings.digest_over == 0
    text, line = with_setting("digest_over", "-5")
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    [problem] = info.value.problems
    assert (problem.path, problem.line) == ("settings.digest_over", line)
    assert "greater than 0" in problem.message


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [(key, value, message) for key, zero, negative, message in NOT_POSITIVE for value in (zero, negative)],
)
def test_zero_or_negative_numbers_are_refused_on_their_line(key: str, value: str, message: str) -> None:
    text, line = with_setting(key, value)
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    (problem,) = info.value.problems
    assert (problem.path, problem.line, problem.message) == (f"settings.{key}", line, message)
    assert f"rules.yaml:line {line}: settings.{key}: {message}" in str(info.value)


@pytest.mark.parametrize("value", ["0s", "-5m"])
def test_a_feed_interval_of_zero_or_less_is_refused_on_its_line(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(GOOD.replace("interval: 5m", f"interval: {value}"))
    (problem,) = info.value.problems
    assert (problem.path, problem.line, problem.message) == ("feeds[0].interval", 12, _DURATION)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("channel_rate", "fast", "'fast' is not a number"),
        ("channel_rate", ".nan", "'.nan' is not a number"),
        ("title_similarity", "most", "'most' is not a number"),
        ("poll_interval", "-soon", "'-soon' is not a duration: write a number and a unit, like 30s, 15m, 2h or 1d"),
    ],
)
def test_a_number_that_is_not_one_says_so(key: str, value: str, message: str) -> None:
    text, line = with_setting(key, value)
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    (problem,) = info.value.problems
    assert (problem.path, problem.line, problem.message) == (f"settings.{key}", line, message)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [("channel_rate", "0.5", 0.5), ("max_body_bytes", "1KB", 1024), ("retry_base", "1s", 1.0), ("per_host", "1", 1)],
)
def test_small_positive_numbers_are_accepted(key: str, value: str, expected: float) -> None:
    config = parse_config(with_setting(key, value)[0])
    assert getattr(config.settings, key) == expected


def test_check_refuses_a_channel_rate_of_zero_with_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(GOOD.replace("default_channel:", "channel_rate: 0\n  default_channel:"))
    ran = run_cli("check", "--rules", str(rules))
    assert ran.code == 2, (ran.stdout, ran.stderr)
    assert f"{rules}:line 5: settings.channel_rate: must be greater than 0" in ran.stderr
    assert "is valid" not in ran.stdout
def test_match_lede_defaults_to_false_and_can_be_switched_on() -> None:
    assert parse_config(GOOD).settings.match_lede is False
    on = parse_config(GOOD.replace("settings:\n", "settings:\n  match_lede: true\n"))
    assert on.settings.match_lede is True
