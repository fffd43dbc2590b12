"""JSON Feed 1.0/1.1 and Dave Winer's RSS-in-JSON, read by hand into ``Item`` records and then
stories (``parse_json``); ``looks_like_json`` tells a JSON document from XML by its first bytes
and Content-Type. Malformed or foreign JSON raises ``FeedParseError`` in plain words. No
third-party library: the standard library's json.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.core.errors import FeedParseError
from bot.core.text import clean_text
from bot.parse.dates import utc_from_text
from bot.parse.items import (
    AUTHOR_LIMIT,
    BODY_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    Item,
    ParsedFeed,
    changed_stories,
    meta_text,
    tags_of,
    ttl_seconds,
)
from bot.parse.plaintext import clip, to_plain_text

_JSON_FEED_VERSION = re.compile(r"https?://jsonfeed\.org/version/")


def looks_like_json(start: bytes, content_type: str) -> bool:
    if start.startswith(b"{"):
        return True
    media = content_type.split(";")[0].strip().lower()
    json_type = media in ("application/feed+json", "application/json") or media.endswith("+json")
    return json_type and not start.startswith(b"<")


def parse_json(body: bytes, feed_url: str, source: str, known: Mapping[str, str] | None = None) -> ParsedFeed:
    """Stories from a JSON Feed (or RSS written as JSON); ``known``: as ``parse_feed`` says, the
    digest being of the item's JSON object."""
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
    read: list[Item] = []
    unchanged: set[str] = set()
    known = known or {}
    for number, raw in enumerate(items, start=1):
        if isinstance(raw, dict):
            digest = _raw_hash(make_item.__name__, raw)
            if digest in known:
                unchanged.add(known[digest])
            else:
                read.append(replace(make_item(raw), raw_hash=digest))
        else:
            warnings.append(f"item {number} is not a JSON object; skipped")
    stories, raw_hashes = changed_stories(read, unchanged, feed_url, source, warnings)
    feed_title = clip(_json_text(title), TITLE_LIMIT)
    ttl_s = ttl_seconds(ttl, warnings)
    return ParsedFeed(feed_title or None, stories, ttl_s, tuple(warnings), raw_hashes, frozenset(unchanged))


def _raw_hash(reader: str, raw: dict[str, Any]) -> str:
    """A digest of an item's JSON object (and of the reader it goes through, with a version)."""
    text = "1 " + reader + " " + json.dumps(raw, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _json_feed_item(raw: dict[str, Any]) -> Item:
    content = clip(_json_text(raw.get("content_text")), BODY_LIMIT)
    if not content:
        content = to_plain_text(_json_str(raw.get("content_html")) or "", BODY_LIMIT)
    return Item(
        guid=_json_str(raw.get("id")),
        link=_json_str(raw.get("url")) or _json_str(raw.get("external_url")),
        title=clip(_json_text(raw.get("title")), TITLE_LIMIT),
        summary=clip(_json_text(raw.get("summary")), SUMMARY_LIMIT),
        content=content,
        published=utc_from_text(raw.get("date_published"))
        or utc_from_text(raw.get("date_modified")),
        author=_json_authors(raw),
        tags=tags_of(raw.get("tags")),
    )


def _json_authors(raw: dict[str, Any]) -> str:
    """JSON Feed 1.1 ``authors`` (a list), else 1.0 ``author``: their names, comma separated."""
    people = raw.get("authors")
    if not isinstance(people, list):
        people = [raw.get("author")]
    names = (_json_text(p.get("name")) for p in people if isinstance(p, dict))
    return meta_text(", ".join(n for n in names if n), AUTHOR_LIMIT)


def _json_text(value: Any) -> str:
    """A JSON Feed plain-text field. Publishers often escape it as if it were HTML (``&amp;``,
    ``&#039;``), so entities are decoded; tags are kept, since ``<i>`` may be the subject."""
    text = _json_str(value)
    return clean_text(html.unescape(text)) if text else ""


def _rss_json_item(raw: dict[str, Any]) -> Item:
    guid = raw.get("guid")
    if isinstance(guid, dict):
        guid = guid.get("#value")
    return Item(
        guid=_json_str(guid),
        link=_json_str(raw.get("link")),
        title=to_plain_text(_json_str(raw.get("title")) or "", TITLE_LIMIT),
        summary=to_plain_text(_json_str(raw.get("description")) or "", BODY_LIMIT),
        content="",
        published=utc_from_text(raw.get("pubDate")),
        author=meta_text(_json_str(raw.get("author")) or "", AUTHOR_LIMIT),
        tags=tags_of(raw.get("category")),
    )


def _json_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


