"""When to try again: feed poll intervals, failure backoff and delivery retries (pure arithmetic,
``now`` and randomness passed in, no I/O).

Polling rule, in order:

1. Start from the feed's configured interval (``interval:`` or ``settings.poll_interval``).
2. Quiet feeds are polled less often: when the feed's newest story arrived more than a day ago,
   the interval doubles, and doubles again after a week.
3. The server's own hints raise the interval, never lower it: ``Cache-Control: max-age``,
   ``Expires`` and the RSS ``<ttl>``. ``Retry-After`` on a 429 or 503 is honoured as given.
4. The result is clamped to ``[settings.min_interval, settings.max_interval]``.

A failing feed backs off exponentially from its interval, ×2 per consecutive failure, with ±20%
jitter, capped at ``max_interval``: it is retried less often but never given up.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)


def server_hint(headers: Mapping[str, str], now: datetime, ttl_seconds: int | None = None) -> float | None:
    """The longest interval the server asks for via Cache-Control, Expires or RSS ttl."""
    hints: list[float] = []
    cache_control = headers.get("cache-control", "")
    if "no-cache" not in cache_control.lower() and (m := _MAX_AGE.search(cache_control)):
        hints.append(float(m.group(1)))
    elif expires := headers.get("expires"):
        try:
            when = parsedate_to_datetime(expires)
            if when.tzinfo is not None:
                hints.append((when - now).total_seconds())
        except (TypeError, ValueError, IndexError):
            pass
    if ttl_seconds:
        hints.append(float(ttl_seconds))
    positive = [h for h in hints if h > 0]
    return max(positive) if positive else None


def next_interval(
    base: float,
    *,
    now: datetime,
    last_new_story_at: float | None,
    hint: float | None,
    min_interval: float,
    max_interval: float,
) -> float:
    """Seconds until the next poll of a healthy feed (see the module docstring)."""
    interval = base
    if last_new_story_at is not None:
        quiet = now.timestamp() - last_new_story_at
        if quiet > 7 * 86400:
            interval *= 4
        elif quiet > 86400:
            interval *= 2
    if hint is not None:
        interval = max(interval, hint)
    return min(max(interval, min_interval), max_interval)


def failure_backoff(
    base: float,
    error_count: int,
    *,
    retry_after: float | None,
    max_interval: float,
    rng: random.Random,
) -> float:
    """Seconds until a failing feed is tried again (error_count counts this failure too)."""
    delay = base * (2.0 ** min(max(error_count - 1, 0), 16))
    delay *= rng.uniform(0.8, 1.2)
    delay = min(delay, max_interval)
    if retry_after is not None:
        delay = max(delay, min(retry_after, 24 * 3600))
    return delay


def delivery_backoff(
    attempts: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None,
    rng: random.Random,
) -> float:
    """Seconds until an alert that failed transiently is posted again; Retry-After wins when longer."""
    delay = min(base * (2.0 ** min(max(attempts - 1, 0), 16)), cap) * rng.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
