"""Frozen records that cross module boundaries. No library object ever leaves its adapter;
these are what the stages hand each other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.access import FeedAccess

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
FIELDS: tuple[str, ...] = ("title", "summary", "body")  # the story's text: what unscoped terms read
# What the feed says about a story, read only by a query scope of that name (source:, author:,
# url:, tag:): the feed's name, the item's author, its link, and its categories or tags.
META_FIELDS: tuple[str, ...] = ("source", "author", "url", "tag")
ALL_FIELDS: tuple[str, ...] = FIELDS + META_FIELDS


@dataclass(frozen=True)
class Feed:
    """A feed as configured in rules.yaml."""

    url: str
    name: str
    interval: float  # seconds between polls (before adaptive adjustment)
    access: FeedAccess | None = None  # headers: and auth: (private feeds); secrets stay in the environment


@dataclass(frozen=True)
class Story:
    """One news item, normalised. ``key`` is stable across polls: guid, else canonical link,
    else a hash of the title. Text fields are plain text (no HTML, entities decoded)."""

    key: str
    feed_url: str
    source: str
    title: str
    summary: str
    link: str | None = None
    published: datetime | None = None  # timezone-aware UTC, None when missing or unreadable
    body: str = ""
    author: str = ""  # the item's author(s) as the feed gives them ("" when none)
    tags: tuple[str, ...] = ()  # the item's categories or tags, in document order, each once


@dataclass(frozen=True)
class Span:
    """Where a term matched: a field and a character span within that field's text."""

    field: str
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """A query term that fired (as written in the query, e.g. ``{ICE}``) and where."""

    term: str
    span: Span
    text: str  # the story text covered by the span


@dataclass(frozen=True)
class Match:
    """A rule that matched a story, with the evidence."""

    rule_id: str
    category: str
    severity: str
    channel: str
    description: str = ""
    hits: tuple[Hit, ...] = ()
    note: str = ""  # extra explanation (e.g. from the semantic layer)

    @property
    def terms(self) -> tuple[str, ...]:
        """The distinct story words that fired, in order of first appearance."""
        seen: dict[str, None] = {}
        for hit in self.hits:
            seen.setdefault(hit.text, None)
        return tuple(seen)


@dataclass(frozen=True)
class Alert:
    """A queued message for one channel about one story.

    ``kind`` is ``new`` (a top-level alert), ``also`` (another outlet's report, posted in the
    thread of the first), ``followup`` (a report of the same event 12 h or more later, posted
    in the thread and to the channel) or ``update`` (the story's text changed; a thread note).
    """

    id: int
    story: Story
    channel: str
    matches: tuple[Match, ...]
    kind: str = "new"
    thread_ts: str | None = None
    attempts: int = 0
    created_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class RuleSemantic:
    """A rule's ``semantic:`` key: the category whose score counts (default: the rule's),
    the score it requires (``min``) and its own veto threshold (``veto_below``; 0 turns the
    global veto off for this rule, None keeps the global one)."""

    category: str | None = None
    min: float | None = None
    veto_below: float | None = None


@dataclass(frozen=True)
class Neighbour:
    """A labelled example close to a story: its title, labels and cosine similarity."""

    title: str
    labels: tuple[str, ...]
    similarity: float


@dataclass(frozen=True)
class SemanticScores:
    """What the semantic layer says about one story: a probability per category, the nearest
    labelled example overall, and the nearest example labelled with each category."""

    scores: Mapping[str, float]
    nearest: Neighbour | None = None
    nearest_in: Mapping[str, Neighbour] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """A rule from rules.yaml, validated but not compiled (rules/query.py compiles it)."""

    id: str
    category: str
    query: str
    description: str = ""
    exclude: str | None = None
    severity: str = "medium"
    channel: str | None = None  # None: settings.default_channel
    enabled: bool = True
    semantic: RuleSemantic | None = None  # rule-level use of the semantic layer
    feeds: tuple[str, ...] = ()  # feed names or URL globs the rule is limited to; () = every feed
