"""The poll tick's unit of work: check a feed (fetch → parse → match → store + queue alerts), and
poll every due feed concurrently. Delivering what was queued is ``flow.delivery``'s job.

A tick leases the due feeds (store/leases.py) a few at a time, as the fetcher has room for
them, and releases each lease when the feed's check is recorded: replicas on one database
therefore split the due feeds between them and check each once (flow/replicas.py).

This module wires the stages together; it holds no library objects and no schedule. A feed
that fails is recorded and backed off; one bad feed never stops the others. An exception that
is not one of ours is a bug: logged as critical with the feed it happened on, then the loop
goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bot.core.access import FeedAccess
from bot.core.errors import FeedParseError, FetchError
from bot.core.models import SemanticScores, Story
from bot.core.settings import Config
from bot.fetch.client import Fetcher, FetchLimits
from bot.flow.replicas import replica_id
from bot.flow.timing import failure_backoff, next_interval, server_hint
from bot.observe.logs import event, get_logger
from bot.observe.metrics import Metrics
from bot.parse.runner import FeedParser
from bot.rules.match import RuleSet
from bot.semantic.judge import judge_story, score_stories_async
from bot.store.database import Candidate, FeedState, Store

log = get_logger("pipeline")
LEASE_AHEAD = 4  # feeds leased per poll, in units of settings.concurrency (see _poll_leased)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def fetch_limits(config: Config) -> FetchLimits:
    """The fetcher's limits as rules.yaml sets them."""
    s = config.settings
    return FetchLimits(
        total_timeout=s.fetch_timeout,
        max_bytes=s.max_body_bytes,
        allow_private=s.allow_private_addresses,
        concurrency=s.concurrency,
        per_host=s.per_host,
    )


@dataclass
class Context:
    """What a unit of work needs. ``ruleset`` is swapped when rules.yaml is reloaded."""

    config: Config
    ruleset: RuleSet
    store: Store
    metrics: Metrics = field(default_factory=Metrics)
    clock: Clock = utcnow
    rng: random.Random = field(default_factory=random.Random)
    parser: FeedParser = field(default_factory=FeedParser)
    replica: str = field(default_factory=lambda: replica_id(os.environ))  # who holds this process's leases
    _access: tuple[Config, dict[str, FeedAccess]] | None = field(default=None, repr=False)

    def access_for(self, url: str) -> FeedAccess | None:
        """The ``headers:``/``auth:`` rules.yaml gives the feed ``url`` (None for most feeds)."""
        if self._access is None or self._access[0] is not self.config:
            self._access = (self.config, {f.url: f.access for f in self.config.feeds if f.access})
        return self._access[1].get(url)


@dataclass(frozen=True)
class CheckOutcome:
    url: str
    ok: bool
    new_stories: int = 0
    alerts_queued: int = 0
    error: str | None = None


def content_hash(title: str, summary: str) -> str:
    return hashlib.sha1(f"{title}\n{summary}".encode("utf-8", "surrogatepass")).hexdigest()


async def check_feed(ctx: Context, fetcher: Fetcher, feed: FeedState) -> CheckOutcome:
    """Check one feed; never raises (failures are recorded on the feed)."""
    try:
        return await _check_feed(ctx, fetcher, feed)
    except (FetchError, FeedParseError) as exc:
        kind = exc.kind if isinstance(exc, FetchError) else "parse"
        retry_after = exc.retry_after if isinstance(exc, FetchError) else None
        return _record_failure(ctx, feed, kind, str(exc), retry_after)
    except Exception as exc:  # a bug, not bad input: say so loudly and keep going
        event(log, "feed_check_crashed", logging.CRITICAL, exc_info=True, url=feed.url)
        return _record_failure(ctx, feed, "internal", f"internal error (a bug, please report it): {exc!r}", None)


def _record_failure(ctx: Context, feed: FeedState, kind: str, message: str, retry_after: float | None) -> CheckOutcome:
    now = ctx.clock()
    s = ctx.config.settings
    delay = failure_backoff(
        feed.interval, feed.error_count + 1, retry_after=retry_after, max_interval=s.max_interval, rng=ctx.rng
    )
    count = ctx.store.record_failure(
        feed.url, now=now, kind=kind, message=message, next_check=now + timedelta(seconds=delay)
    )
    ctx.metrics.polls.labels("error").inc()
    ctx.metrics.fetch_errors.labels(kind).inc()
    event(
        log,
        "feed_failed",
        logging.WARNING,
        url=feed.url,
        kind=kind,
        error=message,
        error_count=count,
        retry_in=round(delay),
    )
    return CheckOutcome(feed.url, False, error=message)


async def _check_feed(ctx: Context, fetcher: Fetcher, feed: FeedState) -> CheckOutcome:
    s = ctx.config.settings
    result = await fetcher.fetch(
        feed.fetch_url,
        etag=feed.etag,
        last_modified=feed.last_modified,
        access=ctx.access_for(feed.url),
        own_url=feed.url,
    )
    now = ctx.clock()
    if result.moved_to:
        event(log, "feed_moved", url=feed.url, new_url=result.moved_to)

    def schedule(hint_ttl: int | None = None, new: int = 0) -> datetime:
        hint = server_hint(result.headers, now, hint_ttl)
        last_new = now.timestamp() if new else feed.last_new_story_at
        seconds = next_interval(
            feed.interval,
            now=now,
            last_new_story_at=last_new,
            hint=hint,
            min_interval=s.min_interval,
            max_interval=s.max_interval,
        )
        return now + timedelta(seconds=seconds)

    if result.not_modified or result.body is None:
        ctx.store.record_check(feed.url, now=now, next_check=schedule(), moved_to=result.moved_to)
        ctx.metrics.polls.labels("not_modified").inc()
        event(log, "feed_not_modified", logging.DEBUG, url=feed.url)
        return CheckOutcome(feed.url, True)
    body_hash = hashlib.sha256(result.body).hexdigest()
    if body_hash == feed.body_hash:
        ctx.store.record_check(
            feed.url,
            now=now,
            next_check=schedule(),
            etag=result.etag,
            last_modified=result.last_modified,
            moved_to=result.moved_to,
        )
        ctx.metrics.polls.labels("unchanged").inc()
        return CheckOutcome(feed.url, True)

    # the items the store already has, as the feed gave them, are not read into stories again
    known_raw = ctx.store.known_raw(feed.url) if feed.body_hash is not None else None
    parsed = await ctx.parser.parse(
        result.body, feed_url=feed.url, source=feed.name, headers=result.headers, known=known_raw
    )
    # Only new and edited stories are matched, so only they are scored (None without semantic:).
    known = ctx.store.known_hashes(feed.url, [s.key for s in parsed.stories])
    scores = None
    if ctx.config.semantic is not None:
        since = alert_since(feed, now, ctx.config.settings.lookback, ctx.config.settings.retention)
        changed = [s for s in parsed.stories if known.get(s.key) != content_hash(s.title, s.summary)]
        scorable = may_alert(changed, since, first_poll=feed.first_polled_at is None)
        scores = await score_stories_async(ctx.config, scorable)
    outcome = store_stories(ctx, feed, parsed.stories, now, scores, known=known, raw_hashes=parsed.raw_hashes)
    ctx.store.record_check(
        feed.url,
        now=now,
        next_check=schedule(parsed.ttl_seconds, outcome.new_stories),
        etag=result.etag,
        last_modified=result.last_modified,
        body_hash=body_hash,
        moved_to=result.moved_to,
        new_stories=outcome.new_stories,
    )
    ctx.metrics.polls.labels("parsed").inc()
    event(
        log,
        "feed_checked",
        url=feed.url,
        stories=len(parsed.stories) + len(parsed.unchanged),
        unchanged=len(parsed.unchanged),
        new=outcome.new_stories,
        alerts=outcome.alerts_queued,
        warnings="; ".join(parsed.warnings) or None,
    )
    return outcome


def alert_since(feed: FeedState, now: datetime, lookback: float, retention: float) -> datetime:
    """The oldest publication time that may still alert: ``lookback`` on a feed's first poll
    (older stories are recorded as seen), ``retention`` afterwards."""
    return now - timedelta(seconds=lookback if feed.first_polled_at is None else retention)


def can_alert(story: Story, since: datetime, *, first_poll: bool) -> bool:
    """Whether a new story may still alert: on a feed's first poll, an undated story or one
    published before ``since`` is only recorded as seen (the store decides the same way)."""
    return not first_poll or (story.published is not None and story.published >= since)


def may_alert(stories: Sequence[Story], since: datetime, *, first_poll: bool) -> list[Story]:
    """The stories that can still alert, so the semantic layer scores no others."""
    return [s for s in stories if can_alert(s, since, first_poll=first_poll)]


def store_stories(
    ctx: Context,
    feed: FeedState,
    stories: Sequence[Story],
    now: datetime,
    scores: Mapping[str, SemanticScores] | None = None,
    *,
    known: Mapping[str, str] | None = None,
    raw_hashes: Mapping[str, str] | None = None,
) -> CheckOutcome:
    """Match the new and edited stories of one poll and store them with their alerts
    (``scores``: the semantic layer's, by story key, when rules.yaml has a semantic: section;
    ``known``: the stored content hashes of these stories, if the caller has read them;
    ``raw_hashes``: the digest of each story's item as the feed gave it, stored with it).

    A story that cannot alert (``can_alert``: on a feed's first poll, one older than
    ``lookback`` or undated) is stored without being matched: its matches could change nothing,
    and a replay matches stored stories when it runs."""
    s = ctx.config.settings
    unique: dict[str, Story] = {}
    for story in stories:
        unique.setdefault(story.key, story)
    if known is None:
        known = ctx.store.known_hashes(feed.url, list(unique))
    first_poll = feed.first_polled_at is None
    since = alert_since(feed, now, s.lookback, s.retention)
    raw_hashes = raw_hashes or {}
    candidates = []
    same_text: list[tuple[str, str]] = []  # known stories whose item changed but not their text
    for story in unique.values():
        digest = content_hash(story.title, story.summary)
        raw = raw_hashes.get(story.key)
        if known.get(story.key) == digest:
            if raw is not None:
                same_text.append((story.key, raw))
            continue
        if not can_alert(story, since, first_poll=first_poll):
            candidates.append(Candidate(story, (), digest, raw))
            continue
        matches = judge_story(ctx.ruleset, ctx.config, story, scores).matches
        if story.key not in known:
            for m in matches:
                ctx.metrics.matches.labels(m.rule_id).inc()
        candidates.append(Candidate(story, matches, digest, raw))
    if same_text:
        ctx.store.remember_raw(feed.url, same_text)
    saved = ctx.store.save_poll(
        feed.url,
        candidates,
        now=now,
        alert_since=since,
        alert_undated=not first_poll,
        dedup_window=s.dedup_window,
    )
    ctx.metrics.stories_seen.inc(saved.new_stories)
    return CheckOutcome(feed.url, True, saved.new_stories, saved.alerts_queued)


async def poll_feeds(ctx: Context, fetcher: Fetcher, *, due_only: bool = True) -> list[CheckOutcome]:
    """Check every due feed that no other replica holds (or, ``due_only=False``, every active
    feed, without leases: ``once``); the fetcher bounds concurrency.

    At most `concurrency` feeds are between the start of their fetch and the end of their check:
    the fetcher bounds the fetches alone, and when parsing is the slower stage, fetched bodies
    would otherwise pile up in memory waiting for the parser (hundreds of MB on a big poll)."""
    in_flight = asyncio.Semaphore(max(1, ctx.config.settings.concurrency))
    if due_only:
        outcomes = await _poll_leased(ctx, fetcher, in_flight)
    else:
        feeds = host_turns(ctx.store.feed_states())
        ctx.parser.begin_poll(len(feeds))

        async def check(feed: FeedState) -> CheckOutcome:
            async with in_flight:
                return await check_feed(ctx, fetcher, feed)

        outcomes = list(await asyncio.gather(*(check(f) for f in feeds)))
    ctx.store.set_mark("last_poll", ctx.clock().isoformat())
    ctx.metrics.last_poll.set(ctx.clock().timestamp())
    return outcomes


def host_turns(feeds: Sequence[FeedState]) -> list[FeedState]:
    """The feeds in turns over their hosts: each host's first feed, then each host's second, and
    so on (each host's own order kept). The store gives feeds in address order, so one host's
    feeds stand together; checked in that order, the first ``concurrency`` slots would go to the
    feeds of a few hosts, where ``per_host`` lets only a few of them fetch at once while the
    slots of the rest wait (bench_poll.py, 1,000 feeds on 64 hosts: see BENCHMARKS.md)."""
    turns: dict[str, list[FeedState]] = {}
    for feed in feeds:
        turns.setdefault(urlsplit(feed.fetch_url or feed.url).hostname or "", []).append(feed)
    out: list[FeedState] = []
    for depth in range(max((len(group) for group in turns.values()), default=0)):
        out.extend(group[depth] for group in turns.values() if depth < len(group))
    return out


async def _poll_leased(ctx: Context, fetcher: Fetcher, in_flight: asyncio.Semaphore) -> list[CheckOutcome]:
    """Lease due feeds as the fetcher has room until none is left; each lease is released after
    its check. ``LEASE_AHEAD`` times ``concurrency`` are leased at a time (topped up once a
    quarter of them are done): the leases come in address order, so a window of only
    ``concurrency`` feeds would sit on a few hosts and ``per_host`` would idle most of the
    fetcher (bench_replicas.py, 1,000 feeds on 64 hosts: a warm cycle of 18.8 s against 10.2 s with
    four times ``concurrency``, and 9.3 s with every due feed at once, on a loaded machine)."""
    s = ctx.config.settings
    ctx.parser.begin_poll(ctx.store.due_count(ctx.clock()))
    width = LEASE_AHEAD * max(1, s.concurrency)
    top_up = max(1, width // 4)
    order: dict[asyncio.Task[CheckOutcome], int] = {}
    running: set[asyncio.Task[CheckOutcome]] = set()
    done_all: list[tuple[int, CheckOutcome]] = []
    more = True
    try:
        while True:
            free = width - len(running)
            if more and (free >= top_up or not running):
                leased = ctx.store.lease_due_feeds(ctx.replica, ctx.clock(), s.lease_expiry, free)
                more = len(leased) == free
                for feed in host_turns(leased):
                    task = asyncio.create_task(_check_leased(ctx, fetcher, feed, in_flight))
                    order[task] = len(order)
                    running.add(task)
            if not running:
                break
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            done_all.extend((order[t], t.result()) for t in done)
    finally:
        for task in running:  # cancelled (the daemon stopping): the checks go too
            task.cancel()
    return [outcome for _, outcome in sorted(done_all, key=lambda pair: pair[0])]


async def _check_leased(
    ctx: Context, fetcher: Fetcher, feed: FeedState, in_flight: asyncio.Semaphore
) -> CheckOutcome:
    try:
        async with in_flight:
            return await check_feed(ctx, fetcher, feed)
    finally:
        ctx.store.release_feed(feed.url, ctx.replica)
