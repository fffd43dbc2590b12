"""Poll intervals, failure backoff, delivery retries and channel pacing (pure arithmetic)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flow.delivery import Pacer
from bot.flow.timing import delivery_backoff, failure_backoff, next_interval, server_hint

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "ttl", "expected"),
    [
        ({}, None, None),
        ({"cache-control": "public, max-age=1800"}, None, 1800),
        ({"cache-control": "no-cache, max-age=1800"}, None, None),
        ({"expires": format_datetime(NOW + timedelta(hours=1), usegmt=True)}, None, 3600),
        ({"expires": "garbage"}, None, None),
        ({"expires": format_datetime(NOW - timedelta(hours=1), usegmt=True)}, None, None),
        ({"cache-control": "max-age=60"}, 3600, 3600),  # RSS <ttl> of an hour wins over a short max-age
    ],
)
def test_server_hints(headers: dict[str, str], ttl: int | None, expected: float | None) -> None:
    assert server_hint(headers, NOW, ttl) == expected


def interval(base: float = 900, *, quiet_for: float | None = None, hint: float | None = None) -> float:
    last = None if quiet_for is None else NOW.timestamp() - quiet_for
    return next_interval(base, now=NOW, last_new_story_at=last, hint=hint, min_interval=120, max_interval=6 * 3600)


def test_adaptive_polling_rule() -> None:
    assert interval() == 900
    assert interval(quiet_for=3600) == 900  # published within the day: as configured
    assert interval(quiet_for=2 * 86400) == 1800  # quiet for more than a day: half as often
    assert interval(quiet_for=30 * 86400) == 3600  # quiet for more than a week: a quarter
    assert interval(hint=7200) == 7200  # the server asks for less: honoured
    assert interval(hint=10) == 900  # hints never make us poll more often
    assert interval(30) == 120  # clamped to min_interval
    assert interval(hint=10 * 86400) == 6 * 3600  # and to max_interval


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=60, max_value=86400))
def test_a_failing_feed_backs_off_but_is_never_given_up(errors: int, base: float) -> None:
    delay = failure_backoff(base, errors, retry_after=None, max_interval=6 * 3600, rng=random.Random(errors))
    assert 0 < delay <= 6 * 3600
    if errors > 1:
        assert delay >= min(base * 0.8, 6 * 3600)


def test_failure_backoff_grows_and_honours_retry_after() -> None:
    rng = random.Random(0)
    delays = [failure_backoff(600, n, retry_after=None, max_interval=86400, rng=rng) for n in range(1, 6)]
    assert delays == sorted(delays)
    assert delays[-1] > 8 * 600
    assert failure_backoff(600, 1, retry_after=7200, max_interval=3600, rng=rng) == 7200


def test_delivery_backoff_honours_retry_after_and_the_cap() -> None:
    rng = random.Random(0)
    assert delivery_backoff(1, base=5, cap=900, retry_after=30, rng=rng) == 30
    assert all(delivery_backoff(n, base=5, cap=900, retry_after=None, rng=rng) <= 900 for n in range(1, 40))


def test_pacer_allows_a_small_burst_then_one_per_second() -> None:
    pacer = Pacer(rate=1.0, burst=2)
    t = 1000.0
    for _ in range(2):
        assert pacer.wait("#a", t) == 0
        pacer.take("#a", t)
    assert pacer.wait("#a", t) == pytest.approx(1.0)
    assert pacer.wait("#b", t) == 0  # channels are independent
    assert pacer.wait("#a", t + 1.0) == 0
    pacer.block("#a", t + 30)
    assert pacer.wait("#a", t + 1.0) == pytest.approx(29.0)


def test_only_stories_that_can_still_alert_are_scored_by_the_semantic_layer() -> None:
    # On a feed's first poll, a story older than lookback, or undated, is only recorded as seen:
    # the semantic layer (the costly part of a first poll) must not score it. Later polls score all.
    from datetime import UTC, datetime, timedelta

    from bot.core.models import Story
    from bot.flow.pipeline import may_alert

    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    since = now - timedelta(hours=24)

    def story(key: str, published: datetime | None) -> Story:
        return Story(key=key, feed_url="f", source="S", title=key, summary="", published=published)

    stories = [story("fresh", now - timedelta(hours=1)), story("old", now - timedelta(days=30)), story("undated", None)]
    assert [s.key for s in may_alert(stories, since, first_poll=True)] == ["fresh"]
    assert [s.key for s in may_alert(stories, since, first_poll=False)] == ["fresh", "old", "undated"]
