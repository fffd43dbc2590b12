"""Alerts held back by a channel's delivery mode: waiting for the next digest, or for the end
of the quiet hours.

A held alert leaves the outbox's ``pending`` state for ``held`` (so it neither blocks the
channel's other alerts nor counts as pending), with a row here saying when it is released and
whether it then goes in a digest. ``release_due`` turns it back into a pending alert at that
time, in one transaction, so a crash never loses a held alert: it is either held or pending.
After a digest is posted the rows are forgotten.

What this module does not do: decide when an alert goes (``bot.flow.modes``) or send anything.
It keeps its own table next to the outbox in the state database (``SCHEMA``, migration 6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.store.backend import Connection

if TYPE_CHECKING:
    from bot.store.database import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_holds (
    alert_id INTEGER PRIMARY KEY, channel TEXT NOT NULL, release_at REAL NOT NULL,
    digest INTEGER NOT NULL, released INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alert_holds_due ON alert_holds(released, release_at)
"""


@dataclass(frozen=True)
class HeldSummary:
    """Per channel: alerts held and when the next ones are released."""

    channel: str
    held: int
    next_release: datetime | None


def _db(store: Store) -> Connection:
    return store._db  # the store package shares its connection; nothing outside it sees one


class Holds:
    """The held alerts of one state database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def hold(self, alert_id: int, channel: str, release_at: datetime, digest: bool) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE alerts SET status = 'held' WHERE id = ? AND status IN ('pending', 'sending')",
                       (alert_id,))
            db.execute("INSERT INTO alert_holds(alert_id, channel, release_at, digest) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(alert_id) DO UPDATE SET channel = excluded.channel, "
                       "release_at = excluded.release_at, digest = excluded.digest, released = 0",
                       (alert_id, channel, release_at.timestamp(), int(digest)))

    def parent_hold(self, alert_id: int) -> tuple[datetime, bool] | None:
        """When the held parent of a thread reply is released (None when it is not held)."""
        row = _db(self.store).execute(
            "SELECT h.release_at, h.digest FROM alerts a JOIN alerts p ON p.id = a.parent_id "
            "JOIN alert_holds h ON h.alert_id = p.id WHERE a.id = ? AND p.status = 'held'", (alert_id,)
        ).fetchone()
        return (datetime.fromtimestamp(row[0], UTC), bool(row[1])) if row else None

    def release_due(self, now: datetime) -> int:
        """Held alerts whose time has come become pending again. Returns how many."""
        if _db(self.store).execute("SELECT 1 FROM alert_holds WHERE released = 0 AND release_at <= ? LIMIT 1",
                                   (now.timestamp(),)).fetchone() is None:
            return 0  # the usual case, every delivery tick: no write lock taken
        with self.store.transaction() as db:
            ids = [r[0] for r in db.execute(
                "SELECT alert_id FROM alert_holds WHERE released = 0 AND release_at <= ?", (now.timestamp(),))]
            for i in range(0, len(ids), 500):
                chunk = ids[i: i + 500]
                marks = ",".join("?" * len(chunk))
                db.execute(f"UPDATE alerts SET status = 'pending', next_attempt_at = ? "
                           f"WHERE status = 'held' AND id IN ({marks})", [now.timestamp(), *chunk])
                db.execute(f"UPDATE alert_holds SET released = 1 WHERE alert_id IN ({marks})", chunk)
        return len(ids)

    def released(self, alert_ids: Iterable[int]) -> dict[int, bool]:
        """Those of ``alert_ids`` that were held and released: whether each goes in a digest."""
        ids = list(alert_ids)
        out: dict[int, bool] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i: i + 500]
            marks = ",".join("?" * len(chunk))
            out.update((r[0], bool(r[1])) for r in _db(self.store).execute(
                f"SELECT alert_id, digest FROM alert_holds WHERE released = 1 AND alert_id IN ({marks})", chunk))
        return out

    def forget(self, alert_ids: Iterable[int]) -> None:
        ids = list(alert_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i: i + 500]
            _db(self.store).execute(f"DELETE FROM alert_holds WHERE alert_id IN ({','.join('?' * len(chunk))})", chunk)

    def summary(self) -> list[HeldSummary]:
        rows = _db(self.store).execute(
            "SELECT a.channel, COUNT(*), MIN(h.release_at) FROM alerts a JOIN alert_holds h ON h.alert_id = a.id "
            "WHERE a.status = 'held' GROUP BY a.channel ORDER BY a.channel").fetchall()
        return [HeldSummary(r[0], int(r[1]), datetime.fromtimestamp(r[2], UTC) if r[2] is not None else None)
                for r in rows]
