"""Dates in feeds into aware UTC datetimes.

``utc_from_struct_time`` turns a UTC ``time.struct_time`` (as feedparser gives dates) into a
datetime, and ``utc_from_text`` reads JSON Feed dates (RFC 3339, or RFC 822 from sloppy feeds).
Neither raises: an unreadable date is None. Reading RSS and Atom dates is feedparser's job.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def utc_from_struct_time(value: object) -> datetime | None:
    """A UTC ``time.struct_time`` (as feedparser gives dates) as an aware datetime, or None."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None


def utc_from_text(value: object) -> datetime | None:
    """An RFC 3339 date (or, from sloppy feeds, an RFC 822 one) in UTC; None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (ValueError, TypeError, IndexError, OverflowError):
            return None
    try:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
