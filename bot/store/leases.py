"""Sharing the work between replicas on one database: feed leases, channel claims and the roll of
live replicas (migration 7).

- A **feed lease** (``feed_leases``) says which replica is checking a feed and until when. A
  replica leases due feeds with one statement (``lease_due_feeds``): on PostgreSQL the candidate
  feed rows are taken ``FOR UPDATE SKIP LOCKED``, so replicas leasing at the same moment get
  disjoint feeds without waiting for each other, and the insert of the lease only overwrites a
  lease that has expired (``ON CONFLICT ... WHERE expires_at < now``, checked against the newest
  committed row), so two replicas never hold one feed. The lease is released when the check is
  recorded (its next check time set); a replica that dies loses its leases when they expire, and
  the others then find those feeds due. A live replica renews its leases (``renew``) while the
  checks run, so a slow check never loses its lease.
- A **channel claim** (``channel_claims``) says which replica delivers a channel's alerts: one
  at a time, so the channel's order (the outbox hands them out in id order) and pacing (the
  claimer's token bucket, seeded from ``last_post_at`` when a claim changes hands) hold across
  replicas. A claim is taken when the channel has alerts due and nobody else holds it, renewed
  before each post, and released when the channel has nothing due.
- ``replicas`` lists each replica's id, when it started, was last seen and last finished a poll
  tick: ``status`` and /metrics show it, and ``ethics-bot health`` in a replica's container
  judges that replica's own tick (``replica_tick``), not whichever replica ticked last.

On SQLite the same statements run without ``FOR UPDATE SKIP LOCKED`` (one writer at a time
anyway, and the writer lock keeps a second daemon away); ``forget_all`` clears what a killed
process left, which is safe there because the writer lock is held.

What this part does not do: decide when to lease or how long (flow/replicas.py), or check a feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.feeds import FeedState
from bot.store.part import StorePart

MIGRATION = """
CREATE TABLE IF NOT EXISTS feed_leases (
    url TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at REAL NOT NULL, taken_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS channel_claims (
    channel TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at REAL NOT NULL, last_post_at REAL
);
CREATE TABLE IF NOT EXISTS replicas (
    id TEXT PRIMARY KEY, started_at REAL NOT NULL, last_seen REAL NOT NULL, last_tick REAL
)
"""


@dataclass(frozen=True)
class Claim:
    """A channel claim held for this round. ``fresh``: taken now, not the renewal of a live claim
    (then ``previous`` is who held it last, perhaps this replica's id in a former process;
    ``last_post_at`` when the channel was last posted to; ``resumed`` its alerts left 'sending',
    posted again now: Slack may have accepted them just before their replica died)."""

    channel: str
    fresh: bool
    previous: str | None
    last_post_at: float | None
    resumed: tuple[int, ...]


@dataclass(frozen=True)
class Holding:
    """What one replica holds now (for status and /metrics)."""

    replica: str
    last_seen: float | None
    feeds: tuple[str, ...]
    channels: tuple[str, ...]


class LeasesPart(StorePart):
    """Feed leases, channel claims and the replicas table."""

    def lease_due_feeds(self, holder: str, now: datetime, expiry: float, limit: int) -> list[FeedState]:
        """Lease up to ``limit`` active feeds that are due and not leased by a live replica."""
        t = now.timestamp()
        lock = " FOR UPDATE OF f SKIP LOCKED" if self._db.kind == "postgresql" else ""
        rows = self._db.execute(
            "WITH due AS (SELECT f.url FROM feeds f LEFT JOIN feed_leases l ON l.url = f.url "
            "WHERE f.active = 1 AND f.next_check_at <= ? AND (l.expires_at IS NULL OR l.expires_at < ?) "
            f"ORDER BY f.next_check_at, f.url LIMIT ?{lock}) "
            "INSERT INTO feed_leases(url, holder, expires_at, taken_at) SELECT url, ?, ?, ? FROM due WHERE true "
            "ON CONFLICT(url) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, "
            "taken_at = excluded.taken_at WHERE feed_leases.expires_at < ? RETURNING url",
            (t, t, limit, holder, t + expiry, t, t),
        ).fetchall()
        urls = [str(r[0]) for r in rows]
        if not urls:
            return []
        marks = ",".join("?" * len(urls))
        found = self._db.execute(
            f"SELECT * FROM feeds WHERE url IN ({marks}) ORDER BY next_check_at, url", urls
        ).fetchall()
        return [FeedState(**dict(row)) for row in found]

    def release_feed(self, url: str, holder: str) -> None:
        self._db.execute("DELETE FROM feed_leases WHERE url = ? AND holder = ?", (url, holder))

    def due_count(self, now: datetime) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM feeds WHERE active = 1 AND next_check_at <= ?", (now.timestamp(),)
        ).fetchone()
        return int(row[0])

    def busy_channels(self) -> set[str]:
        """The channels with alerts to deliver now or later (pending, sending, held)."""
        rows = self._db.execute("SELECT DISTINCT channel FROM alerts WHERE status IN ('pending', 'sending', 'held')")
        return {str(r[0]) for r in rows}

    def claim_channels(self, holder: str, channels: Iterable[str], now: datetime, expiry: float) -> list[Claim]:
        """Take (or keep) the claim on each channel nobody else holds; returns the claims held."""
        t = now.timestamp()
        out: list[Claim] = []
        for channel in sorted(set(channels)):
            with self.transaction() as db:
                before = db.execute(
                    "SELECT holder, expires_at, last_post_at FROM channel_claims WHERE channel = ?", (channel,)
                ).fetchone()
                got = db.execute(
                    "INSERT INTO channel_claims(channel, holder, expires_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(channel) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
                    "WHERE channel_claims.holder = excluded.holder OR channel_claims.expires_at < ? "
                    "RETURNING last_post_at",
                    (channel, holder, t + expiry, t),
                ).fetchall()
                if not got:
                    continue
                fresh = before is None or before[0] != holder or before[1] < t
                resumed: tuple[int, ...] = ()
                if fresh:
                    resumed = tuple(int(r[0]) for r in db.execute(
                        "SELECT id FROM alerts WHERE channel = ? AND status = 'sending' ORDER BY id", (channel,)))
                previous = str(before[0]) if before is not None else None
                out.append(Claim(channel, fresh, previous, got[0][0], resumed))
        return out

    def renew_claim(self, channel: str, holder: str, now: datetime, expiry: float) -> bool:
        """Before a post: extend the claim and note the post time. False: the claim was lost."""
        t = now.timestamp()
        cur = self._db.execute(
            "UPDATE channel_claims SET expires_at = ?, last_post_at = ? WHERE channel = ? AND holder = ? "
            "AND expires_at >= ?",
            (t + expiry, t, channel, holder, t),
        )
        return cur.rowcount > 0

    def release_claims(self, holder: str, now: datetime, keep: Iterable[str] = ()) -> None:
        """Give up this replica's claims except on ``keep`` (the post times stay, for pacing)."""
        kept = sorted(set(keep))
        sql = "UPDATE channel_claims SET expires_at = 0 WHERE holder = ? AND expires_at > 0"
        if kept:
            sql += f" AND channel NOT IN ({','.join('?' * len(kept))})"
        self._db.execute(sql, (holder, *kept))

    def heartbeat(self, holder: str, now: datetime, expiry: float, started: datetime) -> None:
        """Renew this replica's leases and claims and say it is alive."""
        t = now.timestamp()
        with self.transaction() as db:
            db.execute("UPDATE feed_leases SET expires_at = ? WHERE holder = ?", (t + expiry, holder))
            db.execute("UPDATE channel_claims SET expires_at = ? WHERE holder = ? AND expires_at > 0",
                       (t + expiry, holder))
            db.execute(
                "INSERT INTO replicas(id, started_at, last_seen) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen",
                (holder, started.timestamp(), t),
            )

    def ticked(self, holder: str, now: datetime, started: datetime) -> None:
        """This replica finished a poll tick."""
        self._db.execute(
            "INSERT INTO replicas(id, started_at, last_seen, last_tick) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen, last_tick = excluded.last_tick",
            (holder, started.timestamp(), now.timestamp(), now.timestamp()),
        )

    def replica_tick(self, replica: str | None, host: str) -> tuple[str, float, float | None] | None:
        """(id, started_at, last_tick) of the replica ``replica``, or without one of the replica
        on ``host`` (an id ``host:pid``) that started last; None when there is none."""
        if replica:
            row = self._db.execute("SELECT id, started_at, last_tick FROM replicas WHERE id = ?", (replica,)).fetchone()
        else:
            row = self._db.execute(
                "SELECT id, started_at, last_tick FROM replicas WHERE substr(id, 1, ?) = ? "
                "ORDER BY started_at DESC LIMIT 1",
                (len(host) + 1, host + ":"),
            ).fetchone()
        if row is None:
            return None
        return str(row[0]), float(row[1]), None if row[2] is None else float(row[2])

    def leave(self, holder: str) -> bool:
        """A replica stopping: its leases and claims go at once, and it leaves the roll. False
        when the database could not be reached (they then expire as a dead replica's would)."""
        try:
            with self.transaction() as db:
                db.execute("DELETE FROM feed_leases WHERE holder = ?", (holder,))
                db.execute("UPDATE channel_claims SET expires_at = 0 WHERE holder = ?", (holder,))
                db.execute("DELETE FROM replicas WHERE id = ?", (holder,))
        except self._db.errors:
            return False
        return True

    def rejoin(self, holder: str) -> None:
        """A replica starting under an id that holds leases or claims: they are its dead
        predecessor's (two live replicas never share an id), so they go now."""
        with self.transaction() as db:
            db.execute("DELETE FROM feed_leases WHERE holder = ?", (holder,))
            db.execute("UPDATE channel_claims SET expires_at = 0 WHERE holder = ?", (holder,))
            db.execute("DELETE FROM replicas WHERE id = ?", (holder,))  # a new start: no tick yet

    def forget_all(self) -> None:
        """Every lease and claim, and the roll (SQLite, under the writer lock: no one else is live)."""
        with self.transaction() as db:
            db.execute("DELETE FROM feed_leases")
            db.execute("UPDATE channel_claims SET expires_at = 0")
            db.execute("DELETE FROM replicas")

    def holdings(self, now: datetime, forget_after: float = 86400.0) -> list[Holding]:
        """Per replica: the feeds it leases and the channels it claims now, and when it was last
        seen (replicas not seen for ``forget_after`` seconds and holding nothing are left out)."""
        t = now.timestamp()
        feeds: dict[str, list[str]] = {}
        for row in self._db.execute(
            "SELECT holder, url FROM feed_leases WHERE expires_at >= ? ORDER BY holder, url", (t,)
        ):
            feeds.setdefault(str(row[0]), []).append(str(row[1]))
        channels: dict[str, list[str]] = {}
        for row in self._db.execute(
            "SELECT holder, channel FROM channel_claims WHERE expires_at >= ? ORDER BY holder, channel", (t,)
        ):
            channels.setdefault(str(row[0]), []).append(str(row[1]))
        seen: dict[str, Any] = {
            str(r[0]): r[1] for r in self._db.execute("SELECT id, last_seen FROM replicas WHERE last_seen >= ?",
                                                      (t - forget_after,))
        }
        names = sorted(set(feeds) | set(channels) | set(seen))
        return [Holding(n, seen.get(n), tuple(feeds.get(n, ())), tuple(channels.get(n, ()))) for n in names]
