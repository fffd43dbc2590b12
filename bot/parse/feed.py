"""Fetched bytes and response headers in, ``Story`` records out: the feedparser adapter.

What it does: reads RSS 0.9x/1.0/2.0 and Atom through feedparser (after ``xmlguard`` has removed
any entity declarations), and JSON Feed 1.0/1.1 (plus Dave Winer's RSS-in-JSON) by hand. Plain
RSS 2.0 that ``plainrss`` reads with exactly feedparser's result skips feedparser's slower parser
(its dates go through ``dates.feed_date``, which reads them as feedparser does or declines, and
then feedparser reads the document); everything else goes to feedparser. Every
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

import html
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser

from bot.core.errors import FeedParseError
from bot.core.models import Story
from bot.core.text import clean_text
from bot.parse.dates import UnknownDate, feed_date, utc_from_struct_time, utc_from_text
from bot.parse.keys import story_key
from bot.parse.links import absolute_web_link, canonical_link, is_web_url
from bot.parse.plainrss import RssEntry, read_rss
from bot.parse.plaintext import clip, to_plain_text
from bot.parse.xmlguard import strip_entity_declarations

__all__ = ["ParsedFeed", "canonical_link", "parse_feed", "story_key", "to_plain_text"]

TITLE_LIMIT = 1_000
SUMMARY_LIMIT = 5_000
BODY_LIMIT = 20_000
UNTITLED_LIMIT = 140  # a story without a title is headed by the start of its summary
AUTHOR_LIMIT = 300
TAG_LIMIT = 100  # characters of one tag
TAGS_LIMIT = 50  # tags kept per story

_JSON_FEED_VERSION = re.compile(r"https?://jsonfeed\.org/version/")
_HTML_PAGE = re.compile(rb"<!doctype\s+html|<html[\s>]", re.I)
_ENCODING_OVERRIDE = re.compile(r"declared as (\S+), but parsed as (\S+)")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class ParsedFeed:
    """What one fetched document held."""

    title: str | None
    stories: tuple[Story, ...]  # in document order
    ttl_seconds: int | None  # RSS <ttl> (minutes in the document) in seconds
    warnings: tuple[str, ...]  # plain-words notes about problems that did not stop parsing


@dataclass(frozen=True)
class _Item:
    """One item's fields as plain text, each at most BODY_LIMIT long (clipped again per field)."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    published: datetime | None
    author: str = ""
    tags: tuple[str, ...] = ()


def parse_feed(
    body: bytes, *, feed_url: str, source: str, headers: Mapping[str, str] | None = None
) -> ParsedFeed:
    """Stories from a fetched feed document, in document order.

    ``headers`` are the HTTP response headers (any case); the Content-Type charset is honoured.
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
    if _looks_like_json(start, content_type):
        return _parse_json(body, feed_url, source)
    return _parse_xml(body, feed_url, source, content_type)


# --- RSS and Atom, through feedparser ---------------------------------------------------------


def _parse_xml(
    body: bytes, feed_url: str, source: str, content_type: str, *, fast: bool = True
) -> ParsedFeed:
    warnings: list[str] = []
    data, removed = strip_entity_declarations(body, content_type)
    if removed:
        warnings.append("removed the document's inline DTD; its entity declarations are ignored")
    result = _fast_result(data, content_type) if fast else None
    if result is None:
        try:
            result = feedparser.parse(
                io.BytesIO(data),  # a file object: bytes could be taken for a local file name
                response_headers={"content-type": content_type} if content_type else None,
                sanitize_html=False,
                resolve_relative_uris=False,
            )
        except Exception as exc:  # feedparser is third-party code fed untrusted bytes
            raise FeedParseError(f"feedparser could not read the document ({exc!r})") from exc
    entries = result.get("entries") or []
    stories = _stories([_entry_item(entry) for entry in entries], feed_url, source, warnings)
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if not stories and (not result.get("version") or _is_syntax_error(problem)):
        raise FeedParseError(_not_a_feed(data, content_type, problem))
    if problem is not None:
        warnings.insert(0, _describe_problem(problem, data, recovered=bool(stories)))
    feed = result.get("feed") or {}
    title = _detail_text(feed.get("title"), feed.get("title_detail"), TITLE_LIMIT) or None
    return ParsedFeed(title, stories, _ttl_seconds(feed.get("ttl"), warnings), tuple(warnings))


def _parse_xml_feedparser(body: bytes, feed_url: str, source: str, content_type: str) -> ParsedFeed:
    """``_parse_xml`` without the fast path: what the fast path must always equal (for tests)."""
    return _parse_xml(body, feed_url, source, content_type, fast=False)


def _fast_result(data: bytes, content_type: str) -> dict[str, Any] | None:
    """What feedparser.parse would return, in the parts read below, for a plain RSS document
    that ``rssfast`` can read exactly; None when it cannot (then feedparser reads it)."""
    feed = read_rss(data, content_type)
    if feed is None:
        return None
    try:  # a date feed_date cannot read exactly as feedparser would: let feedparser read it all
        for value in feed.channel_dates:
            feed_date(value)
        entries = [_fast_entry(entry) for entry in feed.entries]
    except UnknownDate:
        return None
    channel: dict[str, Any] = {}
    if feed.title is not None:
        channel["title"] = feed.title
        channel["title_detail"] = {"type": feed.title_type}
    if feed.ttl is not None:
        channel["ttl"] = feed.ttl
    return {"version": "rss", "bozo": False, "entries": entries, "feed": channel}


def _fast_entry(entry: RssEntry) -> dict[str, Any]:
    """A plain-dict stand-in for the FeedParserDict feedparser would build for this item."""
    out: dict[str, Any] = {}
    if entry.title is not None:
        out["title"] = entry.title
        out["title_detail"] = {"type": entry.title_type}
    if entry.summary is not None:
        out["summary"] = entry.summary
        out["summary_detail"] = {"type": "text/html"}
    if entry.content is not None:
        out["content"] = [{"type": "text/html", "value": entry.content}]
    if entry.guid is not None:
        out["id"] = entry.guid
    if entry.link is not None:
        out["link"] = entry.link
    if entry.published is not None:
        out["published_parsed"] = feed_date(entry.published)
    if entry.updated is not None:
        out["updated_parsed"] = feed_date(entry.updated)
    if entry.author is not None:
        out["author"] = entry.author
    if entry.tags:
        out["tags"] = [{"term": term} for term in entry.tags]
    return out


def _entry_item(entry: Any) -> _Item:
    content_raw, content_type = "", "text/html"
    for part in entry.get("content") or ():
        if part.get("value"):
            content_raw, content_type = part["value"], part.get("type") or "text/html"
            break
    content = _typed_text(content_raw, content_type, BODY_LIMIT) if content_raw else ""
    summary = ""
    if "summary_detail" in entry:  # without it, feedparser copied the content into "summary"
        raw = entry.get("summary") or ""
        summary = (
            content
            if raw == content_raw
            else _detail_text(raw, entry["summary_detail"], BODY_LIMIT)
        )
    guid = entry.get("id") if isinstance(entry.get("id"), str) else None
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    if link and link == guid and not is_web_url(link):
        link = None  # a guid that is not a URL, which feedparser offered as the link
    # dict.get: FeedParserDict.get("updated_parsed") warns and answers with published_parsed
    published = utc_from_struct_time(
        dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    )
    title = _detail_text(entry.get("title"), entry.get("title_detail"), TITLE_LIMIT)
    author = _meta_text(entry.get("author"), AUTHOR_LIMIT)
    terms = [tag.get("term") for tag in entry.get("tags") or () if isinstance(tag, Mapping)]
    return _Item(guid, link, title, summary, content, published, author, _tags(terms))


def _meta_text(value: Any, limit: int) -> str:
    """An author or a tag: plain text on one line (feeds put neither markup nor lines in them)."""
    return clip(clean_text(value), limit) if isinstance(value, str) else ""


def _tags(values: Any) -> tuple[str, ...]:
    """An item's categories or tags: text, each once (case aside), in order, within the caps."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        return ()
    seen: dict[str, str] = {}
    for value in values:
        tag = _meta_text(value, TAG_LIMIT)
        if tag and len(seen) < TAGS_LIMIT:
            seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def _detail_text(value: Any, detail: Any, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value:
        return ""
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    return _typed_text(value, kind or "text/html", limit)


def _typed_text(value: str, kind: str, limit: int | None) -> str:
    if kind == "text/plain":  # feedparser has already decoded its entities
        return clip(clean_text(value), limit)
    return to_plain_text(value, limit)


def _is_syntax_error(problem: Any) -> bool:
    return problem is not None and hasattr(problem, "getLineNumber")


def _not_a_feed(data: bytes, content_type: str, problem: Any) -> str:
    head = data[:4096]
    if _HTML_PAGE.search(head) or content_type.split(";")[0].strip().lower() == "text/html":
        return "this URL returned an HTML page, not a feed"
    if _is_syntax_error(problem):
        return "the document is not well-formed XML: " + _syntax_error_words(problem, data)
    if problem is not None:
        return f"the document is not a feed ({_describe_problem(problem, data, False)})"
    return "the document is XML but not an RSS or Atom feed"


def _describe_problem(problem: Any, data: bytes, recovered: bool) -> str:
    name = type(problem).__name__
    if _is_syntax_error(problem):
        words = "the document is not well-formed XML (" + _syntax_error_words(problem, data)
        return words + ("); its items were recovered by a lenient parser" if recovered else ")")
    if name == "CharacterEncodingOverride":
        found = _ENCODING_OVERRIDE.search(str(problem))
        if found:
            return f"declared {found.group(1)} but decoded as {found.group(2)}"
    if name == "NonXMLContentType":
        media = str(problem).removesuffix(" is not an XML media type")
        return f"the server labelled the feed {media}, which is not an XML media type"
    return str(problem) or name


def _syntax_error_words(problem: Any, data: bytes) -> str:
    line = problem.getLineNumber()
    column = problem.getColumnNumber()
    if isinstance(line, int) and line > 1 and not _declares_xml(data):
        line -= 1  # feedparser put an XML declaration line in front of the document
    return f"{problem.getMessage()} at line {line}, column {column}"


def _declares_xml(data: bytes) -> bool:
    data = _strip_bom(data)
    return any(
        data.startswith("<?xml".encode(encoding))
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    )


def _ttl_seconds(value: Any, warnings: list[str]) -> int | None:
    if value is None:
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        warnings.append(f"ignored an unreadable <ttl> ({str(value)[:40]!r})")
        return None
    return minutes * 60 if 0 < minutes <= 525_600 else None


# --- JSON Feed (and RSS-in-JSON), by hand -----------------------------------------------------


def _looks_like_json(start: bytes, content_type: str) -> bool:
    if start.startswith(b"{"):
        return True
    media = content_type.split(";")[0].strip().lower()
    json_type = media in ("application/feed+json", "application/json") or media.endswith("+json")
    return json_type and not start.startswith(b"<")


def _parse_json(body: bytes, feed_url: str, source: str) -> ParsedFeed:
    warnings: list[str] = []
    encoding = json.detect_encoding(body)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        text = body.decode(encoding, errors="replace")
        warnings.append(f"the JSON is not valid {encoding}; unreadable bytes were replaced")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"at line {exc.lineno}, column {exc.colno}"
        raise FeedParseError(
            f"the JSON is malformed: {exc.msg.removesuffix(' at')} {where}"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise FeedParseError(f"the JSON cannot be read: {exc}") from exc
    if not isinstance(document, dict):
        raise FeedParseError("the document is JSON but not a JSON Feed (it is not an object)")
    version = document.get("version")
    if isinstance(version, str) and _JSON_FEED_VERSION.match(version):
        items, title, ttl = document.get("items"), document.get("title"), None
        make_item = _json_feed_item
    elif isinstance(document.get("rss"), dict) and isinstance(document["rss"].get("channel"), dict):
        channel = document["rss"]["channel"]
        items, title, ttl = channel.get("item"), channel.get("title"), channel.get("ttl")
        items = [items] if isinstance(items, dict) else items
        make_item = _rss_json_item
    else:
        raise FeedParseError(
            "the document is JSON but not a JSON Feed (no version https://jsonfeed.org/version/…)"
        )
    if not isinstance(items, list):
        warnings.append("the feed has no list of items")
        items = []
    read: list[_Item] = []
    for number, raw in enumerate(items, start=1):
        if isinstance(raw, dict):
            read.append(make_item(raw))
        else:
            warnings.append(f"item {number} is not a JSON object; skipped")
    stories = _stories(read, feed_url, source, warnings)
    feed_title = clip(_json_text(title), TITLE_LIMIT)
    return ParsedFeed(feed_title or None, stories, _ttl_seconds(ttl, warnings), tuple(warnings))


def _json_feed_item(raw: dict[str, Any]) -> _Item:
    content = clip(_json_text(raw.get("content_text")), BODY_LIMIT)
    if not content:
        content = to_plain_text(_json_str(raw.get("content_html")) or "", BODY_LIMIT)
    return _Item(
        guid=_json_str(raw.get("id")),
        link=_json_str(raw.get("url")) or _json_str(raw.get("external_url")),
        title=clip(_json_text(raw.get("title")), TITLE_LIMIT),
        summary=clip(_json_text(raw.get("summary")), SUMMARY_LIMIT),
        content=content,
        published=utc_from_text(raw.get("date_published"))
        or utc_from_text(raw.get("date_modified")),
        author=_json_authors(raw),
        tags=_tags(raw.get("tags")),
    )


def _json_authors(raw: dict[str, Any]) -> str:
    """JSON Feed 1.1 ``authors`` (a list), else 1.0 ``author``: their names, comma separated."""
    people = raw.get("authors")
    if not isinstance(people, list):
        people = [raw.get("author")]
    names = (_json_text(p.get("name")) for p in people if isinstance(p, dict))
    return _meta_text(", ".join(n for n in names if n), AUTHOR_LIMIT)


def _json_text(value: Any) -> str:
    """A JSON Feed plain-text field. Publishers often escape it as if it were HTML (``&amp;``,
    ``&#039;``), so entities are decoded; tags are kept, since ``<i>`` may be the subject."""
    text = _json_str(value)
    return clean_text(html.unescape(text)) if text else ""


def _rss_json_item(raw: dict[str, Any]) -> _Item:
    guid = raw.get("guid")
    if isinstance(guid, dict):
        guid = guid.get("#value")
    return _Item(
        guid=_json_str(guid),
        link=_json_str(raw.get("link")),
        title=to_plain_text(_json_str(raw.get("title")) or "", TITLE_LIMIT),
        summary=to_plain_text(_json_str(raw.get("description")) or "", BODY_LIMIT),
        content="",
        published=utc_from_text(raw.get("pubDate")),
        author=_meta_text(_json_str(raw.get("author")) or "", AUTHOR_LIMIT),
        tags=_tags(raw.get("category")),
    )


def _json_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


# --- shared -----------------------------------------------------------------------------------


def _stories(
    items: list[_Item], feed_url: str, source: str, warnings: list[str]
) -> tuple[Story, ...]:
    """Stories for the items that have something to show (broken markup can leave phantom
    items with no title, text or link; they would all share one key, so they are skipped)."""
    stories = tuple(_story(item, feed_url=feed_url, source=source) for item in items)
    shown = tuple(s for s in stories if s.title or s.summary or s.body or s.link)
    if len(shown) < len(stories):
        warnings.append(f"skipped {len(stories) - len(shown)} item(s) with no title, text or link")
    return shown


def _story(item: _Item, *, feed_url: str, source: str) -> Story:
    summary = clip(item.summary or item.content, SUMMARY_LIMIT)
    # the body holds what the summary could not: the content, or a description too long for it
    full = item.content or item.summary
    body = clip(full, BODY_LIMIT) if full and full != summary else ""
    title = item.title or clip(summary or body, UNTITLED_LIMIT)
    link = absolute_web_link(item.link, feed_url)
    return Story(
        key=story_key(item.guid, link, title),
        feed_url=feed_url,
        source=source,
        title=title,
        summary=summary,
        link=link,
        published=item.published,
        body=body,
        author=item.author,
        tags=item.tags,
    )


def _strip_bom(body: bytes) -> bytes:
    for bom in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :]
    return body
