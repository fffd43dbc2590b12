"""A feed's first poll: stories older than lookback are recorded as seen without being matched,
and a replay over the stored stories still finds what they match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config.load import load_config
from bot.core.models import Story
from bot.flow.pipeline import Context, store_stories
from bot.rules.match import compile_config, match_story
from bot.store.database import Store
from tests.conftest import write_rules

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FEED = "https://news.example/rss"
TITLE = "Police buy facial recognition from a start-up"


def story(key: str, published: datetime | None) -> Story:
    return Story(
        key=key, feed_url=FEED, source="News", title=f"{TITLE} ({key})", summary="City council vote.",
        link=f"https://news.example/{key}", published=published,
        body="The police department signed the facial recognition contract.",
    )


def test_old_stories_of_a_first_poll_are_stored_unmatched_and_replay_still_matches_them(tmp_path: Path) -> None:
    config = load_config(write_rules(tmp_path / "rules.yaml", [FEED]))
    ruleset = compile_config(config)
    store = Store(tmp_path)
    store.sync_feeds(config.feeds, NOW)
    (feed,) = store.feed_states()
    assert feed.first_polled_at is None
    ctx = Context(config=config, ruleset=ruleset, store=store, clock=lambda: NOW)
    stories = [story("fresh", NOW - timedelta(hours=1)), story("old", NOW - timedelta(days=30)), story("undated", None)]
    assert all(match_story(ruleset, s) for s in stories)  # all three would match

    outcome = store_stories(ctx, feed, stories, NOW)

    assert (outcome.new_stories, outcome.alerts_queued) == (3, 1)  # only the fresh story alerts
    matched = ctx.metrics.matches.labels("facial-recognition-police")._value.get()
    assert matched == 1  # the old and the undated story were not matched
    stored = {s.key: s for s in store.stored_stories()}
    assert set(stored) == {"fresh", "old", "undated"}
    for key in ("old", "undated"):  # what a replay reads back matches as the story did
        assert [m.rule_id for m in match_story(ruleset, stored[key])] == ["facial-recognition-police"]
    store.close()
