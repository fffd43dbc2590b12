"""Stories in the store: what is new (the database decides, ``ON CONFLICT DO NOTHING`` on
``(feed_url, key)``), edits of known stories, and the alerts a poll queues, in the same
transaction that records the stories, so a crash keeps both or loses both.

What this part does not do: match stories (bot/rules) or decide which reports are one event
(identity.py decides, this part asks it and files the answer as a cluster).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Match, Story
from bot.store.backend import Connection
from bot.store.clusters import file_story
from bot.store.history import pack_body
from bot.store.part import StorePart, by_channel, encode_matches, ts


@dataclass(frozen=True)
class Candidate:
    """A story from a poll, with the rules it matched, its content hash and the digest of its
    item's raw fields (``raw_hash``, None when the reader gave none)."""

    story: Story
    matches: tuple[Match, ...]
    content_hash: str
    raw_hash: str | None = None


@dataclass(frozen=True)
class PollOutcome:
    new_stories: int
    alerts_queued: int
    edited: int


class StoriesPart(StorePart):
    """The stories and clusters tables, and queueing alerts for new and edited stories."""

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

    def known_raw(self, feed_url: str) -> dict[str, str]:
        """The story key of each raw-item digest the store holds for this feed (the parser skips
        the items whose digest is among them: they are unchanged). A story's ``raw_hash`` holds
        one or more digests separated by spaces (of its item's fields, of its item's bytes)."""
        return {
            digest: row[1]
            for row in self._db.execute(
                "SELECT raw_hash, key FROM stories WHERE feed_url = ? AND raw_hash IS NOT NULL", (feed_url,)
            )
            for digest in row[0].split()
        }

    def remember_raw(self, feed_url: str, raw: Sequence[tuple[str, str]]) -> None:
        """Record the raw-item digest of known stories whose text was unchanged, (key, digest) each."""
        with self.transaction() as db:
            for key, digest in raw:
                db.execute("UPDATE stories SET raw_hash = ? WHERE feed_url = ? AND key = ?", (digest, feed_url, key))

    def save_poll(
        self,
        feed_url: str,
        candidates: Sequence[Candidate],
        *,
        now: datetime,
        alert_since: datetime,
        alert_undated: bool,
        dedup_window: float,
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
                inserted = db.execute(
                    "INSERT INTO stories(feed_url, key, source, link, title, summary, published, first_seen, "
                    "content_hash, body_z, author, tags, raw_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING RETURNING id",
                    (
                        feed_url,
                        s.key,
                        s.source,
                        s.link,
                        s.title,
                        s.summary,
                        ts(s.published),
                        now.timestamp(),
                        cand.content_hash,
                        pack_body(s.body),
                        s.author,
                        json.dumps(list(s.tags)),
                        cand.raw_hash,
                    ),
                ).fetchall()
                if inserted:
                    new += 1
                    story_id = int(inserted[0][0])
                    fresh = alert_undated if s.published is None else s.published >= alert_since
                    if cand.matches and fresh:
                        queued += self._queue_new(db, story_id, s, cand.matches, now, dedup_window)
                    continue
                row = db.execute(
                    "SELECT id, content_hash FROM stories WHERE feed_url = ? AND key = ?", (feed_url, s.key)
                ).fetchone()
                if row is None or row["content_hash"] == cand.content_hash:
                    continue
                edited += 1
                db.execute(
                    "UPDATE stories SET title = ?, summary = ?, link = ?, content_hash = ?, body_z = ?, author = ?, "
                    "tags = ?, raw_hash = ? WHERE id = ?",
                    (s.title, s.summary, s.link, cand.content_hash, pack_body(s.body), s.author,
                     json.dumps(list(s.tags)), cand.raw_hash, row["id"]),
                )
                if cand.matches:
                    queued += self._queue_update(db, int(row["id"]), cand.matches, now)
        return PollOutcome(new, queued, edited)

    def _queue_new(
        self,
        db: Connection,
        story_id: int,
        story: Story,
        matches: Sequence[Match],
        now: datetime,
        window: float,
    ) -> int:
        """Queue a new story's alerts: a top-level alert per channel, or, when its event already
        alerted in that channel, a thread reply that names it (``also``, or ``followup``, which
        is also posted to the channel). Nothing is skipped: every matching story is posted."""
        filing = file_story(db, story_id, story, now, window)
        cluster_id = filing.cluster_id
        queued = 0
        for channel, group in by_channel(matches).items():
            parent = db.execute(
                "SELECT id FROM alerts WHERE cluster_id = ? AND channel = ? AND kind = 'new' ORDER BY id LIMIT 1",
                (cluster_id, channel),
            ).fetchone()
            if parent is None:
                kind, parent_id = "new", None
            else:
                kind, parent_id = ("followup" if filing.follow_up else "also"), int(parent[0])
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

    def _queue_update(self, db: Connection, story_id: int, matches: Sequence[Match], now: datetime) -> int:
        queued = 0
        for channel, group in by_channel(matches).items():
            parent = db.execute(
                "SELECT id FROM alerts WHERE story_id = ? AND channel = ? AND kind IN ('new', 'also', 'followup') "
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
