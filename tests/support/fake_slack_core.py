"""State of the fake Slack: channels, accepted messages, the request log and injected faults.

``SlackCore`` is the workspace a test talks to. It holds no sockets (``fake_slack.FakeSlack``
adds the HTTP server) and knows no method semantics (``fake_slack_methods`` does). Every
mutation happens under one lock, so the threaded server can call it from any request thread
and tests can read snapshots while requests are in flight.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

TEAM_ID = "T0FAKE0001"
BOT_ID = "B0FAKEBOT1"
BOT_USER_ID = "U0FAKEBOT1"
APP_ID = "A0FAKEAPP1"
NEWS_CHANNEL_ID = "C0NEWS00001"  # where every incoming webhook posts (contract §3)

_LB_BODY = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n"


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_private: bool = False


@dataclass(frozen=True)
class PostedMessage:
    """One message the fake accepted, as Slack would store it."""

    channel_id: str
    channel_name: str  # "#ethics-alerts"
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    via: str  # "api" | "webhook"
    unfurl_links: bool | None
    unfurl_media: bool | None
    analysis: dict[str, Any] = field(default_factory=dict)
    reply_broadcast: bool = False
    attachments: list[dict[str, Any]] | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What the HTTP layer sends back."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(
    payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, headers=dict(headers or {}))


def text_reply(text: str, status: int, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, text.encode("utf-8"), "text/html; charset=utf-8", dict(headers or {}))


class _Bucket:
    """Token bucket: ``capacity`` messages at once, refilled at one per second."""

    def __init__(self, capacity: int, now: float) -> None:
        self.capacity = capacity
        self.tokens = float(capacity)
        self.last = now

    def take(self, now: float) -> int | None:
        """None when a token was taken; otherwise whole seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.last))
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return max(1, math.ceil(1 - self.tokens))


DEFAULT_CHANNELS: tuple[tuple[str, bool, bool], ...] = (
    ("ethics-alerts", True, False),
    ("ethics-surveillance", True, False),
    ("ethics-labor", True, False),
    ("ethics-ops", True, False),
    ("not-joined", False, False),
    ("archived", True, True),
)


class SlackCore:
    """The fake workspace's state, its fault switches and its request log."""

    def __init__(
        self,
        *,
        token: str,
        ratelimit_every: int,
        retry_after: int,
        channel_rate: int,
        blocks_text_budget: int,
        msg_too_long: bool,
        webhooks: list[str] | None,
        clock: Callable[[], float],
        log_stream: IO[str] | None,
    ) -> None:
        self.token = token
        self.blocks_text_budget = blocks_text_budget
        self.msg_too_long = msg_too_long
        self.webhooks = list(webhooks) if webhooks else None
        self._clock = clock
        self._log_stream = log_stream
        self.lock = threading.RLock()
        self._channels: dict[str, Channel] = {}
        self._messages: list[PostedMessage] = []
        self._by_ts: dict[tuple[str, str], PostedMessage] = {}
        self._requests: list[dict[str, Any]] = []
        self._last_ts_us = 0
        self._ratelimit_every = ratelimit_every
        self._retry_after = retry_after
        self._channel_rate = channel_rate
        self._post_count = 0
        self._buckets: dict[str, _Bucket] = {}
        self._fail_left = 0
        self._fail_status = 503
        self._fail_error: str | None = None
        self._down = False
        for name, member, archived in DEFAULT_CHANNELS:
            self.add_channel(name, member=member, archived=archived)
        self._channels["news"] = Channel(NEWS_CHANNEL_ID, "news")

    # ---- channels -------------------------------------------------------------------------
    def add_channel(
        self, name: str, *, member: bool = True, archived: bool = False, private: bool = False
    ) -> str:
        """Create (or reconfigure) a channel; returns its ID."""
        name = name.lstrip("#")
        with self.lock:
            old = self._channels.get(name)
            channel_id = old.id if old else f"C0FAKE{len(self._channels) + 1:05d}"
            self._channels[name] = Channel(channel_id, name, member, archived, private)
            return channel_id

    def channels(self) -> list[Channel]:
        with self.lock:
            return list(self._channels.values())

    def find_channel(self, value: object) -> Channel | None:
        """A channel by ``#name``, ``name`` or ID."""
        if not isinstance(value, str) or not value:
            return None
        with self.lock:
            found = self._channels.get(value.removeprefix("#"))
            if found is None:
                found = next((c for c in self._channels.values() if c.id == value), None)
            return found

    # ---- messages -------------------------------------------------------------------------
    @property
    def messages(self) -> list[PostedMessage]:
        """A snapshot of accepted messages, in arrival order."""
        with self.lock:
            return list(self._messages)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A snapshot of the request log (one record per request, in arrival order)."""
        with self.lock:
            return [dict(r) for r in self._requests]

    def next_ts(self) -> str:
        with self.lock:
            now_us = int(time.time() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            seconds, micros = divmod(self._last_ts_us, 1_000_000)
            return f"{seconds}.{micros:06d}"

    def find_message(self, channel_id: str, ts: str) -> PostedMessage | None:
        with self.lock:
            return self._by_ts.get((channel_id, ts))

    def store(self, message: PostedMessage) -> None:
        with self.lock:
            self._messages.append(message)
            self._by_ts[(message.channel_id, message.ts)] = message

    def replace_message(self, message: PostedMessage) -> None:
        """Swap the stored message with the same channel and ``ts`` for ``message`` (chat.update)."""
        with self.lock:
            key = (message.channel_id, message.ts)
            self._messages = [message if (m.channel_id, m.ts) == key else m for m in self._messages]
            self._by_ts[key] = message

    def record(self, entry: dict[str, Any]) -> None:
        """Append one request's log record (and write it to the JSON-lines log, if any)."""
        with self.lock:
            entry["seq"] = len(self._requests) + 1
            self._requests.append(entry)
            if self._log_stream is not None:
                self._log_stream.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
                self._log_stream.flush()

    # ---- faults -----------------------------------------------------------------------------
    def fail_next(self, n: int, status: int = 503, error: str | None = None) -> None:
        """The next ``n`` message posts fail with ``status``: a non-JSON body, as a load
        balancer would send; with ``error``, Slack's own ``{"ok":false,"error":...}`` instead.
        ``status=0`` closes the connection without any answer (a reset mid-request)."""
        with self.lock:
            self._fail_left, self._fail_status, self._fail_error = n, status, error

    def set_down(self, down: bool) -> None:
        """While down, every request gets HTTP 503 with a non-JSON body."""
        with self.lock:
            self._down = down

    def set_ratelimit_every(self, k: int, retry_after: int = 1) -> None:
        """Every k-th message post gets 429 with ``Retry-After: retry_after`` (0 turns it off)."""
        with self.lock:
            self._ratelimit_every, self._retry_after, self._post_count = k, retry_after, 0

    def set_channel_rate(self, burst: int) -> None:
        """A token bucket per channel and per webhook: ``burst`` at once, then 1/s (0: off)."""
        with self.lock:
            self._channel_rate = burst
            self._buckets.clear()

    def reset(self) -> None:
        """Faults off, counters zeroed, messages and the request log cleared."""
        with self.lock:
            self._fail_left, self._down, self._fail_error = 0, False, None
            self._ratelimit_every, self._channel_rate, self._post_count = 0, 0, 0
            self._buckets.clear()
            self._messages.clear()
            self._by_ts.clear()
            self._requests.clear()

    def gateway_fault(self, is_post: bool, path: str) -> Reply | None:
        """What a load balancer in front of Slack answers instead of Slack, if anything."""
        with self.lock:
            if self._down:
                return Reply(503, _LB_BODY, "text/html", {"Retry-After": "1"})
            if not is_post or self._fail_left <= 0:
                return None
            self._fail_left -= 1
            status, error = self._fail_status, self._fail_error
        if status == 0:
            return Reply(0, b"", "none")
        if error is None:
            return Reply(status, _LB_BODY, "text/html")
        if path.startswith("/services/"):
            return text_reply(error, status)
        return json_reply({"ok": False, "error": error}, status)

    def ratelimit_turn(self) -> int | None:
        """Count one message post; the Retry-After seconds when this one is the k-th."""
        with self.lock:
            self._post_count += 1
            every = self._ratelimit_every
            if every > 0 and self._post_count % every == 0:
                return self._retry_after
            return None

    def bucket_take(self, key: str) -> int | None:
        """Take a token from ``key``'s bucket; Retry-After seconds when it is empty."""
        with self.lock:
            if self._channel_rate <= 0:
                return None
            now = self._clock()
            bucket = self._buckets.setdefault(key, _Bucket(self._channel_rate, now))
            return bucket.take(now)
