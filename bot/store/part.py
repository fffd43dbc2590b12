"""What every part of the store shares: the one connection, the transaction, time and match
encoding. The parts (feeds.py, stories.py, outbox.py) are mixed into ``database.Store``; none of
them opens a connection of its own, and no database library's objects leave bot/store/. The
connection is backend.Connection, SQLite or PostgreSQL: the parts write SQL both accept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from bot.core.models import Hit, Match, Span
from bot.store.backend import Connection


class StorePart:
    """The connection a part works on (set by ``database.Store``). Not thread-safe."""

    _db: Connection

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        self._db.begin()
        try:
            yield self._db
        except BaseException:
            self._db.rollback()
            raise
        self._db.commit()


def ts(dt: datetime | None) -> float | None:
    return dt.timestamp() if dt else None


def dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


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


def by_channel(matches: Sequence[Match]) -> dict[str, tuple[Match, ...]]:
    groups: dict[str, list[Match]] = {}
    for m in matches:
        groups.setdefault(m.channel, []).append(m)
    return {channel: tuple(group) for channel, group in groups.items()}
