"""bot.fetch.client against a real HTTP server on 127.0.0.1: conditional GET, redirects, the address
guard, time and size limits, error kinds, concurrency bounds; and the pure helpers
(parse_retry_after, the address classification)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import resource
import shutil
import socket
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot import PROJECT_URL, USER_AGENT
from bot.core.errors import FetchError
from bot.fetch.client import Fetcher, FetchLimits, FetchResult, parse_retry_after
from bot.fetch.guard import refusal_reason
from tests.support.feed_server import FeedServer, Request, Responder

T = TypeVar("T")
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
# Loopback allowed (the test server lives there); everything small so failures are quick.
LOCAL = FetchLimits(allow_private=True, connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feed_server:
        yield feed_server


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[FeedServer, dict[str, str]]]:
    with FeedServer() as feed_server:
        yield feed_server, feed_server.add_hostile_routes()


def fetch(url: str, limits: FetchLimits = LOCAL, **kwargs: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(limits) as fetcher:
            return await fetcher.fetch(url, **kwargs)

    return asyncio.run(go())


def fetch_error(url: str, limits: FetchLimits = LOCAL, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, limits, **kwargs)
    return info.value


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    return action(), time.monotonic() - started


# -- conditional GET and headers ---------------------------------------------------------------


def test_a_feed_comes_back_with_its_body_and_validators(server: FeedServer) -> None:
    server.set_feed("/feed.xml", FEED, etag='"v1"', last_modified="Mon, 02 Jun 2025 10:00:00 GMT")
    result = fetch(server.url("/feed.xml"))
    assert (result.status, result.body, result.not_modified) == (200, FEED, False)
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 02 Jun 2025 10:00:00 GMT"
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert result.url == result.final_url == server.url("/feed.xml")
    assert result.moved_to is None


def test_an_unchanged_feed_answers_304_to_the_stored_etag(server: FeedServer) -> None:
    server.set_feed("/feed.xml", FEED)
    first = fetch(server.url("/feed.xml"))
    again = fetch(server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert (again.status, again.not_modified, again.body) == (304, True, None)
    seen = server.requests_for("/feed.xml")[-1].headers
    assert seen["if-none-match"] == first.etag
    assert seen["if-modified-since"] == first.last_modified
    assert "if-none-match" not in server.requests_for("/feed.xml")[0].headers


def test_last_modified_alone_is_enough_for_304(server: FeedServer) -> None:
    server.set_feed("/feed.xml", FEED, etag=None, last_modified="Mon, 02 Jun 2025 10:00:00 GMT")
    result = fetch(server.url("/feed.xml"), last_modified="Mon, 02 Jun 2025 10:00:00 GMT")
    assert result.not_modified


def test_requests_name_the_bot_and_ask_for_feeds(server: FeedServer) -> None:
    server.set_feed("/feed.xml", FEED)
    fetch(server.url("/feed.xml"))
    headers = server.requests_for("/feed.xml")[0].headers
    assert headers["user-agent"] == USER_AGENT
    assert "ethics-feed-bot" in headers["user-agent"] and PROJECT_URL in headers["user-agent"]
    assert headers["accept"].startswith("application/rss+xml")
    assert headers["accept-encoding"] == "gzip, deflate"


def test_cookies_a_feed_server_sets_are_never_sent_back(server: FeedServer) -> None:
    server.set_feed("/cookie.xml", FEED, headers={"Set-Cookie": "tracker=abc123; Path=/"})

    async def twice() -> None:
        async with Fetcher(LOCAL) as fetcher:  # one client for both requests, as in a poll
            await fetcher.fetch(server.url("/cookie.xml"))
            await fetcher.fetch(server.url("/cookie.xml"))

    asyncio.run(twice())
    seen = server.requests_for("/cookie.xml")
    assert len(seen) == 2
    assert all("cookie" not in request.headers for request in seen)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # the standard: zlib-wrapped
        (
            "deflate",
            lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS),
        ),  # raw, seen in the wild
    ],
)
def test_compressed_feeds_are_decoded(
    server: FeedServer, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    body = FEED * 50
    server.set_feed("/z.xml", encode(body), headers={"Content-Encoding": encoding})
    assert fetch(server.url("/z.xml")).body == body


def test_an_encoding_the_bot_did_not_ask_for_is_a_protocol_error(server: FeedServer) -> None:
    server.set_feed("/br.xml", b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    error = fetch_error(server.url("/br.xml"))
    assert error.kind == "protocol" and "br" in error.message


def test_all_proxy_is_not_a_feed_proxy(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only HTTP_PROXY/HTTPS_PROXY carry feeds (tests/test_fetch_proxy.py); ALL_PROXY, often
    a SOCKS proxy meant for other tools, is left alone."""
    with FeedServer() as proxy:
        proxy.set_feed("/", b"proxied")
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name in ("ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.base_url)
        server.set_feed("/feed.xml", FEED)
        assert fetch(server.url("/feed.xml")).body == FEED
        assert proxy.requests == []


# -- redirects ---------------------------------------------------------------------------------


def test_a_chain_of_permanent_redirects_reports_the_new_url(server: FeedServer) -> None:
    server.set_redirect("/old", "/older", 301)
    server.set_redirect("/older", server.url("/feed.xml"), 308)
    server.set_feed("/feed.xml", FEED)
    result = fetch(server.url("/old"))
    assert result.body == FEED
    assert result.url == server.url("/old")
    assert result.final_url == result.moved_to == server.url("/feed.xml")


def test_a_temporary_redirect_anywhere_keeps_the_old_url(server: FeedServer) -> None:
    server.set_redirect("/old", "/maybe", 301)
    server.set_redirect("/maybe", "/feed.xml", 302)
    server.set_feed("/feed.xml", FEED)
    result = fetch(server.url("/old"))
    assert result.final_url == server.url("/feed.xml")
    assert result.moved_to is None


def test_a_redirect_loop_is_a_redirect_error(hostile: tuple[FeedServer, dict[str, str]]) -> None:
    feeds, paths = hostile
    error = fetch_error(feeds.url(paths["redirect_loop"]))
    assert error.kind == "redirect" and "loop" in error.message


def test_redirects_are_followed_up_to_the_limit_and_no_further(server: FeedServer) -> None:
    for hop in range(4):
        server.set_redirect(f"/r{hop}", f"/r{hop + 1}", 302)
    server.set_feed("/r4", FEED)
    limits = FetchLimits(allow_private=True, max_redirects=4, total_timeout=5.0)
    assert fetch(server.url("/r0"), limits).body == FEED
    error = fetch_error(server.url("/r0"), FetchLimits(allow_private=True, max_redirects=3))
    assert error.kind == "redirect" and "more than 3" in error.message
    assert not server.requests_for("/r4")[1:]  # the second run stopped before the feed


def test_a_redirect_to_another_scheme_is_refused(server: FeedServer) -> None:
    server.set_redirect("/old", "file:///etc/passwd", 302)
    error = fetch_error(server.url("/old"))
    assert error.kind == "redirect" and "file:///etc/passwd" in error.message


# -- the address guard -------------------------------------------------------------------------


@pytest.fixture
def dialled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address the HTTP stack asks the OS to connect to. Anything but loopback is
    refused here without a connection, so a broken guard cannot reach the network."""
    calls: list[str] = []
    real_connect = socket.socket.connect

    def recording_connect(sock: socket.socket, address: Any) -> None:
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        calls.append(host)
        if host not in ("127.0.0.1", "::1"):
            raise OSError(f"test safety net: refused to dial {host}")
        real_connect(sock, address)

    # asyncio (and anyio on it) dials with sock.connect on a non-blocking socket
    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    return calls


def test_a_redirect_to_the_metadata_address_is_refused_before_connecting(
    hostile: tuple[FeedServer, dict[str, str]], dialled: list[str]
) -> None:
    feeds, paths = hostile
    error = fetch_error(feeds.url(paths["redirect_metadata"]))  # loopback allowed, link-local not
    assert error.kind == "blocked_address"
    assert "169.254.169.254" in error.message and "link-local" in error.message
    assert feeds.requests_for(paths["redirect_metadata"])  # the first hop did happen...
    assert dialled and set(dialled) == {"127.0.0.1"}  # ...and only loopback was ever dialled


def test_loopback_is_refused_unless_private_addresses_are_allowed(
    server: FeedServer, dialled: list[str]
) -> None:
    server.set_feed("/feed.xml", FEED)
    error = fetch_error(server.url("/feed.xml"), FetchLimits())
    assert error.kind == "blocked_address"
    assert "settings.allow_private_addresses: true" in error.message
    assert server.requests == [] and dialled == []


def test_the_guard_checks_the_address_a_name_resolves_to(
    server: FeedServer, dialled: list[str]
) -> None:
    server.set_feed("/feed.xml", FEED)
    by_name = server.url("/feed.xml").replace("127.0.0.1", "localhost")
    error = fetch_error(by_name, FetchLimits())
    assert error.kind == "blocked_address" and "localhost at " in error.message
    assert server.requests == [] and dialled == []
    assert fetch(by_name).body == FEED  # the same name is fine once private addresses are


@pytest.mark.parametrize(
    ("address", "strict", "relaxed"),
    [
        ("169.254.169.254", "link-local address", "link-local address"),
        ("::ffff:169.254.169.254", "link-local address", "link-local address"),
        ("64:ff9b::a9fe:a9fe", "link-local address", "link-local address"),  # NAT64
        ("fe80::1", "link-local address", "link-local address"),
        ("0.0.0.0", "unspecified address", "unspecified address"),
        ("::", "unspecified address", "unspecified address"),
        ("224.0.0.1", "multicast address", "multicast address"),
        ("ff02::1", "multicast address", "multicast address"),
        ("255.255.255.255", "broadcast address", "broadcast address"),
        ("240.0.0.1", "reserved address", "reserved address"),
        ("127.0.0.1", "loopback address", None),
        ("127.8.9.10", "loopback address", None),
        ("::1", "loopback address", None),
        ("::ffff:127.0.0.1", "loopback address", None),
        ("10.1.2.3", "private address", None),
        ("172.16.0.1", "private address", None),
        ("172.31.255.255", "private address", None),
        ("192.168.1.1", "private address", None),
        ("100.64.0.1", "private address", None),  # carrier-grade NAT
        ("fd12:3456::1", "private address", None),
        ("93.184.215.14", None, None),
        ("172.32.0.1", None, None),
        ("2606:4700:4700::1111", None, None),
    ],
)
def test_address_policy(address: str, strict: str | None, relaxed: str | None) -> None:
    assert refusal_reason(address, allow_private=False) == strict
    assert refusal_reason(address, allow_private=True) == relaxed


# -- time and size limits ----------------------------------------------------------------------


def test_a_dripping_server_is_cut_off_by_the_total_timeout(
    hostile: tuple[FeedServer, dict[str, str]],
) -> None:
    feeds, paths = hostile
    limits = FetchLimits(allow_private=True, read_timeout=2.0, total_timeout=1.0)
    error, took = timed(lambda: fetch_error(feeds.url(paths["drip"]), limits))
    assert error.kind == "timeout" and "1 s" in error.message
    assert took < 10


def test_a_server_that_stops_after_the_headers_is_cut_off_by_the_read_timeout(
    hostile: tuple[FeedServer, dict[str, str]],
) -> None:
    feeds, paths = hostile
    limits = FetchLimits(allow_private=True, read_timeout=0.3, total_timeout=30.0)
    error, took = timed(lambda: fetch_error(feeds.url(paths["hang_after_headers"]), limits))
    assert error.kind == "timeout" and "stopped sending data" in error.message
    assert took < 10


def test_an_endless_body_stops_at_the_size_cap(
    hostile: tuple[FeedServer, dict[str, str]],
) -> None:
    feeds, paths = hostile
    limits = FetchLimits(allow_private=True, max_bytes=1_000_000, total_timeout=10.0)
    error = fetch_error(feeds.url(paths["endless_body"]), limits)
    assert error.kind == "too_large" and "1,000,000" in error.message


def test_a_gzip_bomb_stops_at_the_cap_without_being_inflated(
    hostile: tuple[FeedServer, dict[str, str]],
) -> None:
    feeds, paths = hostile
    limits = FetchLimits(allow_private=True, max_bytes=2_000_000, total_timeout=10.0)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    error, took = timed(lambda: fetch_error(feeds.url(paths["gzip_bomb"]), limits))
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert error.kind == "too_large" and "decompressed" in error.message
    assert grown_mib < 200  # inflating it all would take 1024 MiB
    assert took < 10


def test_an_announced_oversized_body_is_refused_without_reading_it(server: FeedServer) -> None:
    def promise_a_lot(_request: Request, responder: Responder) -> None:
        responder.send_head(200, {"Content-Length": str(50 * 1024 * 1024)})
        responder.close_after()
        responder.sleep(5)  # would trip the read timeout if the bot waited for the body

    server.set_route("/big", promise_a_lot)
    error = fetch_error(server.url("/big"), FetchLimits(allow_private=True, read_timeout=3))
    assert error.kind == "too_large" and "announces 52,428,800 bytes" in error.message


# -- error kinds -------------------------------------------------------------------------------


def test_a_server_error_is_an_http_status_error(
    hostile: tuple[FeedServer, dict[str, str]],
) -> None:
    feeds, paths = hostile
    error = fetch_error(feeds.url(paths["http_500"]))
    assert error.kind == "http_status"
    assert "HTTP 500 Internal Server Error" in error.message
    assert error.retry_after is None


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_feed_says_to_check_the_url(server: FeedServer, status: int) -> None:
    server.set_status("/gone", status)
    error = fetch_error(server.url("/gone"))
    assert error.kind == "http_status" and str(status) in error.message
    assert "check the URL" in error.message


def test_rate_limiting_carries_retry_after_in_seconds(server: FeedServer) -> None:
    server.set_status("/busy", 429, headers={"Retry-After": "120"})
    error = fetch_error(server.url("/busy"))
    assert (error.kind, error.retry_after) == ("http_status", 120.0)


def test_unavailable_carries_retry_after_given_as_a_date(server: FeedServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    server.set_status("/down", 503, headers={"Retry-After": when})
    error = fetch_error(server.url("/down"))
    assert error.kind == "http_status"
    assert error.retry_after is not None and 3000 < error.retry_after <= 3600


def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/feed.xml")
    assert error.kind == "connect" and "refused" in error.message


def test_garbage_instead_of_http_is_a_protocol_error(server: FeedServer) -> None:
    def garbage(_request: Request, responder: Responder) -> None:
        responder.write(b"SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n\r\n")
        responder.close_after()

    server.set_route("/garbage", garbage)
    assert fetch_error(server.url("/garbage")).kind == "protocol"


def test_a_url_that_is_not_http_is_refused() -> None:
    error = fetch_error("ftp://example.org/feed.xml")
    assert error.kind == "protocol" and "http" in error.message


# -- concurrency -------------------------------------------------------------------------------


class InFlight:
    """A slow route that records how many requests it was serving at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __call__(self, _request: Request, responder: Responder) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with self._lock:
            self.now -= 1
        responder.send(200, FEED, {"Content-Type": "application/rss+xml"})


def fetch_all(urls: list[str], limits: FetchLimits) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(limits) as fetcher:
            jobs: list[Awaitable[FetchResult]] = [fetcher.fetch(url) for url in urls]
            return list(await asyncio.gather(*jobs))

    return asyncio.run(go())


def test_requests_to_one_host_are_bounded(server: FeedServer) -> None:
    slow = InFlight()
    server.set_route("/slow", slow)
    urls = [server.url(f"/slow?n={n}") for n in range(10)]
    results = fetch_all(urls, FetchLimits(allow_private=True, per_host=2))
    assert [r.body for r in results] == [FEED] * 10
    assert 1 <= slow.most <= 2


def test_requests_overall_are_bounded(server: FeedServer) -> None:
    slow = InFlight()
    server.set_route("/slow", slow)
    hosts = ("127.0.0.1", "localhost")  # two hosts as far as the per-host bound goes
    urls = [server.url(f"/slow?n={n}").replace("127.0.0.1", hosts[n % 2]) for n in range(12)]
    results = fetch_all(urls, FetchLimits(allow_private=True, concurrency=3, per_host=10))
    assert len(results) == 12
    assert 1 <= slow.most <= 3


# -- Retry-After -------------------------------------------------------------------------------

NOW = datetime(2025, 6, 2, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("  0 ", 0.0),
        ("Mon, 02 Jun 2025 10:02:00 GMT", 120.0),
        ("Monday, 02-Jun-25 10:00:30 GMT", 30.0),  # the obsolete RFC 850 form
        ("Mon, 02 Jun 2025 09:00:00 GMT", 0.0),  # already past: no wait
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


# -- TLS ---------------------------------------------------------------------------------------


@pytest.fixture
def self_signed_tls_port(tmp_path: Path) -> Iterator[int]:
    """A TLS listener on 127.0.0.1 with a self-signed certificate for ``localhost``."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = "openssl req -x509 -nodes -days 2 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
    subject = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(command.split() + subject + files, check=True, capture_output=True, timeout=60)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.settimeout(5)
                context.wrap_socket(conn, server_side=True).close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_an_untrusted_certificate_is_a_connect_error(self_signed_tls_port: int) -> None:
    error = fetch_error(f"https://localhost:{self_signed_tls_port}/feed.xml")
    assert error.kind == "connect"
    assert "certificate of localhost could not be verified" in error.message


# -- the test server itself --------------------------------------------------------------------


def test_the_feed_server_stops_promptly_while_hostile_responses_are_running() -> None:
    clients = []
    before = set(threading.enumerate())
    with FeedServer() as feeds:
        paths = feeds.add_hostile_routes()
        for name in ("drip", "hang_after_headers", "endless_body"):
            client = socket.create_connection(("127.0.0.1", feeds.port))
            client.sendall(f"GET {paths[name]} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            clients.append(client)
        for client in clients:  # every response is under way
            assert client.recv(12) == b"HTTP/1.1 200"
        started = time.monotonic()
    took = time.monotonic() - started
    for client in clients:
        client.close()
    assert took < 10
    # A response thread may still be unwinding from the closed socket when the server has
    # returned; give them a moment (on a busy machine), but every one must end.
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    for thread in leftover:
        thread.join(timeout=5)
    assert [t for t in leftover if t.is_alive()] == []
