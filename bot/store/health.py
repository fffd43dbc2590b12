"""Feed-health bookkeeping: when each feed's current run of failures began, when the ops channel
was told about it, and when it was told that a feed went silent; plus each feed's recent
publication times, from which its usual rhythm is learned.

It keeps its own table (``SCHEMA``, migration 6) beside the feeds table, so telling the ops
channel is remembered across restarts: a failing feed is reported once, not once per poll.
What this module does not do: decide what deserves a notice (``bot.flow.feedhealth``) or send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.store.backend import Connection

if TYPE_CHECKING:
    from bot.store.database import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_health (
    url TEXT PRIMARY KEY, failing_since REAL, failing_told_at REAL, silent_told_at REAL
)
"""
RHYTHM_STORIES = 30  # the newest stories of a feed that its rhythm is learned from


@dataclass(frozen=True)
class HealthMark:
    """What the book remembers about one feed (timestamps, seconds since the epoch)."""

    url: str
    failing_since: float | None = None
    failing_told_at: float | None = None
    silent_told_at: float | None = None


def _db(store: Store) -> Connection:
    return store._db  # the store package shares its connection; nothing outside it sees one


class HealthBook:
    """The feed-health marks of one state database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def marks(self) -> dict[str, HealthMark]:
        rows = _db(self.store).execute(
            "SELECT url, failing_since, failing_told_at, silent_told_at FROM feed_health").fetchall()
        return {r[0]: HealthMark(r[0], r[1], r[2], r[3]) for r in rows}

    def set_failing_since(self, url: str, since: float | None) -> None:
        """Start (a time) or end (None) a feed's run of failures; ending it forgets the notice."""
        if since is None:
            _db(self.store).execute(
                "UPDATE feed_health SET failing_since = NULL, failing_told_at = NULL WHERE url = ?", (url,))
            return
        _db(self.store).execute(
            "INSERT INTO feed_health(url, failing_since) VALUES (?, ?) "
            "ON CONFLICT(url) DO UPDATE SET failing_since = excluded.failing_since", (url, since))

    def mark_told(self, url: str, kind: str, at: datetime | None) -> None:
        """Remember (or, with ``at`` None, forget) that the ops channel was told ``kind``
        (``failing`` or ``silent``) about a feed."""
        column = {"failing": "failing_told_at", "silent": "silent_told_at"}[kind]
        _db(self.store).execute(
            f"INSERT INTO feed_health(url, {column}) VALUES (?, ?) "
            f"ON CONFLICT(url) DO UPDATE SET {column} = excluded.{column}",
            (url, at.timestamp() if at else None))

    def publication_times(self) -> dict[str, list[float]]:
        """Per feed, the publication times of its newest stories, newest first."""
        rows = _db(self.store).execute(
            "SELECT feed_url, published FROM (SELECT feed_url, published, ROW_NUMBER() OVER "
            "(PARTITION BY feed_url ORDER BY published DESC) AS n FROM stories WHERE published IS NOT NULL) "
            "AS recent WHERE n <= ?", (RHYTHM_STORIES,)).fetchall()
        out: dict[str, list[float]] = {}
        for url, published in rows:
            out.setdefault(url, []).append(float(published))
        for times in out.values():
            times.sort(reverse=True)
        return out
