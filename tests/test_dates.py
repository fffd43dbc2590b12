"""bot.parse.dates.feed_date against feedparser's public output.

``feed_date`` replaces feedparser's private date parser on the RSS fast path, so it must give
exactly the UTC time feedparser gives (through ``feedparser.parse``, its public API) for every
string it accepts, and decline (``UnknownDate``) the rest, which then go to feedparser. Held to
that on every date string of the shared corpus (skipped when ../shared is absent) and of the
fixtures, on generated RFC 822 and W3C-DTF dates, and on a table of known cases.
"""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parse.dates import UnknownDate, feed_date
from tests.conftest import REPO, shared_path

# Every element that holds a date in RSS, RDF and Atom (with or without a namespace prefix),
# and the JSON Feed / RSS-in-JSON keys.
_XML_DATE = re.compile(
    rb"<((?:[\w-]+:)?(?:pubDate|lastBuildDate|date|published|updated|issued|modified|created))"
    rb"(?:\s[^>]*)?>(.*?)</\1\s*>",
    re.S | re.I,
)
_JSON_DATE = re.compile(rb'"(?:date_published|date_modified|pubDate)"\s*:\s*"([^"]*)"')
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def date_strings(folder: Path) -> set[str]:
    """The text of every date element or key in every file under ``folder``."""
    found: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        raw = [m.group(2) for m in _XML_DATE.finditer(data)] + _JSON_DATE.findall(data)
        for value in raw:
            text = value.decode("utf-8", "replace")
            text = _CDATA.sub(lambda m: m.group(1), text)
            found.add(html.unescape(text).strip())
    return found


@cache
def feedparser_date(text: str) -> time.struct_time | None:
    """What feedparser.parse makes of ``text`` as an item's <pubDate>."""
    doc = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>i</title><pubDate>{escape(text)}</pubDate></item></channel></rss>"
    )
    entries = feedparser.parse(doc.encode("utf-8")).entries
    return entries[0].get("published_parsed") if entries else None


def check_all(strings: set[str]) -> tuple[int, int]:
    """Assert agreement on every string; return (read by feed_date, read by feedparser)."""
    read = known = 0
    for text in sorted(strings):
        expected = feedparser_date(text)
        known += expected is not None
        try:
            ours = feed_date(text)
        except UnknownDate:
            continue
        read += ours is not None
        assert ours == expected, f"{text!r}: feed_date {ours}, feedparser {expected}"
    return read, known


def test_every_date_of_the_fixtures_reads_as_feedparser_reads_it() -> None:
    strings = date_strings(REPO / "tests" / "data")
    assert len(strings) >= 10
    read, _ = check_all(strings)
    assert read >= 5  # the fixtures' well-formed dates are read, not declined


def test_every_date_of_the_shared_corpus_reads_as_feedparser_reads_it() -> None:
    strings = date_strings(shared_path("feeds"))
    assert len(strings) > 1000
    read, known = check_all(strings)
    # Declining is always safe (feedparser then reads the document), but a parser that
    # declined most dates would send most plain RSS back to the slow path.
    assert read >= 0.9 * known, f"feed_date read {read} of the {known} dates feedparser reads"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, 02 Jan 2006 15:04:05 GMT", (2006, 1, 2, 15, 4, 5)),
        ("Mon, 02 Jan 2006 15:04:05 -0700", (2006, 1, 2, 22, 4, 5)),
        ("Tue, 31 Dec 2024 23:30:00 +05:30", (2024, 12, 31, 18, 0, 0)),
        ("2 Jan 06 15:04 EST", (2006, 1, 2, 20, 4, 0)),  # no day name, two-digit year, no seconds
        ("Wed, 1 Jan 97 00:00:00 UT", (1997, 1, 1, 0, 0, 0)),  # 90-99: the 1990s
        ("Thursday, 01 January 2026 00:30:00 +0100", (2025, 12, 31, 23, 30, 0)),
        ("2026-11-26T05:40:00Z", (2026, 11, 26, 5, 40, 0)),
        ("2026-11-26T05:40:59.999-02:00", (2026, 11, 26, 7, 40, 59)),  # the fraction dropped
        ("2026-11-26T05:40+01:00", (2026, 11, 26, 4, 40, 0)),
    ],
)
def test_known_dates(text: str, expected: tuple[int, ...]) -> None:
    parsed = feed_date(text)
    assert parsed is not None and tuple(parsed[:6]) == expected
    assert parsed == feedparser_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mon, 02 Jan 2006 15:04:05 CEST",  # feedparser takes an unknown zone for UTC
        "Mon, 02 Jan 2006 15:04:05 +0000 (UTC)",
        "Mon, 02 Jan 2006 15:04:05",  # no zone
        "Mon, 31 Feb 2006 15:04:05 GMT",
        "Mon,02 Jan 2006 15:04:05 GMT",
        "02 Jan 2006 15:04:05\xa0GMT",
        " 2026-11-26T05:40:00Z",
        "2026-11-26",
        "2026-11-26T05:40:00+0100",
        "yesterday",
        "   ",
    ],
)
def test_other_strings_are_declined_for_feedparser_to_read(text: str) -> None:
    with pytest.raises(UnknownDate):
        feed_date(text)


def test_an_empty_date_is_no_date() -> None:
    assert feed_date("") is None


_DAY_NAMES = ("", "Mon, ", "Tue ", "Wednesday, ", "sun, ")
_ZONES = ("GMT", "UT", "UTC", "Z", "EST", "edt", "PST", "MET", "MEST", "A", "Y", "+0000",
          "-0330", "+05:45", "-12:00", "+1400")


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30)),
    day_name=st.sampled_from(_DAY_NAMES),
    zone=st.sampled_from(_ZONES),
    two_digit_year=st.booleans(),
    seconds=st.booleans(),
    month_style=st.sampled_from(["%b", "%B", "upper"]),
)
def test_generated_rfc822_dates_read_as_feedparser_reads_them(
    moment: datetime, day_name: str, zone: str, two_digit_year: bool, seconds: bool,
    month_style: str,
) -> None:
    month = moment.strftime("%B" if month_style == "%B" else "%b")
    month = month.upper() if month_style == "upper" else month
    year = f"{moment.year % 100:02d}" if two_digit_year else f"{moment.year:04d}"
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    text = f"{day_name}{moment.day} {month} {year} {clock} {zone}"
    assert feed_date(text) == feedparser_date(text)


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30)),
    offset=st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
    fraction=st.sampled_from(["", ".5", ".123456", ".999999999"]),
    utc=st.booleans(),
)
def test_generated_w3cdtf_dates_read_as_feedparser_reads_them(
    moment: datetime, offset: int, fraction: str, utc: bool
) -> None:
    sign = "-" if offset < 0 else "+"
    zone = "Z" if utc else f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + zone
    parsed = feed_date(text)
    assert parsed == feedparser_date(text)
    expected = moment - timedelta(minutes=0 if utc else offset)
    assert parsed is not None and datetime(*parsed[:6], tzinfo=UTC) == expected.replace(
        microsecond=0, tzinfo=UTC
    )
