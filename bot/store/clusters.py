"""Filing a new story with the reports of its event: which cluster of the last ``dedup_window``
it joins (identity.py decides; this module asks it and reads the candidates from the database),
and whether it joins as another outlet's report or as a follow-up.

Rules of filing (the why is in identity.py and docs/ARCHITECTURE.md, "One event, one alert"):
- a story whose address (tracking, AMP and mobile spellings set aside) is already in a recent
  cluster joins it;
- otherwise it is compared with the first report of each recent cluster, oldest first, and joins
  the first one identity.same_event accepts, unless that cluster already holds an item of the
  same feed under another address (two items of one feed are never merged unless they share a
  link);
- a story that joins a cluster ``FOLLOW_UP_AFTER`` (12 h) or more after the cluster's first report
  (by publication date when both have one, else by when the bot saw them) is a follow-up: it is
  posted in the thread *and* to the channel, so a new development is never hidden in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Story
from bot.store.backend import Connection
from bot.store.identity import Evidence, Report, evidence, link_key, same_event

FOLLOW_UP_AFTER = 12 * 3600.0
# Filing reads the recent clusters, then writes: two replicas filing two reports of one event at
# the same moment would each see no cluster and both open one (two top-level alerts). On
# PostgreSQL, filing therefore takes this transaction-scoped advisory lock, held until the poll's
# transaction commits, so replicas file one at a time. On SQLite the write transaction
# (BEGIN IMMEDIATE) already lets one writer in at a time.
_FILING_LOCK = 0x45_7468_6963_74  # "Ethict": ours, beside postgres.py's schema lock


@dataclass(frozen=True)
class Filing:
    cluster_id: int
    follow_up: bool  # joined an existing cluster late enough to be a new development
    joined: bool  # False: the story opened a new cluster


def story_evidence(story: Story) -> Evidence:
    return evidence(Report(story.title, story.summary, story.link, story.feed_url))


def file_story(db: Connection, story_id: int, story: Story, now: datetime, window: float) -> Filing:
    """Put the story in its event's cluster (a new one when no recent cluster is its event)."""
    if db.kind == "postgresql":
        db.execute("SELECT pg_advisory_xact_lock(?)", (_FILING_LOCK,))
    since = now.timestamp() - window
    key = link_key(story.link)
    db.execute("UPDATE stories SET event_link = ? WHERE id = ?", (key, story_id))
    found: int | None = None
    if key:
        row = db.execute(
            "SELECT cluster_id FROM stories WHERE event_link = ? AND cluster_id IS NOT NULL AND first_seen >= ? "
            "AND id != ? ORDER BY id LIMIT 1",
            (key, since, story_id),
        ).fetchone()
        found = int(row[0]) if row else None
    if found is None:
        mine = story_evidence(story)
        roots = db.execute(
            "SELECT c.id, s.feed_url, s.title, s.summary, s.link FROM clusters c JOIN stories s ON s.id = "
            "(SELECT MIN(id) FROM stories WHERE cluster_id = c.id) WHERE c.created_at >= ? ORDER BY c.id",
            (since,),
        ).fetchall()
        for row in roots:
            theirs = evidence(Report(row["title"], row["summary"], row["link"], row["feed_url"]))
            if not same_event(mine, theirs).same:
                continue
            other = db.execute(
                "SELECT 1 FROM stories WHERE cluster_id = ? AND feed_url = ? AND COALESCE(event_link, '') != ? LIMIT 1",
                (row["id"], story.feed_url, key or ""),
            ).fetchone()
            if other is None:
                found = int(row["id"])
                break
    if found is None:
        cluster_id = int(db.execute(
            "INSERT INTO clusters(created_at, link, title_tokens) VALUES (?, ?, '[]') RETURNING id",
            (now.timestamp(), story.link),
        ).fetchall()[0][0])
        db.execute("UPDATE stories SET cluster_id = ? WHERE id = ?", (cluster_id, story_id))
        return Filing(cluster_id, follow_up=False, joined=False)
    db.execute("UPDATE stories SET cluster_id = ? WHERE id = ?", (found, story_id))
    first = db.execute(
        "SELECT published, first_seen FROM stories WHERE cluster_id = ? ORDER BY id LIMIT 1", (found,)
    ).fetchone()
    if story.published is not None and first["published"] is not None:
        gap = story.published.timestamp() - first["published"]
    else:
        gap = now.timestamp() - first["first_seen"]
    return Filing(found, follow_up=gap >= FOLLOW_UP_AFTER, joined=True)
