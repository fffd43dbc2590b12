"""The stored stories as matching reads them: title, summary and body (the body zlib-compressed
in ``stories.body_z``, migration 4), handed out as ``core.models.Story`` records for
``ethics-bot replay`` and the daemon's flood guard.

The body kept is what the parser hands the rules (at most ``BODY_LIMIT`` characters, the
parser's own cap), so a replay matches what the rules matched. It is kept for every story with
a body, whatever the current rules read: a replay of *new* rules may read it. Stories stored
before migration 4 have no body; a replay reads their title and summary only.

What this part does not do: match anything (bot/rules), or decide what is new (stories.py).
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime

from bot.core.models import Story
from bot.store.part import StorePart, dt

BODY_LIMIT = 20_000  # characters; the parser clips bodies to the same length (parse/feed.py)


def pack_body(body: str) -> bytes | None:
    """The body as stored: bounded, UTF-8, zlib level 6; None when there is none."""
    if not body:
        return None
    return zlib.compress(body[:BODY_LIMIT].encode("utf-8", "surrogatepass"), 6)


def unpack_body(blob: bytes | None) -> str:
    if not blob:
        return ""
    try:
        return zlib.decompress(blob).decode("utf-8", "replace")
    except zlib.error:  # a damaged row costs its body, never the replay
        return ""


class HistoryPart(StorePart):
    """Reading stored stories back for a replay."""

    def stored_stories(self, since: datetime | None = None, *, limit: int | None = None) -> list[Story]:
        """The stories first seen at or after ``since`` (all without it), newest first, at most
        ``limit`` of them, each with its title, summary, body, source, link and date."""
        sql = "SELECT feed_url, key, source, link, title, summary, published, body_z, author, tags FROM stories"
        params: list[object] = []
        if since is not None:
            sql += " WHERE first_seen >= ?"
            params.append(since.timestamp())
        sql += " ORDER BY first_seen DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            Story(
                key=row[1],
                feed_url=row[0],
                source=row[2],
                title=row[4],
                summary=row[5],
                link=row[3],
                published=dt(row[6]),
                body=unpack_body(row[7]),
                author=row[8],
                tags=_tags(row[9]),
            )
            for row in self._db.execute(sql, params)
        ]


def _tags(text: str) -> tuple[str, ...]:
    """The stored JSON list of an item's tags (empty for stories stored before migration 5)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return ()
    return tuple(str(tag) for tag in value) if isinstance(value, list) else ()
