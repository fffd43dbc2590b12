"""What every feed format is read into before it becomes a ``Story``: one item's fields as plain
text within fixed caps (``Item``), the rules that turn items into stories (key, canonical link,
summary vs body, a title for an untitled item), and the result of reading one document
(``ParsedFeed``). Shared by the RSS/Atom reader (``feed``) and the JSON Feed reader
(``jsonfeed``); it reads no format itself and imports no parsing library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.models import Story
from bot.core.text import clean_text
from bot.parse.keys import story_key
from bot.parse.links import absolute_web_link
from bot.parse.plaintext import clip

TITLE_LIMIT = 1_000
SUMMARY_LIMIT = 5_000
BODY_LIMIT = 20_000
UNTITLED_LIMIT = 140  # a story without a title is headed by the start of its summary
AUTHOR_LIMIT = 300
TAG_LIMIT = 100  # characters of one tag
TAGS_LIMIT = 50  # tags kept per story


@dataclass(frozen=True)
class ParsedFeed:
    """What one fetched document held."""

    title: str | None
    stories: tuple[Story, ...]  # in document order
    ttl_seconds: int | None  # RSS <ttl> (minutes in the document) in seconds
    warnings: tuple[str, ...]  # plain-words notes about problems that did not stop parsing
    # the digests of each story's item as the feed gave it, by story key: one or more, separated
    # by a space (RSS and Atom: of its fields as feedparser reads them, then of its bytes)
    raw_hashes: Mapping[str, str] = field(default_factory=dict)
    # the keys of items left out because the store already had them unchanged (``known`` digests)
    unchanged: frozenset[str] = frozenset()
    # digests to record for unchanged stories that the store knows by an older digest only
    renewed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """One item's fields as plain text, each at most BODY_LIMIT long (clipped again per field)."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    published: datetime | None
    author: str = ""
    tags: tuple[str, ...] = ()
    raw_hash: str | None = None  # digests of what this item was read from (see ParsedFeed)


def meta_text(value: Any, limit: int) -> str:
    """An author or a tag: plain text on one line (feeds put neither markup nor lines in them)."""
    return clip(clean_text(value), limit) if isinstance(value, str) else ""


def tags_of(values: Any) -> tuple[str, ...]:
    """An item's categories or tags: text, each once (case aside), in order, within the caps."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        return ()
    seen: dict[str, str] = {}
    for value in values:
        tag = meta_text(value, TAG_LIMIT)
        if tag and len(seen) < TAGS_LIMIT:
            seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def ttl_seconds(value: Any, warnings: list[str]) -> int | None:
    if value is None:
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        warnings.append(f"ignored an unreadable <ttl> ({str(value)[:40]!r})")
        return None
    return minutes * 60 if 0 < minutes <= 525_600 else None


def stories_with_raw(
    items: list[Item], feed_url: str, source: str, warnings: list[str]
) -> tuple[tuple[Story, ...], dict[str, str]]:
    """Stories for the items that have something to show (broken markup can leave phantom
    items with no title, text or link; they would all share one key, so they are skipped), with
    the raw digest of each story's item by story key (the first item of a key gives it, as the
    store keeps the first story of a key)."""
    pairs = [(story_of(item, feed_url=feed_url, source=source), item.raw_hash) for item in items]
    shown = [(s, raw) for s, raw in pairs if s.title or s.summary or s.body or s.link]
    if len(shown) < len(pairs):
        warnings.append(f"skipped {len(pairs) - len(shown)} item(s) with no title, text or link")
    raw_hashes: dict[str, str] = {}
    for story, raw in shown:
        if raw is not None:
            raw_hashes.setdefault(story.key, raw)
    return tuple(s for s, _ in shown), raw_hashes


def changed_stories(
    items: list[Item], unchanged: set[str], feed_url: str, source: str, warnings: list[str]
) -> tuple[tuple[Story, ...], dict[str, str]]:
    """``stories_with_raw`` for the items read in full, without the stories whose key an
    unchanged item (left out before reading) already has: the store keeps that key's story."""
    stories, raw_hashes = stories_with_raw(items, feed_url, source, warnings)
    if unchanged:
        stories = tuple(s for s in stories if s.key not in unchanged)
        raw_hashes = {key: raw for key, raw in raw_hashes.items() if key not in unchanged}
    return stories, raw_hashes


def story_of(item: Item, *, feed_url: str, source: str) -> Story:
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


