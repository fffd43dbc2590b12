"""Delivery modes: the `channels:` section of rules.yaml (every problem with its line) and the
pure decisions of when an alert goes (digest times, quiet hours, daylight saving, critical)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, time

import pytest

from bot.config.load import parse_config
from bot.core.delivery import ChannelDelivery, QuietHours
from bot.core.errors import ConfigError
from bot.flow.modes import in_quiet_hours, is_flood, next_digest, release_at

BASE = textwrap.dedent(
    """\
    version: 1
    settings:
      default_channel: "#ethics-alerts"
    rules:
      - id: r
        category: c
        query: x
    """
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_channels_section_loads_with_defaults_filled_in() -> None:
    config = parse_config(BASE + textwrap.dedent(
        """\
        channels:
          "#ethics-alerts":
            mode: digest
            digest: daily
            at: "08:30"
            timezone: Europe/Berlin
            quiet_hours: "22:00-07:00"
          "#ethics-critical": {mode: immediate, always_immediate: []}
          C0123ABCD: {mode: digest, digest: hourly, at: ":15"}
        """))
    daily = config.channels["#ethics-alerts"]
    assert (daily.mode, daily.digest, daily.at, daily.timezone) == ("digest", "daily", time(8, 30), "Europe/Berlin")
    assert daily.quiet_hours == QuietHours(time(22, 0), time(7, 0))
    assert daily.always_immediate == ("critical",)
    assert config.channels["#ethics-critical"].always_immediate == ()
    assert config.channels["C0123ABCD"].at == time(0, 15)
    assert config.settings.digest_over == 10 and config.settings.feed_alert_after == 3


def test_every_channels_problem_is_reported_with_its_line() -> None:
    text = BASE + textwrap.dedent(
        """\
        settings2: 1
        channels:
          "#ethics-alerts":
            mode: digests
            digest: weekly
            at: "25:00"
            timezone: Mars/Olympus
            quiet_hours: "22:00"
            always_immediate: [urgent]
            quiet: "x"
          ethics alerts:
            mode: digest
          "#immediate":
            at: "08:00"
        """)
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    by_path = {p.path: p for p in info.value.problems}
    expected = {
        "channels.#ethics-alerts.mode": (11, "immediate, digest"),
        "channels.#ethics-alerts.digest": (12, "hourly, daily"),
        "channels.#ethics-alerts.at": (13, "HH:MM"),
        "channels.#ethics-alerts.timezone": (14, "Europe/Berlin"),
        "channels.#ethics-alerts.quiet_hours": (15, "22:00-07:00"),
        "channels.#ethics-alerts.always_immediate[0]": (16, "critical"),
        "channels.#ethics-alerts.quiet": (17, "quiet_hours"),
        "channels.ethics alerts": (18, "not a Slack channel"),
        "channels.#immediate.at": (21, "mode: digest"),
    }
    for path, (line, words) in expected.items():
        assert path in by_path, (path, sorted(by_path))
        assert by_path[path].line == line, path
        assert words in by_path[path].message, (path, by_path[path].message)


@pytest.mark.parametrize("value, expected", [("25", 25), ("off", 0), ("0", 0)])
def test_digest_over_takes_a_count_or_off(value: str, expected: int) -> None:
    config = parse_config(BASE.replace("settings:\n", f"settings:\n  digest_over: {value}\n"))
    assert config.settings.digest_over == expected


DAILY = ChannelDelivery(mode="digest", digest="daily", at=time(8, 0), timezone="Europe/Berlin")


@pytest.mark.parametrize(
    "now, expected",
    [
        ("2026-03-10 06:59", "2026-03-10 07:00"),  # 07:59 in Berlin (CET): today at 08:00 CET
        ("2026-03-10 07:00", "2026-03-11 07:00"),  # exactly at the hour: that digest has gone
        ("2026-03-28 12:00", "2026-03-29 06:00"),  # the night clocks go forward: 08:00 CEST
        ("2026-10-24 12:00", "2026-10-25 07:00"),  # the night clocks go back: 08:00 CET
    ],
)
def test_a_daily_digest_goes_at_its_local_hour_across_daylight_saving(now: str, expected: str) -> None:
    assert next_digest(DAILY, utc(now)) == utc(expected)


def test_an_hourly_digest_goes_at_its_minute() -> None:
    hourly = ChannelDelivery(mode="digest", digest="hourly", at=time(0, 15))
    assert next_digest(hourly, utc("2026-03-10 06:14")) == utc("2026-03-10 06:15")
    assert next_digest(hourly, utc("2026-03-10 06:15")) == utc("2026-03-10 07:15")


NIGHT = ChannelDelivery(timezone="Europe/Berlin", quiet_hours=QuietHours(time(22, 0), time(7, 0)))


@pytest.mark.parametrize(
    "now, quiet",
    [("2026-03-10 20:59", False), ("2026-03-10 21:00", True), ("2026-03-11 05:59", True), ("2026-03-11 06:00", False)],
)
def test_quiet_hours_wrap_midnight_in_local_time(now: str, quiet: bool) -> None:
    assert NIGHT.quiet_hours is not None
    assert in_quiet_hours(NIGHT.quiet_hours, utc(now), NIGHT.timezone) is quiet


def test_during_quiet_hours_an_alert_waits_for_their_end_but_a_critical_one_goes_at_once() -> None:
    night = utc("2026-03-10 23:30")  # 00:30 in Berlin
    held = release_at(NIGHT, ("medium",), night)
    assert held is not None and held.at == utc("2026-03-11 06:00") and not held.digest
    assert release_at(NIGHT, ("medium", "critical"), night) is None
    assert release_at(NIGHT, ("high",), utc("2026-03-10 12:00")) is None
    nothing_skips = ChannelDelivery(quiet_hours=NIGHT.quiet_hours, timezone="Europe/Berlin", always_immediate=())
    assert release_at(nothing_skips, ("critical",), night) is not None


def test_a_digest_that_would_fall_in_quiet_hours_waits_for_their_end() -> None:
    hourly = ChannelDelivery(mode="digest", digest="hourly", timezone="Europe/Berlin",
                             quiet_hours=QuietHours(time(22, 0), time(7, 0)))
    held = release_at(hourly, ("low",), utc("2026-03-10 21:10"))  # 22:10 local
    assert held is not None and held.digest and held.at == utc("2026-03-11 06:00")
    daytime = release_at(hourly, ("low",), utc("2026-03-10 10:10"))
    assert daytime is not None and daytime.at == utc("2026-03-10 11:00")
    assert release_at(DAILY, ("critical",), utc("2026-03-10 10:10")) is None


@pytest.mark.parametrize("count, over, flood", [(10, 10, False), (11, 10, True), (500, 0, False), (2, 1, True)])
def test_more_than_digest_over_alerts_at_once_is_a_flood(count: int, over: int, flood: bool) -> None:
    assert is_flood(count, over) is flood
