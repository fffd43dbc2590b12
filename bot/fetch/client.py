"""Fetch one feed over HTTP(S), politely and defensively.

``Fetcher.fetch`` sends a conditional GET (``If-None-Match``/``If-Modified-Since``), follows up to
``max_redirects`` redirects by hand (each hop's scheme checked, loops detected, a chain of
permanent redirects reported as ``moved_to``), caps connect/read/total time and the decoded
body size while streaming, and bounds concurrency overall and per host. Every connection goes
through the address guard in ``bot.fetch.guard``, directly or through the proxy the
environment names (``bot.fetch.proxy``). A private feed's ``headers:`` and ``auth:`` are sent
as ``bot.fetch.credentials`` decides per hop. Whatever goes wrong, the caller gets a
``FetchError`` with a ``kind`` and a message in plain words (``bot.fetch.failures``); nothing
else escapes ``fetch`` (except cancellation).

It does not parse feeds, store validators, retry or back off (the pipeline decides that from
``FetchError.kind`` and ``retry_after``). httpx and httpcore stay inside ``bot.fetch``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from bot import USER_AGENT
from bot.core.access import FeedAccess
from bot.core.errors import FetchError
from bot.fetch.credentials import Credentials
from bot.fetch.decode import BodyDecoder, too_large
from bot.fetch.failures import parse_retry_after, status_error, translate
from bot.fetch.limits import FetchLimits
from bot.fetch.proxy import ProxySettings
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
DEFAULT_LIMITS = FetchLimits()
__all__ = ["FetchLimits", "FetchResult", "Fetcher", "parse_retry_after"]


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


class Fetcher:
    """An async context manager owning the HTTP clients; ``fetch`` may run concurrently.

    Hosts are spread over several clients (``SHARD_CONNECTIONS`` requests in flight each, on
    average), always the same client for the same host so that keep-alive works: httpcore's
    connection pool scans every connection for every queued request, so one pool holding
    ``concurrency`` connections spends more CPU on bookkeeping than on HTTP.
    """

    def __init__(
        self,
        limits: FetchLimits = DEFAULT_LIMITS,
        user_agent: str = USER_AGENT,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``environ`` (default ``os.environ``) holds the proxy settings and the feeds' secrets;
        a bad proxy URL there is a ``ConfigError`` here, before any feed is fetched."""
        self.limits = limits
        self.user_agent = user_agent
        self._environ = os.environ if environ is None else environ
        self.proxies = ProxySettings.from_env(self._environ)
        self._clients: list[httpx.AsyncClient] = []
        self._overall = asyncio.Semaphore(limits.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        shards = -(-self.limits.concurrency // SHARD_CONNECTIONS)
        self._clients = [
            _build_client(self.limits, self.user_agent, self.proxies) for _ in range(shards)
        ]
        if self.proxies.any:
            shown = self.proxies.described()
            event(log, "fetch_proxies", http_proxy=shown["http_proxy"],
                  https_proxy=shown["https_proxy"], no_proxy=shown["no_proxy"])
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
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        access: FeedAccess | None = None,
        own_url: str | None = None,
    ) -> FetchResult:
        """GET ``url`` conditionally; raise ``FetchError`` for anything but 2xx/304.

        ``access`` (the feed's ``headers:``/``auth:``) is read from the environment now; its
        secrets go only to the host of ``own_url`` (the feed's URL in rules.yaml; default
        ``url``), so neither a redirect nor a stored permanent move can carry them elsewhere.
        """
        if not self._clients:
            raise RuntimeError("Fetcher.fetch called outside 'async with Fetcher(...)'")
        first = _parse_url(url)
        _check_scheme(first, url, kind="protocol")
        own = _parse_url(own_url) if own_url else first
        credentials = Credentials.read(access, own, self._environ)
        client = self._clients[zlib.crc32(first.host.encode()) % len(self._clients)]
        headers = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        sent = {name: value for name, value in headers.items() if value}
        trail = [first]  # every URL requested so far; the last one is in flight
        async with self._host_slot(first.host), self._overall:
            try:
                async with asyncio.timeout(self.limits.total_timeout):
                    return await self._follow(client, url, trail, sent, credentials)
            except FetchError:
                raise
            except Exception as exc:
                raise translate(exc, trail[-1], self.limits) from exc

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._per_host.get(host)
        if slot is None:
            slot = self._per_host[host] = asyncio.Semaphore(self.limits.per_host)
        return slot

    async def _follow(
        self,
        client: httpx.AsyncClient,
        url: str,
        trail: list[httpx.URL],
        validators: dict[str, str],
        credentials: Credentials,
    ) -> FetchResult:
        started = time.monotonic()
        permanent = True
        while True:
            headers = credentials.for_hop(trail[-1]) | validators
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
                raise status_error(response, credentials)
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


def _build_client(
    limits: FetchLimits, user_agent: str, proxies: ProxySettings
) -> httpx.AsyncClient:
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
        proxies=proxies,
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


async def _read_body(response: httpx.Response, limits: FetchLimits) -> bytes:
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise too_large(limits.max_bytes, f"it announces {int(declared):,} bytes")
    decoder = BodyDecoder(response.headers.get("content-encoding", ""), limits.max_bytes)
    async for chunk in response.aiter_raw():
        decoder.feed(chunk)
    return decoder.finish()


