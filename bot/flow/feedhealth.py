"""Feed health for the people running the bot: after ``settings.feed_alert_after`` failed
checks in a row, one message to ``ops_channel`` saying which feed, since when, the error and
what to do; one note when it recovers; one notice when a feed that still answers has published
nothing for much longer than its own usual rhythm (learned from its recent stories).

The decisions are pure functions of the feeds' state and ``now`` (``plan_notices``,
``silence``); ``report_feed_health`` runs them once per poll from the delivery round, sends the
notices of one kind together in one message (a network outage that fails 200 feeds is one
message, not 200) and remembers what it told in the state database, so nothing is repeated per
poll or after a restart. A notice Slack did not accept is tried again after the next poll.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import statistics
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.models import Alert, Story
from bot.notify.digest import build_notice
from bot.notify.message import when
from bot.notify.slack import Notifier
from bot.observe.logs import event, get_logger
from bot.store.database import FeedState, Store
from bot.store.health import HealthBook, HealthMark

if TYPE_CHECKING:
    from bot.flow.delivery import Pacer
    from bot.flow.pipeline import Context

log = get_logger("feedhealth")
SILENT_FACTOR = 10  # silent: no story for ten times its usual gap...
SILENT_FLOOR = 2 * 86400.0  # ...and never less than two days, nor than twice its longest gap
MIN_GAPS = 5  # stories needed before a feed's rhythm counts as learned
SILENCE_EVERY = 3600.0  # how often silence is looked for (it reads every feed's recent stories)

ADVICE = {
    "http_status": "open the address in a browser: if the feed moved, put its new URL in rules.yaml; "
                   "if it is gone, remove it",
    "connect": "the site did not answer: check the host name, and that this machine can reach it "
               "(a proxy or firewall in the way?)",
    "timeout": "the site answers too slowly: if it is always slow, raise settings.fetch_timeout",
    "blocked_address": "the host resolves to a private address: set settings.allow_private_addresses: true "
                       "only if that is intended",
    "too_large": "the feed is bigger than settings.max_body_bytes: raise it, or ask the site for a shorter feed",
    "redirect": "the address redirects in a loop or too often: put the final URL in rules.yaml",
    "config": "the feed's headers: or auth: needs an environment variable the bot does not have: set it "
              "where the bot runs (the container's environment) and restart it",
    "parse": "the address does not serve a feed (any more): `ethics-bot test --url URL` shows what it returns",
}
DEFAULT_ADVICE = "check the address in a browser, and fix or remove the feed in rules.yaml"


@dataclass(frozen=True)
class Silence:
    """A feed quiet for ``quiet_for`` seconds where it usually publishes every ``usual_gap``."""

    last_story: float
    quiet_for: float
    usual_gap: float


@dataclass(frozen=True)
class Notice:
    """One thing to tell the ops channel: ``kind`` is failing, recovered or silent."""

    kind: str
    url: str
    text: str


def span(seconds: float) -> str:
    """``3 days``, ``5 hours``, ``12 minutes``."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "less than a minute"


def silence(times: Sequence[float], now: datetime) -> Silence | None:
    """A feed is silent when its newest story (``times``: publication times, newest first) is
    older than ``SILENT_FACTOR`` times its median gap, twice its longest gap and two days."""
    newest = sorted(times, reverse=True)
    gaps = [a - b for a, b in itertools.pairwise(newest) if a > b]
    if len(gaps) < MIN_GAPS:
        return None
    usual = statistics.median(gaps)
    quiet = now.timestamp() - newest[0]
    if quiet > max(SILENT_FACTOR * usual, 2 * max(gaps), SILENT_FLOOR):
        return Silence(newest[0], quiet, usual)
    return None


def _at(ts: float | None) -> str:
    return when(datetime.fromtimestamp(ts, UTC)) if ts is not None else "an unknown time"


def plan_notices(
    feeds: Sequence[FeedState],
    marks: Mapping[str, HealthMark],
    times: Mapping[str, Sequence[float]] | None,
    now: datetime,
    alert_after: int,
) -> list[Notice]:
    """What to tell now. ``times`` None: silence is not looked at this time."""
    out: list[Notice] = []
    for f in feeds:
        mark = marks.get(f.url, HealthMark(f.url))
        label = f"{f.name} ({f.url})"
        if f.error_count >= alert_after and mark.failing_told_at is None:
            advice = ADVICE.get(f.last_error_kind or "", DEFAULT_ADVICE)
            out.append(Notice("failing", f.url,
                              f"{label} has failed {f.error_count} checks in a row, since {_at(mark.failing_since)}. "
                              f"Last error: {f.last_error or 'unknown'}. What to do: {advice}. It is still retried "
                              "with backoff; one note will follow when it recovers."))
        elif f.error_count == 0 and mark.failing_told_at is not None:
            out.append(Notice("recovered", f.url,
                              f"{label} works again: fetched successfully at {_at(f.last_success_at)}, "
                              f"after failing since {_at(mark.failing_since)}."))
        if times is None or f.error_count or mark.silent_told_at is not None:
            continue
        quiet = silence(times.get(f.url, ()), now)
        if quiet is not None:
            out.append(Notice("silent", f.url,
                              f"{label} has published nothing for {span(quiet.quiet_for)} (its newest story is from "
                              f"{_at(quiet.last_story)}), though it usually publishes every {span(quiet.usual_gap)}. "
                              "It still answers: check that this is still the feed the site updates (sites move "
                              "feeds without a redirect), or remove it. Told once; it resets when the feed "
                              "publishes again."))
    return out


_TITLES = {"failing": ("Feed failing: {}", "{} feeds failing"),
           "recovered": ("Feed recovered: {}", "{} feeds recovered"),
           "silent": ("Feed gone silent: {}", "{} feeds gone silent")}


@dataclass
class _Watch:
    book: HealthBook
    seen_poll: str | None = None
    silence_at: float = 0.0


_WATCHES: weakref.WeakKeyDictionary[Store, _Watch] = weakref.WeakKeyDictionary()


def _watch(store: Store) -> _Watch:
    watch = _WATCHES.get(store)
    if watch is None:
        watch = _WATCHES[store] = _Watch(HealthBook(store))
    return watch


def _track_failures(book: HealthBook, feeds: Sequence[FeedState], marks: dict[str, HealthMark],
                    now: datetime) -> None:
    """Record when each feed's run of failures began (the check that failed first)."""
    for f in feeds:
        mark = marks.get(f.url)
        if f.error_count and (mark is None or mark.failing_since is None):
            since = f.last_check_at or now.timestamp()  # exact when first seen at the first failure
            book.set_failing_since(f.url, since)
            marks[f.url] = HealthMark(f.url, since, mark.failing_told_at if mark else None,
                                      mark.silent_told_at if mark else None)


async def report_feed_health(ctx: Context, notifier: Notifier, pacer: Pacer) -> int:
    """Once per poll: track failures, tell ``ops_channel`` what is new. Returns messages sent."""
    watch = _watch(ctx.store)
    poll = ctx.store.get_mark("last_poll")
    if poll is None or poll == watch.seen_poll:
        return 0
    watch.seen_poll = poll
    now = ctx.clock()
    book = watch.book
    feeds = ctx.store.feed_states()
    marks = book.marks()
    _track_failures(book, feeds, marks, now)
    times = None
    if now.timestamp() - watch.silence_at >= SILENCE_EVERY:
        watch.silence_at = now.timestamp()
        times = book.publication_times()
        for f in feeds:  # a feed that published again may be told again, later
            told = marks.get(f.url, HealthMark(f.url)).silent_told_at
            if told is not None and silence(times.get(f.url, ()), now) is None:
                book.mark_told(f.url, "silent", None)
    channel = ctx.config.settings.ops_channel
    notices = plan_notices(feeds, marks, times, now, ctx.config.settings.feed_alert_after) if channel else []
    sent = 0
    names = {f.url: f.name for f in feeds}
    for kind, (one, many) in _TITLES.items():
        group = [n for n in notices if n.kind == kind]
        if not group or channel is None:
            continue
        title = one.format(names[group[0].url]) if len(group) == 1 else many.format(len(group))
        if await _send(ctx, notifier, pacer, channel, title, [n.text for n in group]):
            sent += 1
            for n in group:
                if kind == "recovered":
                    book.set_failing_since(n.url, None)
                else:
                    book.mark_told(n.url, kind, now)
    for f in feeds:  # runs of failures that ended without a notice are forgotten quietly
        mark = marks.get(f.url)
        if f.error_count == 0 and mark is not None and mark.failing_since is not None and mark.failing_told_at is None:
            book.set_failing_since(f.url, None)
    return sent


async def _send(ctx: Context, notifier: Notifier, pacer: Pacer, channel: str, title: str, lines: list[str]) -> bool:
    now = ctx.clock()
    story = Story(key="ops", feed_url="", source="ethics-bot", title=title, summary="")
    carrier = Alert(id=0, story=story, channel=channel, matches=(), kind="notice", created_at=now)
    for message in build_notice(title, lines, "ethics-bot feeds shows every feed's state"):
        pacer.take(channel, now.timestamp())
        result = await asyncio.to_thread(notifier.send, carrier, message)
        if not result.ok:
            event(log, "ops_message_failed", logging.WARNING, channel=channel, error=result.error,
                  remedy=result.remedy)
            return False
    event(log, "feed_health_told", channel=channel, title=title, feeds=len(lines))
    return True


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts is not None else None


def health_states(store: Store, now: datetime, alert_after: int = 3) -> dict[str, dict[str, object]]:
    """Per feed URL, for ``ethics-bot feeds``: ``health`` (ok, failing, silent), since when it
    fails, whether the ops channel was told, and a silent feed's quiet time and usual gap."""
    book = HealthBook(store)
    marks = book.marks()
    times = book.publication_times()
    out: dict[str, dict[str, object]] = {}
    for f in store.feed_states():
        mark = marks.get(f.url, HealthMark(f.url))
        quiet = silence(times.get(f.url, ()), now) if not f.error_count else None
        state: dict[str, object] = {"health": "failing" if f.error_count else "silent" if quiet else "ok"}
        if f.error_count:
            state["failing_since"] = _iso(mark.failing_since)
            state["ops_told_at"] = _iso(mark.failing_told_at)
            state["ops_alert_after"] = alert_after
        if quiet is not None:
            state["silent_for"] = span(quiet.quiet_for)
            state["usual_gap"] = span(quiet.usual_gap)
            state["ops_told_at"] = _iso(mark.silent_told_at)
        out[f.url] = state
    return out
