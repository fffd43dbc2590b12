"""Fetch one feed over HTTP(S), politely and defensively.

``Fetcher.fetch`` sends a conditional GET (``If-None-Match``/``If-Modified-Since``), follows up to
``max_redirects`` redirects by hand (each hop's scheme checked, loops detected, a chain of
permanent redirects reported as ``moved_to``), caps connect/read/total time and the decoded
body size while streaming, and bounds concurrency overall and per host. Every connection goes
through the address guard in ``bot.fetch.guard``. Whatever goes wrong, the caller gets a
``FetchError`` with a ``kind`` and a message in plain words; nothing else escapes ``fetch``
(except cancellation).

It does not parse feeds, store validators, retry or back off (the pipeline decides that from
``FetchError.kind`` and ``retry_after``). httpx is imported only here and in
``bot.fetch.transport`` (the connection pool under the clients).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import http
import logging
import ssl
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from bot import USER_AGENT
from bot.core.errors import FetchError
from bot.core.settings import DEFAULTS
from bot.fetch.decode import BodyDecoder, too_large
from bot.fetch.transport import GuardedTransport
from bot.observe.logs import event, get_logger

log = get_logger("fetch")

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, */*;q=0.1"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
SHARD_CONNECTIONS = 8  # requests in flight per HTTP client, on average (see Fetcher)


@dataclass(frozen=True)
class FetchLimits:
    """How long, how much and how many: every limit the fetcher enforces."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # the longest gap between two bytes
    total_timeout: float = DEFAULTS.fetch_timeout  # the whole request, redirects and body included
    max_bytes: int = DEFAULTS.max_body_bytes  # decoded body cap, enforced while streaming
    max_redirects: int = 5
    allow_private: bool = DEFAULTS.allow_private_addresses
    concurrency: int = DEFAULTS.concurrency  # requests in flight overall
    per_host: int = DEFAULTS.per_host  # requests in flight per host (the host of the URL asked for)


@dataclass(frozen=True)
class FetchResult:
    """What a successful fetch brought back. ``body`` is None when ``not_modified``."""

    url: str
    final_url: str
    status: int
    body: bytes | None
    headers: dict[str, str]  # lower-cased names
    etag: str | None
    last_modified: str | None
    moved_to: str | None  # set when every hop was a permanent redirect (301/308)
    not_modified: bool
    elapsed: float  # seconds, from getting a free slot to the end of the body


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), else None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class Fetcher:
    """An async context manager owning the HTTP clients; ``fetch`` may run concurrently.

    Hosts are spread over several clients (``SHARD_CONNECTIONS`` requests in flight each, on
    average), always the same client for the same host so that keep-alive works: httpcore's
    connection pool scans every connection for every queued request, so one pool holding
    ``concurrency`` connections spends more CPU on bookkeeping than on HTTP.
    """

    def __init__(self, limits: FetchLimits = FetchLimits(), user_agent: str = USER_AGENT) -> None:
        self.limits = limits
        self.user_agent = user_agent
        self._clients: list[httpx.AsyncClient] = []
        self._overall = asyncio.Semaphore(limits.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        shards = -(-self.limits.concurrency // SHARD_CONNECTIONS)
        self._clients = [_build_client(self.limits, self.user_agent) for _ in range(shards)]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        clients, self._clients = self._clients, []
        for client in clients:
            await client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` conditionally; raise ``FetchError`` for anything but 2xx/304."""
        if not self._clients:
            raise RuntimeError("Fetcher.fetch called outside 'async with Fetcher(...)'")
        first = _parse_url(url)
        _check_scheme(first, url, kind="protocol")
        client = self._clients[zlib.crc32(first.host.encode()) % len(self._clients)]
        headers = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        sent = {name: value for name, value in headers.items() if value}
        trail = [first]  # every URL requested so far; the last one is in flight
        async with self._host_slot(first.host), self._overall:
            try:
                async with asyncio.timeout(self.limits.total_timeout):
                    return await self._follow(client, url, trail, sent)
            except FetchError:
                raise
            except Exception as exc:
                raise _translate(exc, trail[-1], self.limits) from exc

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._per_host.get(host)
        if slot is None:
            slot = self._per_host[host] = asyncio.Semaphore(self.limits.per_host)
        return slot

    async def _follow(
        self, client: httpx.AsyncClient, url: str, trail: list[httpx.URL], headers: dict[str, str]
    ) -> FetchResult:
        started = time.monotonic()
        permanent = True
        while True:
            request = client.build_request("GET", trail[-1], headers=headers)
            response = await client.send(request, stream=True)
            try:
                status = response.status_code
                if status in REDIRECT_STATUSES:
                    trail.append(self._next_hop(response, trail))
                    permanent = permanent and status in PERMANENT_REDIRECTS
                    continue
                if status == 304 or 200 <= status < 300:
                    body = None if status == 304 else await _read_body(response, self.limits)
                    moved = permanent and len(trail) > 1
                    return _result(url, response, body, moved, started)
                raise _status_error(response)
            finally:
                await response.aclose()

    def _next_hop(self, response: httpx.Response, trail: list[httpx.URL]) -> httpx.URL:
        location = response.headers.get("location")
        if not location:
            said = f"the server answered HTTP {response.status_code} without saying where to go"
            raise FetchError("http_status", said)
        try:
            target = response.url.join(location)
        except httpx.InvalidURL as exc:
            said = f"the server redirected to an invalid URL: {location!r}"
            raise FetchError("redirect", said) from exc
        _check_scheme(target, location, kind="redirect")
        if str(target) in {str(url) for url in trail}:
            said = f"the server's redirects go round in a loop (back to {target})"
            raise FetchError("redirect", said)
        if len(trail) > self.limits.max_redirects:
            said = (
                f"the server redirected more than {self.limits.max_redirects} times; check the URL"
            )
            raise FetchError("redirect", said)
        return target


def _build_client(limits: FetchLimits, user_agent: str) -> httpx.AsyncClient:
    tls = _tls_context()
    # Every connection is dialled through the address guard (bot.fetch.transport), keep-alive
    # on. The Fetcher's semaphores bound the requests in flight; the pool only needs room for
    # them, whichever shard the hosts land in. Each shard keeps as many idle connections as it
    # may open, so feeds that share a host (a publisher's section feeds) reuse one connection
    # through a poll: with a keep-alive room of concurrency/shards, 1,000 bench feeds on 64
    # hosts opened ~600 connections, now ~80.
    transport = GuardedTransport(
        ssl_context=tls,
        allow_private=limits.allow_private,
        max_connections=limits.concurrency,
        max_keepalive=limits.concurrency,
    )
    headers = {"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    timeout = httpx.Timeout(
        connect=limits.connect_timeout,
        read=limits.read_timeout,
        write=limits.read_timeout,
        pool=limits.total_timeout,
    )
    return _CooklessClient(
        transport=transport,
        headers=headers,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: a feed needs no session, a cookie set by one feed's
    server is never sent back to it (nor grows memory over a months-long run), and reading
    Set-Cookie through http.cookiejar cost ~3% of a poll's CPU."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _CooklessClient(httpx.AsyncClient):
    _no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        pass  # keep nothing


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Certificate verification with certifi's CA bundle, built once (loading it is slow)."""
    return httpx.create_ssl_context(trust_env=False)


def _parse_url(url: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError("protocol", f"the feed URL {url!r} is not a valid URL ({exc})") from exc


def _check_scheme(url: httpx.URL, shown: str, *, kind: str) -> None:
    if url.scheme not in ("http", "https") or not url.host:
        said = "the server redirected to" if kind == "redirect" else "the feed URL is"
        raise FetchError(kind, f"{said} {shown}, but only http:// and https:// URLs can be fetched")


def _result(
    url: str, response: httpx.Response, body: bytes | None, moved: bool, started: float
) -> FetchResult:
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return FetchResult(
        url=url,
        final_url=str(response.url),
        status=response.status_code,
        body=body,
        headers=headers,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        moved_to=str(response.url) if moved else None,
        not_modified=response.status_code == 304,
        elapsed=time.monotonic() - started,
    )


def _status_error(response: httpx.Response) -> FetchError:
    status = response.status_code
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = response.reason_phrase
    said = f"the server answered HTTP {status} {phrase}".rstrip()
    retry_after = None
    if status in (404, 410):
        said += ": the feed is gone from this address; check the URL (the site may have moved it)"
    elif status in (401, 403):
        said += ": the feed needs a login or the site refuses bots"
    elif status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("retry-after"), datetime.now(UTC))
        wait = f" (it asks to wait {retry_after:g} s)" if retry_after is not None else ""
        said += f": the server is busy or rate-limiting the bot{wait}"
    elif status >= 500:
        said += ": a problem on the site's side, usually temporary"
    return FetchError("http_status", said, retry_after)


async def _read_body(response: httpx.Response, limits: FetchLimits) -> bytes:
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise too_large(limits.max_bytes, f"it announces {int(declared):,} bytes")
    decoder = BodyDecoder(response.headers.get("content-encoding", ""), limits.max_bytes)
    async for chunk in response.aiter_raw():
        decoder.feed(chunk)
    return decoder.finish()


def _translate(exc: Exception, url: httpx.URL, limits: FetchLimits) -> FetchError:
    """Turn whatever the HTTP stack raised into a FetchError in plain words."""
    host = url.host or str(url)
    if isinstance(exc, TimeoutError):
        said = f"gave up after {limits.total_timeout:g} s: {host} was too slow to send the feed"
        return FetchError("timeout", said)
    if isinstance(exc, httpx.ConnectTimeout):
        said = f"could not connect to {host} within {limits.connect_timeout:g} s"
        return FetchError("timeout", said)
    if isinstance(exc, httpx.ReadTimeout):
        said = f"{host} stopped sending data for more than {limits.read_timeout:g} s"
        return FetchError("timeout", said)
    if isinstance(exc, httpx.TimeoutException):
        return FetchError("timeout", f"the request to {host} timed out ({exc})")
    if isinstance(exc, httpx.ConnectError | ssl.SSLError | OSError):
        return FetchError("connect", _describe_connect_failure(exc, host, url.port))
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.NetworkError):
        return FetchError("connect", f"the connection to {host} broke off ({_root(exc)})")
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError("protocol", f"{host} sent a malformed HTTP response ({exc})")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return FetchError("protocol", f"cannot request {url}: {exc}")
    if isinstance(exc, httpx.HTTPError):
        return FetchError("protocol", f"the HTTP exchange with {host} failed ({exc})")
    event(
        log,
        "fetch_unexpected_error",
        logging.ERROR,
        exc_info=exc,
        url=str(url),
        error=f"{type(exc).__name__}: {exc}",
    )
    return FetchError(
        "protocol", f"unexpected error while fetching {url}: {type(exc).__name__}: {exc}"
    )


def _describe_connect_failure(exc: BaseException, host: str, port: int | None) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or cause.reason or str(cause)
            return f"the TLS certificate of {host} could not be verified ({detail})"
        if isinstance(cause, ssl.SSLError):
            return f"the secure (TLS) connection to {host} failed ({cause.reason or cause})"
        if isinstance(cause, ConnectionRefusedError):
            where = f"port {port}" if port else "the port"
            return f"{host} refused the connection (nothing is listening on {where})"
        cause = cause.__cause__ or cause.__context__
    return f"could not connect to {host} ({_root(exc)})"


def _root(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc) or type(exc).__name__
