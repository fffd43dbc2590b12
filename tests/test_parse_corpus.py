"""parse_feed over the shared corpus of real-world and malformed feeds (../shared/feeds).

Real feeds must all parse, into as many stories as feedparser finds entries (for JSON Feed:
as many as the document has items), each story well-formed. Malformed feeds must either give
stories or raise FeedParseError with a message; nothing else may escape. Skipped when the
shared folder is absent.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.errors import FeedParseError
from bot.core.models import Story
from bot.parse.feed import ParsedFeed, parse_feed

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "feeds"
INVISIBLE = set(
    "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
)


@dataclass(frozen=True)
class Row:
    path: str
    format: str
    entries: int  # what a reader should find: feedparser's count, or the JSON item count
    notes: str


def _rows() -> list[Row]:
    index = CORPUS / "INDEX.tsv"
    if not index.exists():
        return []
    rows = []
    with index.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle, delimiter="\t"):
            entries = int(record["feedparser_entries"])
            items = re.search(r"items=(\d+)", record["notes"])
            if record["format"] == "json" and items:
                entries = int(items.group(1))
            rows.append(Row(record["path"], record["format"], entries, record["notes"]))
    return rows


ROWS = _rows()
ABSENT = [pytest.param(None, marks=pytest.mark.skip(reason=f"{CORPUS} is not available"))]


def _params(folder: str) -> list[object]:
    chosen = [pytest.param(row, id=row.path) for row in ROWS if row.path.startswith(folder)]
    return list(chosen) or ABSENT


def _parse(row: Row) -> ParsedFeed:
    return parse_feed(
        (CORPUS / row.path).read_bytes(),
        feed_url=f"https://corpus.example/{row.path}",
        source="corpus",
    )


def _check_story(story: Story) -> None:
    assert story.key.strip()
    assert story.title or story.summary or story.link, "a story with nothing to show"
    assert len(story.title) <= 1_000 and len(story.summary) <= 5_000 and len(story.body) <= 20_000
    for text in (story.title, story.summary, story.body):
        assert not INVISIBLE & set(text)
        assert text == text.strip() and "  " not in text and "\n" not in text
    if story.link is not None:
        assert story.link.startswith(("http://", "https://")) and "#" not in story.link
        assert "utm_" not in story.link
    assert story.published is None or story.published.utcoffset() is not None


@pytest.mark.parametrize("row", _params("real/"))
def test_real_feed_gives_one_story_per_entry(row: Row) -> None:
    parsed = _parse(row)
    assert len(parsed.stories) == row.entries
    for story in parsed.stories:
        _check_story(story)


@pytest.mark.parametrize("row", _params("malformed/"))
def test_malformed_feed_gives_stories_or_a_parse_error(row: Row) -> None:
    try:
        parsed = _parse(row)
    except FeedParseError as exc:
        assert str(exc).strip()
        return
    assert len(parsed.stories) <= max(row.entries, 1)
    if len(parsed.stories) < row.entries:  # only empty phantom items may be dropped
        assert any(w.startswith("skipped") for w in parsed.warnings)
    for story in parsed.stories:
        _check_story(story)


def test_corpus_is_complete() -> None:
    if not ROWS:
        pytest.skip(f"{CORPUS} is not available")
    listed = {row.path for row in ROWS}
    on_disk = {
        f"{p.parent.name}/{p.name}"
        for folder in ("real", "malformed")
        for p in (CORPUS / folder).iterdir()
    }
    assert listed == on_disk


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("malformed/feedjira__scRUBYt.xml", "HTML page"),
        ("malformed/nodefp__notafeed.html", "HTML page"),
        ("malformed/nodefp__invalid-characters-gzipped.xml", "gzip"),
        ("malformed/nnw__allthis-partial.json", "JSON is malformed"),
        ("malformed/feedparser__rss_empty_document.xml", "not well-formed XML"),
    ],
)
def test_unreadable_files_say_why(name: str, words: str) -> None:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    with pytest.raises(FeedParseError, match=words):
        parse_feed(path.read_bytes(), feed_url="https://corpus.example/", source="corpus")


def test_mislabelled_encodings_come_with_a_warning() -> None:
    path = CORPUS / "malformed" / "feedjira__ZedShaw.xml"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    parsed = parse_feed(path.read_bytes(), feed_url="https://corpus.example/", source="corpus")
    assert "declared utf-8 but decoded as windows-1252" in parsed.warnings
