"""Fetched bytes and response headers in, ``Story`` records out: the feedparser adapter.

What it does: reads RSS 0.9x/1.0/2.0 and Atom through feedparser (after ``xmlguard`` has removed
any entity declarations), and hands JSON Feed to ``jsonfeed`` (read by hand). Every
item becomes a ``Story`` with a stable key (guid, else canonical link, else a hash of the title),
an absolute canonical http(s) link, plain-text title, summary and body within fixed caps, a
UTC publication time when the feed gives a readable one, and the item's author and categories or
tags (what the ``author:`` and ``tag:`` query scopes read). Things worth knowing but not fatal (a
wrong charset, a broken document whose items were recovered) come back as plain-words warnings.

What it does not do: fetch (fetch/client.py), decide what is new (store/database.py), match (rules/match.py) or escape
for Slack (notify/slack.py). No feedparser object leaves this module; feedparser is imported nowhere
else. A document that holds no feed raises ``FeedParseError`` with a message for a person.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Mapping
from typing import Any

import feedparser
import feedparser.api
import feedparser.encodings
import feedparser.mixin

from bot.core.errors import FeedParseError
from bot.core.text import clean_text
from bot.parse.dates import utc_from_struct_time
from bot.parse.items import (
    AUTHOR_LIMIT,
    BODY_LIMIT,
    TITLE_LIMIT,
    Item,
    ParsedFeed,
    changed_stories,
    meta_text,
    tags_of,
    ttl_seconds,
)
from bot.parse.jsonfeed import looks_like_json, parse_json
from bot.parse.keys import story_key
from bot.parse.links import canonical_link, is_web_url
from bot.parse.plaintext import clip, to_plain_text
from bot.parse.rawitems import ItemScan, scan_items
from bot.parse.xmlguard import strip_entity_declarations

__all__ = ["ParsedFeed", "canonical_link", "item_scan", "parse_feed", "story_key", "to_plain_text"]


_HTML_PAGE = re.compile(rb"<!doctype\s+html|<html[\s>]", re.I)
_ENCODING_OVERRIDE = re.compile(r"declared as (\S+), but parsed as (\S+)")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff")

_SAX_DRIVER = "bot.parse.saxdriver"
_CP1252: dict[int, str] = {}  # feedparser's own mapping, as it was (what the table must equal)


def _tune_feedparser() -> None:
    """Two settings that make feedparser read the same documents faster, into the same results
    (tests/test_parse_speed.py; a sixth less parsing time on the real-feed corpus):

    - its SAX driver (``PREFERRED_XML_PARSERS``, which feedparser reads at each parse) is
      saxdriver.py's, which hands text over in whole runs rather than line by line;
    - its repair of Windows-1252 characters in text (``str.translate`` with a 27-entry dict, in
      which every other character is a missed lookup and a raised and cleared KeyError) gets the
      same mapping as a table of the Basic Multilingual Plane, found by index (128 KB); characters
      beyond it are missed lookups, as before, and left as they are.

    The second reads a name private to feedparser: where it is not the dict this expects,
    nothing is changed."""
    feedparser.api.PREFERRED_XML_PARSERS = [_SAX_DRIVER]
    cp1252 = getattr(feedparser.mixin, "_cp1252", None)
    if isinstance(cp1252, dict) and all(
        isinstance(k, int) and 0 <= k < 0x10000 and isinstance(v, str) and len(v) == 1 for k, v in cp1252.items()
    ):
        _CP1252.update(cp1252)
        feedparser.mixin._cp1252 = "".join(cp1252.get(c, chr(c)) for c in range(0x10000))


_tune_feedparser()


def parse_feed(
    body: bytes,
    *,
    feed_url: str,
    source: str,
    headers: Mapping[str, str] | None = None,
    known: Mapping[str, str] | None = None,
) -> ParsedFeed:
    """Stories from a fetched feed document, in document order.

    ``headers`` are the HTTP response headers (any case); the Content-Type charset is honoured.
    ``known``: the story key of each raw-item digest the store holds for this feed. An item
    whose bytes (RSS and Atom: cut out of the document before feedparser reads it, see
    ``item_scan``) or whose fields, as feedparser (or the JSON reader) gives them, have one of
    these digests is unchanged: its text is not extracted again and it is left out of the
    stories (its key is in ``unchanged``, and a later item of the same key is left out too, as
    the store keeps the first). Any change to a field the story is made from changes the digest.
    Raises FeedParseError when the bytes hold no feed: empty, an HTML page, malformed JSON,
    XML that is neither RSS nor Atom, or XML too broken to recover any item from.
    """
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    content_type = lowered.get("content-type", "")
    start = _strip_bom(body).lstrip(b" \t\r\n\x00")
    if not start:
        raise FeedParseError("the response body is empty")
    if start.startswith(b"\x1f\x8b"):
        raise FeedParseError(
            "the body is gzip-compressed data that was not labelled Content-Encoding: gzip"
        )
    if looks_like_json(start, content_type):
        return parse_json(body, feed_url, source, known or {})
    return _parse_xml(body, feed_url, source, content_type, known or {})


# --- RSS and Atom, through feedparser ---------------------------------------------------------


def _parse_xml(
    body: bytes, feed_url: str, source: str, content_type: str, known: Mapping[str, str]
) -> ParsedFeed:
    warnings: list[str] = []
    first = _declaration_first(body)
    # lines taken off the top (error positions add them back); counted only when there were any
    shift = 0 if first is body else body[: body.index(b"<?xml")].count(b"\n")
    data, removed = strip_entity_declarations(first, content_type)
    if removed:
        warnings.append("removed the document's inline DTD; its entity declarations are ignored")
    scan = item_scan(data, content_type)
    drop = {i for i, item in enumerate(scan.items) if item.digest in known} if scan and known else set()
    result = _feedparse(scan.without(drop) if scan and drop else data, content_type)
    entries = result.get("entries") or []
    raws: list[str | None] = [None] * len(entries)
    if scan is not None:
        kept = [item.digest for i, item in enumerate(scan.items) if i not in drop]
        if len(kept) != len(entries) and drop:  # feedparser saw other items than the scan: read it all
            drop, result = set(), _feedparse(data, content_type)
            entries, kept = result.get("entries") or [], [item.digest for item in scan.items]
        raws = list(kept) if len(kept) == len(entries) else [None] * len(entries)
    unchanged = {known[scan.items[i].digest] for i in drop} if scan else set()
    items, renewed = _sort_entries(entries, raws, known, unchanged)
    stories, raw_hashes = changed_stories(items, unchanged, feed_url, source, warnings)
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if not stories and not unchanged and (not result.get("version") or _is_syntax_error(problem)):
        raise FeedParseError(_not_a_feed(data, content_type, problem, shift))
    if problem is not None:
        warnings.insert(0, _describe_problem(problem, data, bool(stories or unchanged), shift))
    feed = result.get("feed") or {}
    title = _detail_text(feed.get("title"), feed.get("title_detail"), TITLE_LIMIT) or None
    ttl = ttl_seconds(feed.get("ttl"), warnings)
    return ParsedFeed(title, stories, ttl, tuple(warnings), raw_hashes, frozenset(unchanged), renewed)


def _feedparse(data: bytes, content_type: str) -> Any:
    try:
        return feedparser.parse(
            io.BytesIO(data),  # a file object: bytes could be taken for a local file name
            response_headers={"content-type": content_type} if content_type else None,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser is third-party code fed untrusted bytes
        raise FeedParseError(f"feedparser could not read the document ({exc!r})") from exc


def item_scan(data: bytes, content_type: str = "") -> ItemScan | None:
    """The items of an RSS or Atom document as bytes (``rawitems``), which ``parse_feed`` cuts
    the known ones from; None when it reads the whole document. Only when feedparser will read
    it in one encoding (the one its own rules choose, which must decode it all) and knows the
    namespaces declared below the root."""
    headers = {"content-type": content_type} if content_type else {}
    facts: dict[str, Any] = {}
    try:
        feedparser.encodings.convert_to_utf8(headers, data, facts)
    except Exception:  # an internal of feedparser: without it, nothing is cut
        return None
    overridden = isinstance(
        facts.get("bozo_exception"),
        feedparser.CharacterEncodingOverride | feedparser.CharacterEncodingUnknown,
    )
    encoding, namespaces = facts.get("encoding"), _known_namespaces()
    if overridden or not isinstance(encoding, str) or not encoding or not namespaces:
        return None
    return scan_items(data, encoding, content_type, namespaces)


@functools.cache
def _known_namespaces() -> dict[str, str]:
    """The namespace URIs feedparser knows, in lower case, and the name it gives each."""
    table = getattr(feedparser.mixin._FeedParserMixin, "namespaces", None)
    return {str(uri).lower(): str(name) for uri, name in table.items()} if isinstance(table, dict) else {}


def _sort_entries(
    entries: list[Any], raws: list[str | None], known: Mapping[str, str], unchanged: set[str]
) -> tuple[list[Item], dict[str, str]]:
    """The entries to read into stories, each with its digests (the fields' and, when the scan
    found it, the bytes'); an entry whose digest is known instead adds its key to ``unchanged``.
    The second value: the digests to record for unchanged stories known by the fields' digest
    only (stored before the bytes' digest existed, or the item's bytes changed but not its fields)."""
    items: list[Item] = []
    renewed: dict[str, str] = {}
    for entry, raw in zip(entries, raws, strict=True):
        fields = _raw_hash(entry)
        if raw is not None and raw in known:
            unchanged.add(known[raw])
        elif fields in known:
            unchanged.add(known[fields])
            if raw is not None:
                renewed.setdefault(known[fields], f"{fields} {raw}")
        else:
            items.append(_entry_item(entry, fields if raw is None else f"{fields} {raw}"))
    return items, renewed


_RAW_FIELDS = ("id", "link", "title", "summary", "author")
_RAW_DETAILS = ("title_detail", "summary_detail")


def _raw_hash(entry: Any) -> str:
    """A digest of every field ``_entry_item`` reads, as feedparser gives them (before any text
    extraction): equal digests make equal stories. Prefixed with a version, to change with
    what the fields are read into."""
    get = dict.get  # see _entry_item
    parts: list[Any] = ["1"]
    parts.extend(get(entry, name) for name in _RAW_FIELDS)
    for name in _RAW_DETAILS:
        detail = get(entry, name)
        parts.append(get(detail, "type") if isinstance(detail, dict) else name in entry)
    parts.append([(get(p, "value"), get(p, "type")) for p in get(entry, "content") or () if isinstance(p, dict)])
    parts.append(tuple(get(entry, "published_parsed") or ()))
    parts.append(tuple(get(entry, "updated_parsed") or ()))
    parts.append([get(t, "term") for t in get(entry, "tags") or () if isinstance(t, dict)])
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _entry_item(entry: Any, raw_hash: str | None = None) -> Item:
    # dict.get, not FeedParserDict.get: for these names they answer alike, but FeedParserDict's
    # runs its aliases in Python and raises a KeyError for every missing name (a profile of real
    # feeds put a tenth of the reading here); and its "updated_parsed" answers, with a warning,
    # with published_parsed.
    get = dict.get
    content_raw, content_type = "", "text/html"
    for part in get(entry, "content") or ():
        if get(part, "value"):
            content_raw, content_type = part["value"], get(part, "type") or "text/html"
            break
    content = _typed_text(content_raw, content_type, BODY_LIMIT) if content_raw else ""
    summary = ""
    detail = get(entry, "summary_detail")
    if detail is not None:  # without it, feedparser copied the content into "summary"
        raw = get(entry, "summary") or ""
        summary = content if raw == content_raw else _detail_text(raw, detail, BODY_LIMIT)
    guid = get(entry, "id")
    guid = guid if isinstance(guid, str) else None
    link = get(entry, "link")
    link = link if isinstance(link, str) else None
    if link and link == guid and not is_web_url(link):
        link = None  # a guid that is not a URL, which feedparser offered as the link
    published = utc_from_struct_time(get(entry, "published_parsed") or get(entry, "updated_parsed"))
    title = _detail_text(get(entry, "title"), get(entry, "title_detail"), TITLE_LIMIT)
    author = meta_text(get(entry, "author"), AUTHOR_LIMIT)
    terms = [get(tag, "term") for tag in get(entry, "tags") or () if isinstance(tag, dict)]
    return Item(guid, link, title, summary, content, published, author, tags_of(terms), raw_hash)


def _detail_text(value: Any, detail: Any, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value:
        return ""
    kind = dict.get(detail, "type") if isinstance(detail, dict) else None
    return _typed_text(value, kind or "text/html", limit)


def _typed_text(value: str, kind: str, limit: int | None) -> str:
    if kind == "text/plain":  # feedparser has already decoded its entities
        return clip(clean_text(value), limit)
    return to_plain_text(value, limit)


def _is_syntax_error(problem: Any) -> bool:
    return problem is not None and hasattr(problem, "getLineNumber")


def _not_a_feed(data: bytes, content_type: str, problem: Any, shift: int = 0) -> str:
    head = data[:4096]
    if _HTML_PAGE.search(head) or content_type.split(";")[0].strip().lower() == "text/html":
        return "this URL returned an HTML page, not a feed"
    if _is_syntax_error(problem):
        return "the document is not well-formed XML: " + _syntax_error_words(problem, data, shift)
    if problem is not None:
        return f"the document is not a feed ({_describe_problem(problem, data, False, shift)})"
    return "the document is XML but not an RSS or Atom feed"


def _describe_problem(problem: Any, data: bytes, recovered: bool, shift: int = 0) -> str:
    name = type(problem).__name__
    if _is_syntax_error(problem):
        words = "the document is not well-formed XML (" + _syntax_error_words(problem, data, shift)
        return words + ("); its items were recovered by a lenient parser" if recovered else ")")
    if name == "CharacterEncodingOverride":
        found = _ENCODING_OVERRIDE.search(str(problem))
        if found:
            return f"declared {found.group(1)} but decoded as {found.group(2)}"
    if name == "NonXMLContentType":
        media = str(problem).removesuffix(" is not an XML media type")
        return f"the server labelled the feed {media}, which is not an XML media type"
    return str(problem) or name


def _syntax_error_words(problem: Any, data: bytes, shift: int = 0) -> str:
    line = problem.getLineNumber()
    column = problem.getColumnNumber()
    if isinstance(line, int) and line > 1 and not _declares_xml(data):
        line -= 1  # feedparser put an XML declaration line in front of the document
    if isinstance(line, int):
        line += shift
    return f"{problem.getMessage()} at line {line}, column {column}"


def _declares_xml(data: bytes) -> bool:
    data = _strip_bom(data)
    return any(
        data.startswith("<?xml".encode(encoding))
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    )


def _declaration_first(body: bytes) -> bytes:
    """The document without blank lines or spaces in front of its XML declaration (many
    publishers' templates emit a newline first). XML allows nothing before the declaration, so
    feedparser's strict parser refuses such a document, and the lenient parser it falls back to
    reads the same items slower and under a warning about a feed that is fine. Only for
    ASCII-compatible bytes (with or without a UTF-8 byte order mark)."""
    bom = b"\xef\xbb\xbf" if body.startswith(b"\xef\xbb\xbf") else b""
    rest = body[len(bom) :]
    if rest[:1] not in (b" ", b"\t", b"\r", b"\n"):
        return body
    stripped = rest.lstrip(b" \t\r\n")
    return bom + stripped if stripped.startswith(b"<?xml") else body


def _strip_bom(body: bytes) -> bytes:
    for bom in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :]
    return body
