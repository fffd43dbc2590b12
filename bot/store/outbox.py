"""The outbox: alerts waiting to be posted, in order per channel, and their fate (sent with
Slack's ``ts``, retried with backoff, or failed with a remedy in plain words).

What this part does not do: talk to Slack (bot/notify) or pace posts (flow/pipeline.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.models import Alert, Story
from bot.store.part import StorePart, decode_matches, dt


class OutboxPart(StorePart):
    """The alerts table, seen from delivery."""

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
                published=dt(row["published"]),
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
                    created_at=dt(row["created_at"]),
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
            "SELECT channel, COUNT(CASE WHEN status IN ('pending', 'sending') THEN 1 END) AS pending, "
            "COUNT(CASE WHEN status = 'sent' THEN 1 END) AS sent, COUNT(CASE WHEN status = 'failed' THEN 1 END) "
            "AS failed, MIN(CASE WHEN status IN ('pending', 'sending') THEN created_at END) AS oldest_pending "
            "FROM alerts GROUP BY channel ORDER BY channel"
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
        return dt(row[0])
