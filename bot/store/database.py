"""The state database: its schema and migrations, runtime marks and pruning, and ``Store``, which
gathers the parts that work on it: feeds.py (feed state), stories.py (what is new, queueing
alerts), outbox.py (delivery's view), history.py (the stored stories as matching reads them, for
replay and the flood guard).

Where the state lives is backend.py's business: SQLite in the state folder (sqlite.py, the
default) or PostgreSQL at ``BOT_DATABASE_URL`` (postgres.py). One schema and one list of
migrations serve both; the migrations are written in SQLite's spelling and the PostgreSQL
adapter translates the column types. ``Store(state_dir, database_url)`` is the same object with
the same guarantees on either: a poll's stories and its alerts are recorded in one transaction,
and the database decides what is new.

What this module does not do: decide whether a story matches (rules/match.py), talk to Slack
(notify/slack.py) or schedule anything. sqlite3 and psycopg objects never leave bot/store/.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.core.errors import StoreError
from bot.store.backend import DB_NAME, connect
from bot.store.feedback import MIGRATION as FEEDBACK_MIGRATION
from bot.store.feeds import FeedsPart, FeedState
from bot.store.health import SCHEMA as HEALTH_SCHEMA
from bot.store.history import HistoryPart
from bot.store.holds import SCHEMA as HOLDS_SCHEMA
from bot.store.leases import MIGRATION as LEASES_MIGRATION
from bot.store.leases import LeasesPart
from bot.store.outbox import OutboxPart
from bot.store.stories import Candidate, PollOutcome, StoriesPart

__all__ = ["DB_NAME", "TABLES", "Candidate", "FeedState", "PollOutcome", "Store"]

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
    # 3: event identity compares addresses with tracking, AMP and mobile spellings set aside,
    # and reads each recent cluster's first report
    """
    ALTER TABLE stories ADD COLUMN event_link TEXT;
    CREATE INDEX stories_event_link ON stories(event_link);
    CREATE INDEX stories_cluster ON stories(cluster_id);
    """,
    # 4: what matching reads of a story's body, zlib-compressed (store/history.py), so that
    # `ethics-bot replay` and the flood guard see what the rules saw
    "ALTER TABLE stories ADD COLUMN body_z BLOB",
    # 5: the item's author and tags, which the author: and tag: query scopes read, so a replay of
    # such a rule sees them too (tags as a JSON list)
    """
    ALTER TABLE stories ADD COLUMN author TEXT NOT NULL DEFAULT '';
    ALTER TABLE stories ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
    """,
    # 6: held alerts (store/holds.py) and feed-health marks (store/health.py), which their modules
    # used to create on first use; IF NOT EXISTS, as a state folder may already have them
    HOLDS_SCHEMA + ";" + HEALTH_SCHEMA,
    LEASES_MIGRATION,  # 7: replicas sharing one database: feed leases, channel claims (store/leases.py)
    # 8: a digest of the item's fields as the feed gave them (before text extraction), so that a
    # changed document's unchanged items are recognised without extracting their text again
    "ALTER TABLE stories ADD COLUMN raw_hash TEXT",
)
# Every table, parents before the tables that refer to them (``migrate-state`` copies in this order).
# Not feed_leases, channel_claims and replicas: they belong to running processes (leases.py).
TABLES = ("feeds", "clusters", "stories", "alerts", "runtime", "feedback", "alert_holds", "feed_health")


class Store(FeedsPart, StoriesPart, OutboxPart, HistoryPart, LeasesPart):
    """One connection to the state database, with every part's methods. Not thread-safe: use it
    from one thread."""

    def __init__(self, state_dir: str | Path, database_url: str | None = None) -> None:
        self.path = Path(state_dir) / DB_NAME
        self.where = str(self.path)
        try:
            self._db = connect(state_dir, database_url)
        except OSError as exc:
            raise StoreError(f"cannot create the state folder {self.path.parent}: {exc}") from exc
        except StoreError:
            raise
        except Exception as exc:  # the library's own error (sqlite3.Error, psycopg.Error)
            raise StoreError(f"cannot open the state database {self.where}: {exc}") from exc
        self.where = self._db.where
        try:
            self._migrate()
        except self._db.errors as exc:
            self._db.close()
            raise StoreError(f"cannot open the state database {self.where}: {exc}") from exc

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.kind

    def close(self) -> None:
        self._db.close()

    def _migrate(self) -> None:
        if self._db.schema_version() == len(_MIGRATIONS):
            return  # the usual case: no write lock taken
        with self.transaction() as db:
            db.lock_schema()  # another process may be migrating the same database right now
            version = db.schema_version()
            if version > len(_MIGRATIONS):
                raise StoreError(
                    f"{self.where} was written by a newer version of the bot (schema {version}); "
                    "upgrade the bot or point --state (or BOT_DATABASE_URL) at a fresh database"
                )
            for script in _MIGRATIONS[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
            if version < len(_MIGRATIONS):
                db.set_schema_version(len(_MIGRATIONS))

    # ----------------------------------------------------------------- runtime marks
    def set_mark(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO runtime(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def get_mark(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM runtime WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

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
