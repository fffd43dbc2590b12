"""Feed state in the store: which feeds rules.yaml lists, when each is due, and how its checks
went (conditional-request validators, error counts, the plain-words reason of the last failure).

What this part does not do: fetch (bot/fetch) or decide the next interval (flow/timing.py); it
records what the caller decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.models import Feed
from bot.store.part import StorePart


@dataclass(frozen=True)
class FeedState:
    """What the store knows about one feed."""

    url: str
    fetch_url: str
    name: str
    interval: float
    active: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    next_check_at: float
    last_check_at: float | None
    last_success_at: float | None
    first_polled_at: float | None
    last_error: str | None
    last_error_kind: str | None
    error_count: int
    stories_seen: int
    last_new_story_at: float | None


class FeedsPart(StorePart):
    """The feeds table."""

    def sync_feeds(self, feeds: Sequence[Feed], now: datetime) -> None:
        """Make the feeds table follow rules.yaml: new feeds are due now, removed ones go idle."""
        with self.transaction() as db:
            db.execute("UPDATE feeds SET active = 0")
            for feed in feeds:
                db.execute(
                    "INSERT INTO feeds(url, fetch_url, name, interval, next_check_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET name = excluded.name, interval = excluded.interval, active = 1",
                    (feed.url, feed.url, feed.name, feed.interval, now.timestamp()),
                )

    def feed_states(self, *, due_at: datetime | None = None, active_only: bool = True) -> list[FeedState]:
        sql = "SELECT * FROM feeds WHERE 1=1"
        args: list[Any] = []
        if active_only:
            sql += " AND active = 1"
        if due_at is not None:
            sql += " AND next_check_at <= ?"
            args.append(due_at.timestamp())
        rows = self._db.execute(sql + " ORDER BY next_check_at, url", args).fetchall()
        return [FeedState(**dict(row)) for row in rows]

    def record_check(
        self,
        url: str,
        *,
        now: datetime,
        next_check: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        moved_to: str | None = None,
        new_stories: int = 0,
    ) -> None:
        """A successful check (including 304 and unchanged bodies): clear the error count."""
        self._db.execute(
            "UPDATE feeds SET last_check_at = ?, last_success_at = ?, next_check_at = ?, error_count = 0, "
            "last_error = NULL, last_error_kind = NULL, first_polled_at = COALESCE(first_polled_at, ?), "
            "etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified), "
            "body_hash = COALESCE(?, body_hash), fetch_url = COALESCE(?, fetch_url), "
            "stories_seen = stories_seen + ?, "
            "last_new_story_at = CASE WHEN ? > 0 THEN ? ELSE last_new_story_at END WHERE url = ?",
            (
                now.timestamp(),
                now.timestamp(),
                next_check.timestamp(),
                now.timestamp(),
                etag,
                last_modified,
                body_hash,
                moved_to,
                new_stories,
                new_stories,
                now.timestamp(),
                url,
            ),
        )

    def record_failure(self, url: str, *, now: datetime, kind: str, message: str, next_check: datetime) -> int:
        """A failed check: count it and remember the plain-words reason. Returns the error count."""
        self._db.execute(
            "UPDATE feeds SET last_check_at = ?, next_check_at = ?, error_count = error_count + 1, "
            "last_error = ?, last_error_kind = ? WHERE url = ?",
            (now.timestamp(), next_check.timestamp(), message, kind, url),
        )
        row = self._db.execute("SELECT error_count FROM feeds WHERE url = ?", (url,)).fetchone()
        return int(row[0]) if row else 0
