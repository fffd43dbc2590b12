"""The state database (SQLite in the state folder): feed state, seen stories, the alert outbox,
story clusters and runtime marks.

The database decides what is new (``INSERT OR IGNORE`` on ``(feed_url, key)``), and alerts are
queued in the same transaction that records the stories, so a crash either keeps both or loses
both: a story is never marked seen without its alert queued. The journal is WAL with
``synchronous=NORMAL``: durable across a crash of the process (the case that matters for a
container); a power loss may roll back the last commits, never half of one.

What this module does not do: decide whether a story matches (rules/match.py), talk to Slack
(notify/slack.py) or schedule anything. sqlite3 objects never leave it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.errors import StoreError
from bot.core.models import Alert, Feed, Hit, Match, Span, Story
from bot.store.feedback import MIGRATION as FEEDBACK_MIGRATION
from bot.store.identity import same_story, title_tokens

DB_NAME = "bot.sqlite3"

_MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY, fetch_url TEXT NOT NULL, name TEXT NOT NULL, interval REAL NOT NULL,
        active INTEGER NOT NULL DEFAULT 1, etag TEXT, last_modified TEXT, body_hash TEXT,
        next_check_at REAL NOT NULL, last_check_at REAL, last_success_at REAL, first_polled_at REAL,
        last_error TEXT, last_error_kind TEXT, error_count INTEGER NOT NULL DEFAULT 0,
        stories_seen INTEGER NOT NULL DEFAULT 0, last_new_story_at REAL
    );
    CREATE TABLE clusters (
        id INTEGER PRIMARY KEY, created_at REAL NOT NULL, link TEXT, title_tokens TEXT NOT NULL
    );
    CREATE INDEX clusters_created ON clusters(created_at);
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY, feed_url TEXT NOT NULL, key TEXT NOT NULL, source TEXT NOT NULL,
        link TEXT, title TEXT NOT NULL, summary TEXT NOT NULL, published REAL,
        first_seen REAL NOT NULL, content_hash TEXT NOT NULL, cluster_id INTEGER REFERENCES clusters(id),
        UNIQUE (feed_url, key)
    );
    CREATE INDEX stories_link ON stories(link);
    CREATE INDEX stories_first_seen ON stories(first_seen);
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY, story_id INTEGER NOT NULL REFERENCES stories(id),
        cluster_id INTEGER, channel TEXT NOT NULL, kind TEXT NOT NULL, parent_id INTEGER,
        matches TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL, created_at REAL NOT NULL, sent_at REAL,
        slack_ts TEXT, last_error TEXT, remedy TEXT
    );
    CREATE INDEX alerts_due ON alerts(status, next_attempt_at);
    CREATE INDEX alerts_cluster ON alerts(cluster_id, channel, kind);
    CREATE TABLE runtime (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    FEEDBACK_MIGRATION,  # 2: clicks on the feedback buttons (store/feedback.py)
)

MAX_THREAD_NOTES = 10  # "also reported by" replies per story and channel


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


@dataclass(frozen=True)
class Candidate:
    """A story from a poll, with the rules it matched and its content hash."""

    story: Story
    matches: tuple[Match, ...]
    content_hash: str


@dataclass(frozen=True)
class PollOutcome:
    new_stories: int
    alerts_queued: int
    edited: int


def _ts(dt: datetime | None) -> float | None:
    return dt.timestamp() if dt else None


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None


def encode_matches(matches: Sequence[Match]) -> str:
    return json.dumps(
        [
            {
                "rule_id": m.rule_id,
                "category": m.category,
                "severity": m.severity,
                "channel": m.channel,
                "description": m.description,
                "note": m.note,
                "hits": [[h.term, h.span.field, h.span.start, h.span.end, h.text] for h in m.hits],
            }
            for m in matches
        ]
    )


def decode_matches(text: str) -> tuple[Match, ...]:
    out = []
    for d in json.loads(text):
        hits = tuple(Hit(term=h[0], span=Span(h[1], h[2], h[3]), text=h[4]) for h in d["hits"])
        out.append(
            Match(
                rule_id=d["rule_id"],
                category=d["category"],
                severity=d["severity"],
                channel=d["channel"],
                description=d.get("description", ""),
                hits=hits,
                note=d.get("note", ""),
            )
        )
    return tuple(out)


class Store:
    """One connection to the state database. Not thread-safe: use it from one thread."""

    def __init__(self, state_dir: str | Path) -> None:
        self.path = Path(state_dir) / DB_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the state database {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot create the state folder {self.path.parent}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(_MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer version of the bot (schema {version}); "
                "upgrade the bot or point --state at a fresh folder"
            )
        for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    # ----------------------------------------------------------------- runtime marks
    def set_mark(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO runtime(key, value) VALUES (?, ?)", (key, value))

    def get_mark(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM runtime WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    # ----------------------------------------------------------------- feeds
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

    # ----------------------------------------------------------------- stories
    def known_hashes(self, feed_url: str, keys: Sequence[str]) -> dict[str, str]:
        """The stored content hash of each of these stories that the store already has."""
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT key, content_hash FROM stories WHERE feed_url = ? AND key IN ({marks})", [feed_url, *chunk]
            ):
                out[row[0]] = row[1]
        return out

    def save_poll(
        self,
        feed_url: str,
        candidates: Sequence[Candidate],
        *,
        now: datetime,
        alert_since: datetime,
        alert_undated: bool,
        dedup_window: float,
        similarity: float,
    ) -> PollOutcome:
        """Record a poll's stories and queue their alerts in one transaction.

        A story the store did not have is new; it alerts when it matched and was published after
        ``alert_since`` (an undated story alerts only when ``alert_undated``). A known story whose
        text changed is updated; when it still matches and already alerted, one "Updated:" thread
        note is queued per channel.
        """
        new = queued = edited = 0
        with self.transaction() as db:
            for cand in candidates:
                s = cand.story
                cur = db.execute(
                    "INSERT OR IGNORE INTO stories(feed_url, key, source, link, title, summary, published, "
                    "first_seen, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        feed_url,
                        s.key,
                        s.source,
                        s.link,
                        s.title,
                        s.summary,
                        _ts(s.published),
                        now.timestamp(),
                        cand.content_hash,
                    ),
                )
                if cur.rowcount == 1:
                    new += 1
                    story_id = int(cur.lastrowid or 0)
                    fresh = alert_undated if s.published is None else s.published >= alert_since
                    if cand.matches and fresh:
                        queued += self._queue_new(db, story_id, s, cand.matches, now, dedup_window, similarity)
                    continue
                row = db.execute(
                    "SELECT id, content_hash FROM stories WHERE feed_url = ? AND key = ?", (feed_url, s.key)
                ).fetchone()
                if row is None or row["content_hash"] == cand.content_hash:
                    continue
                edited += 1
                db.execute(
                    "UPDATE stories SET title = ?, summary = ?, link = ?, content_hash = ? WHERE id = ?",
                    (s.title, s.summary, s.link, cand.content_hash, row["id"]),
                )
                if cand.matches:
                    queued += self._queue_update(db, int(row["id"]), cand.matches, now)
        return PollOutcome(new, queued, edited)

    def _queue_new(
        self,
        db: sqlite3.Connection,
        story_id: int,
        story: Story,
        matches: Sequence[Match],
        now: datetime,
        window: float,
        threshold: float,
    ) -> int:
        tokens = title_tokens(story.title)
        since = now.timestamp() - window
        cluster_id: int | None = None
        if story.link:
            row = db.execute(
                "SELECT cluster_id FROM stories WHERE link = ? AND cluster_id IS NOT NULL AND first_seen >= ? "
                "ORDER BY id LIMIT 1",
                (story.link, since),
            ).fetchone()
            cluster_id = row[0] if row else None
        if cluster_id is None:
            for row in db.execute("SELECT id, title_tokens FROM clusters WHERE created_at >= ? ORDER BY id", (since,)):
                if same_story(tokens, frozenset(json.loads(row[1])), threshold):
                    cluster_id = int(row[0])
                    break
        if cluster_id is None:
            cur = db.execute(
                "INSERT INTO clusters(created_at, link, title_tokens) VALUES (?, ?, ?)",
                (now.timestamp(), story.link, json.dumps(sorted(tokens))),
            )
            cluster_id = int(cur.lastrowid or 0)
        db.execute("UPDATE stories SET cluster_id = ? WHERE id = ?", (cluster_id, story_id))
        same_feed = db.execute(
            "SELECT COUNT(*) FROM stories WHERE cluster_id = ? AND feed_url = ? AND id != ?",
            (cluster_id, story.feed_url, story_id),
        ).fetchone()[0]
        queued = 0
        for channel, group in _by_channel(matches).items():
            parent = db.execute(
                "SELECT id FROM alerts WHERE cluster_id = ? AND channel = ? AND kind = 'new' ORDER BY id LIMIT 1",
                (cluster_id, channel),
            ).fetchone()
            if parent is None:
                kind, parent_id = "new", None
            else:
                notes = db.execute(
                    "SELECT COUNT(*) FROM alerts WHERE parent_id = ? AND kind = 'also'", (parent[0],)
                ).fetchone()[0]
                if same_feed or notes >= MAX_THREAD_NOTES:
                    continue
                kind, parent_id = "also", int(parent[0])
            db.execute(
                "INSERT INTO alerts(story_id, cluster_id, channel, kind, parent_id, matches, next_attempt_at, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    story_id,
                    cluster_id,
                    channel,
                    kind,
                    parent_id,
                    encode_matches(group),
                    now.timestamp(),
                    now.timestamp(),
                ),
            )
            queued += 1
        return queued

    def _queue_update(self, db: sqlite3.Connection, story_id: int, matches: Sequence[Match], now: datetime) -> int:
        queued = 0
        for channel, group in _by_channel(matches).items():
            parent = db.execute(
                "SELECT id FROM alerts WHERE story_id = ? AND channel = ? AND kind IN ('new', 'also') "
                "ORDER BY id LIMIT 1",
                (story_id, channel),
            ).fetchone()
            if parent is None:
                continue
            root = db.execute("SELECT COALESCE(parent_id, id) FROM alerts WHERE id = ?", (parent[0],)).fetchone()[0]
            done = db.execute(
                "SELECT COUNT(*) FROM alerts WHERE story_id = ? AND channel = ? AND kind = 'update'",
                (story_id, channel),
            ).fetchone()[0]
            if done:
                continue
            db.execute(
                "INSERT INTO alerts(story_id, channel, kind, parent_id, matches, next_attempt_at, created_at) "
                "VALUES (?, ?, 'update', ?, ?, ?, ?)",
                (story_id, channel, root, encode_matches(group), now.timestamp(), now.timestamp()),
            )
            queued += 1
        return queued

    # ----------------------------------------------------------------- outbox
    def due_alerts(self, now: datetime, limit: int = 1000) -> list[Alert]:
        """Alerts to post now, oldest first, keeping order within each channel: once an alert of a
        channel is waiting (backing off, or a thread reply whose parent is not yet sent), the
        channel's later alerts wait behind it. A reply whose parent failed for good fails too."""
        rows = self._db.execute(
            "SELECT a.*, p.status AS parent_status, p.slack_ts AS parent_ts, s.feed_url, s.key, s.source, "
            "s.link, s.title, s.summary, s.published FROM alerts a JOIN stories s ON s.id = a.story_id "
            "LEFT JOIN alerts p ON p.id = a.parent_id "
            "WHERE a.status IN ('pending', 'sending') ORDER BY a.id LIMIT ?",
            (limit,),
        ).fetchall()
        out: list[Alert] = []
        waiting: set[str] = set()
        for row in rows:
            channel = row["channel"]
            if channel in waiting:
                continue
            if row["parent_id"] is not None and row["parent_status"] == "failed":
                self.mark_failed(row["id"], now, "parent_failed", "the first alert for this story was not delivered")
                continue
            if row["next_attempt_at"] > now.timestamp() or (
                row["parent_id"] is not None and row["parent_status"] not in ("sent", "held")
            ):  # a reply to a held alert is handed out so that the flow holds it too
                waiting.add(channel)
                continue
            story = Story(
                key=row["key"],
                feed_url=row["feed_url"],
                source=row["source"],
                title=row["title"],
                summary=row["summary"],
                link=row["link"],
                published=_dt(row["published"]),
            )
            out.append(
                Alert(
                    id=row["id"],
                    story=story,
                    channel=channel,
                    matches=decode_matches(row["matches"]),
                    kind=row["kind"],
                    thread_ts=row["parent_ts"],
                    attempts=row["attempts"],
                    created_at=_dt(row["created_at"]),
                )
            )
        return out

    def mark_sending(self, alert_id: int, now: datetime) -> None:
        """Committed before the post: after a crash, a 'sending' alert is retried (the one case in
        which Slack may see it twice)."""
        self._db.execute("UPDATE alerts SET status = 'sending', attempts = attempts + 1 WHERE id = ?", (alert_id,))

    def mark_sent(self, alert_id: int, now: datetime, ts: str | None) -> None:
        self._db.execute(
            "UPDATE alerts SET status = 'sent', sent_at = ?, slack_ts = ?, last_error = NULL WHERE id = ?",
            (now.timestamp(), ts, alert_id),
        )

    def mark_retry(self, alert_id: int, next_attempt: datetime, error: str) -> None:
        self._db.execute(
            "UPDATE alerts SET status = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?",
            (next_attempt.timestamp(), error, alert_id),
        )

    def mark_failed(self, alert_id: int, now: datetime, error: str, remedy: str | None) -> None:
        self._db.execute(
            "UPDATE alerts SET status = 'failed', sent_at = ?, last_error = ?, remedy = ? WHERE id = ?",
            (now.timestamp(), error, remedy, alert_id),
        )

    def alert_counts(self) -> list[dict[str, Any]]:
        """Per channel: pending, sent and failed counts and the oldest pending alert's time."""
        rows = self._db.execute(
            "SELECT channel, SUM(status IN ('pending', 'sending')) AS pending, SUM(status = 'sent') AS sent, "
            "SUM(status = 'failed') AS failed, MIN(CASE WHEN status IN ('pending', 'sending') THEN created_at END) "
            "AS oldest_pending FROM alerts GROUP BY channel ORDER BY channel"
        ).fetchall()
        return [dict(row) for row in rows]

    def failed_alerts(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT a.id, a.channel, a.last_error, a.remedy, s.title FROM alerts a JOIN stories s "
            "ON s.id = a.story_id WHERE a.status = 'failed' ORDER BY a.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(row) for row in rows]

    def pending_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM alerts WHERE status IN ('pending', 'sending')").fetchone()[0])

    def next_attempt_at(self) -> datetime | None:
        row = self._db.execute(
            "SELECT MIN(next_attempt_at) FROM alerts WHERE status IN ('pending', 'sending')"
        ).fetchone()
        return _dt(row[0])

    def prune(self, now: datetime, retention: float) -> int:
        """Forget stories (and finished alerts) older than the retention window. Returns stories removed."""
        cutoff = now.timestamp() - retention
        with self.transaction() as db:
            db.execute("DELETE FROM alerts WHERE status IN ('sent', 'failed') AND created_at < ?", (cutoff,))
            # An undated story is kept ten times longer: if a feed still carries it when it is
            # forgotten, it would look new again (dated ones are too old to alert by then).
            cur = db.execute(
                "DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM alerts) AND first_seen < ? "
                "AND (published IS NOT NULL OR first_seen < ?)",
                (cutoff, now.timestamp() - 10 * retention),
            )
            db.execute(
                "DELETE FROM clusters WHERE created_at < ? AND id NOT IN "
                "(SELECT cluster_id FROM stories WHERE cluster_id IS NOT NULL)",
                (cutoff,),
            )
            return cur.rowcount


def _by_channel(matches: Sequence[Match]) -> dict[str, tuple[Match, ...]]:
    groups: dict[str, list[Match]] = {}
    for m in matches:
        groups.setdefault(m.channel, []).append(m)
    return {channel: tuple(group) for channel, group in groups.items()}
