"""Dates in feeds into aware UTC datetimes, without feedparser's private functions.

``feed_date`` reads the two formats plain RSS uses (RFC 822 in ``<pubDate>``, W3C-DTF in
``<dc:date>``) into the UTC ``time.struct_time`` feedparser's own date parser gives for the same
string, so that the RSS fast path (``bot.parse.feed``) and feedparser agree. It reads a subset
of what feedparser reads, on purpose: a string outside its grammar (an unknown zone name, extra
words, a two-field time zone, another format) raises ``UnknownDate``, and the fast path then
hands the whole document to feedparser, which reads the date its own way. tests/test_dates.py
holds it to feedparser's public output on every date string of the corpus and the fixtures.

``utc_from_struct_time`` turns such a struct (as feedparser gives dates) into a datetime, and
``utc_from_text`` reads JSON Feed dates (RFC 3339, or RFC 822 from sloppy feeds). Neither
raises: an unreadable date is None.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


class UnknownDate(ValueError):
    """The string is in no format ``feed_date`` reads exactly as feedparser does."""


# RFC 822 as feeds write it: optional day name, day, month name, 2- or 4-digit year, hh:mm[:ss],
# and a numeric offset or a zone name from _ZONES. ASCII whitespace only.
_RFC822 = re.compile(
    r"\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    r"(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+(\d{4}|\d{2})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s+([+-]\d{2}:?\d{2}|[a-z]+)\s*",
    re.ASCII | re.IGNORECASE,
)
# W3C-DTF with a time and a zone, nothing around it: 2026-11-26T05:40[:00[.123]](Z|+hh:mm)
# (feedparser drops the fraction; with more than 9 digits its rounding could carry a second).
_W3CDTF = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
# Zone names and their offsets in hours, as feeds (and feedparser) read them.
_ZONES = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "adt": -3, "ast": -4, "at": -4, "edt": -4, "est": -5,
    "et": -5, "cdt": -5, "cst": -6, "ct": -6, "mdt": -6, "mst": -7, "mt": -7, "pdt": -7,
    "pst": -8, "pt": -8, "a": -1, "n": 1, "m": -12, "y": 12, "met": 1, "mest": 2,
}


def feed_date(text: str) -> time.struct_time | None:
    """The UTC time of an RFC 822 or W3C-DTF date string, None for an empty string.

    Raises ``UnknownDate`` for any other string (the caller lets feedparser read it)."""
    if not text:
        return None
    found = _W3CDTF.fullmatch(text)
    if found is not None:
        year, month, day, hour, minute = (int(found[n]) for n in range(1, 6))
        second = int(found[6] or 0)
        zone = found[7]
        offset = 0 if zone in "Zz" else _offset_minutes(zone)
        return _utc(year, month, day, hour, minute, second, offset, text)
    found = _RFC822.fullmatch(text)
    if found is None:
        raise UnknownDate(f"not an RFC 822 or W3C-DTF date: {text!r}")
    day, hour, minute = int(found[1]), int(found[4]), int(found[5])
    month = _MONTHS[found[2].lower()]
    year = int(found[3])
    if len(found[3]) == 2:  # two-digit years: 90-99 are the 1990s, 00-89 this century
        year += 1900 if year >= 90 else 2000
    second = int(found[6] or 0)
    zone = found[7].lower()
    if zone[0] in "+-":
        offset = _offset_minutes(zone)
    elif zone in _ZONES:
        offset = _ZONES[zone] * 60
    else:
        raise UnknownDate(f"unknown time zone {found[7]!r} in {text!r}")
    return _utc(year, month, day, hour, minute, second, offset, text)


def _offset_minutes(zone: str) -> int:
    """``+hhmm`` or ``+hh:mm`` in minutes east of UTC."""
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return -minutes if zone[0] == "-" else minutes


def _utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int, offset: int, text: str
) -> time.struct_time:
    try:
        local = datetime(year, month, day, hour, minute, second)
        return (local - timedelta(minutes=offset)).utctimetuple()
    except (ValueError, OverflowError) as exc:
        raise UnknownDate(f"not a real date: {text!r} ({exc})") from exc


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
