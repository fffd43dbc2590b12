"""A real HTTP/1.1 feed server on 127.0.0.1 for tests: static feeds with validators, status codes,
redirects, hand-written routes, and ready-made hostile routes (drip, hang, endless body, gzip
bomb, redirect loop, redirect to the cloud metadata address, entity bomb...).

    with FeedServer() as server:
        server.set_feed("/feed.xml", b"<rss>...</rss>")
        url = server.url("/feed.xml")
        ...
        assert server.requests_for("/feed.xml")[0].headers["user-agent"].startswith("ethics")

It runs in a background thread (one thread per connection) and stops promptly on exit, even
while hostile handlers are still writing: they wait on a stop flag and give up after
``HOSTILE_CAP_SECONDS`` anyway. It listens on loopback only and never connects anywhere.
It does not speak TLS or HTTP/2.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

HOSTILE_CAP_SECONDS = 30.0  # no hostile response lasts longer than this, whoever is listening
HOSTILE_CAP_BYTES = 2 * 1024**3  # nor writes more than this
BOMB_INFLATED_BYTES = 1024 * 1024 * 1024  # what gzip_bomb inflates to
METADATA_URL = "http://169.254.169.254/latest/meta-data/"


class RecordedRequest(NamedTuple):
    """A request as the server saw it. ``headers`` has lower-cased names."""

    method: str
    path: str  # as requested, query string included
    headers: dict[str, str]
    time: float  # time.monotonic() on arrival


@dataclass(frozen=True)
class Request:
    """What a route handler gets to look at."""

    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # lower-cased names


@dataclass
class Responder:
    """Lets a route handler answer: whole responses with ``send``, or raw control with
    ``send_head`` + ``write`` + ``sleep``. Writes go straight to the socket (flushed)."""

    _handler: BaseHTTPRequestHandler
    _stop: threading.Event
    head_only: bool = False
    started: float = field(default_factory=time.monotonic)
    written: int = 0

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """A complete response with Content-Length."""
        has_body = status >= 200 and status not in (204, 304)
        all_headers = {"Content-Length": str(len(body))} if has_body else {}
        all_headers.update(headers or {})
        self.send_head(status, all_headers)
        if not self.head_only and status != 304 and body:
            self.write(body)

    def send_head(self, status: int, headers: dict[str, str] | None = None) -> None:
        """The status line and headers; the handler writes the body itself (or nothing)."""
        handler = self._handler
        handler.send_response_only(status)
        handler.send_header("Date", email.utils.formatdate(usegmt=True))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.flush()

    def write(self, data: bytes) -> None:
        """Raw bytes to the client, flushed now. Raises OSError when the client has gone."""
        self._handler.wfile.write(data)
        self._handler.wfile.flush()
        self.written += len(data)

    def write_chunk(self, data: bytes) -> None:
        """One chunk of a ``Transfer-Encoding: chunked`` body (``b""`` ends the body)."""
        self.write(b"%x\r\n%s\r\n" % (len(data), data))

    @property
    def keep_going(self) -> bool:
        """False once the server is stopping or this response hit the hostile caps."""
        return (
            not self._stop.is_set()
            and time.monotonic() - self.started < HOSTILE_CAP_SECONDS
            and self.written < HOSTILE_CAP_BYTES
        )

    def sleep(self, seconds: float) -> bool:
        """Sleep, waking early when the server stops; True if the response should go on."""
        self._stop.wait(seconds)
        return self.keep_going

    def close_after(self) -> None:
        """Close the connection once this response is done (no keep-alive)."""
        self._handler.close_connection = True


Handler = Callable[[Request, Responder], None]


class FeedServer:
    """A context manager running the server; see the module docstring."""

    def __init__(self) -> None:
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self.port = int(self._httpd.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd.close_clients(wait=5.0)

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def set_route(self, path: str, handler: Handler) -> None:
        """Serve ``path`` (query string ignored) with ``handler``, called on a server thread."""
        with self._lock:
            self._routes[path] = handler

    def set_feed(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        etag: str | None = "auto",
        last_modified: str | None = "auto",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve ``body`` with validators; answer a matching conditional request with 304.

        ``etag="auto"`` is a hash of the body, ``last_modified="auto"`` is now; None omits it.
        """
        if etag == "auto":
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if last_modified == "auto":
            last_modified = email.utils.formatdate(usegmt=True)
        validators = {"ETag": etag, "Last-Modified": last_modified}
        base = {name: value for name, value in validators.items() if value is not None}

        def serve(request: Request, responder: Responder) -> None:
            if _not_modified(request.headers, etag, last_modified):
                responder.send(304, headers=base | (headers or {}))
            else:
                responder.send(200, body, {"Content-Type": content_type} | base | (headers or {}))

        self.set_route(path, serve)

    def set_status(
        self, path: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Answer ``path`` with ``status`` (e.g. 500, or 429 with a Retry-After header)."""
        self.set_route(path, lambda _request, responder: responder.send(status, body, headers))

    def set_redirect(self, path: str, location: str, status: int = 301) -> None:
        """Redirect ``path`` to ``location`` (absolute, or relative to this server)."""
        self.set_status(path, status, headers={"Location": location})

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """The requests for ``path`` so far (matched with or without their query string)."""
        with self._lock:
            return [r for r in self.requests if r.path == path or urlsplit(r.path).path == path]

    def add_hostile_routes(self, prefix: str = "/hostile") -> dict[str, str]:
        """Install the hostile routes under ``prefix``; returns name -> path."""
        paths = {name: f"{prefix}/{name}" for name in _HOSTILE}
        for name, route in _HOSTILE.items():
            self.set_route(paths[name], route)
        paths["redirect_loop"] = f"{prefix}/redirect_loop/a"
        self.set_redirect(paths["redirect_loop"], f"{prefix}/redirect_loop/b", 302)
        self.set_redirect(f"{prefix}/redirect_loop/b", paths["redirect_loop"], 302)
        paths["redirect_metadata"] = f"{prefix}/redirect_metadata"
        self.set_redirect(paths["redirect_metadata"], METADATA_URL, 302)
        return paths

    # -- called from the handler threads ------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _route(self, path: str) -> Handler | None:
        with self._lock:
            return self._routes.get(path)


def _not_modified(headers: dict[str, str], etag: str | None, last_modified: str | None) -> bool:
    if "if-none-match" in headers:  # it takes precedence over If-Modified-Since (RFC 9110)
        wanted = [tag.strip().removeprefix("W/") for tag in headers["if-none-match"].split(",")]
        return etag is not None and ("*" in wanted or etag.removeprefix("W/") in wanted)
    since, modified = headers.get("if-modified-since"), last_modified
    if since is None or modified is None:
        return False
    try:
        return email.utils.parsedate_to_datetime(modified) <= email.utils.parsedate_to_datetime(
            since
        )
    except (TypeError, ValueError):
        return False


class _Server(ThreadingHTTPServer):
    """Keeps track of open client connections so that exit can cut them all off."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._clients: set[socket.socket] = set()
        self._clients_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._clients_lock:
            self._clients.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request (the bot cutting off a hostile route, a pooled
        # connection closed at exit) is expected here, not an error worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._clients_lock:
            self._clients.discard(request)
        super().shutdown_request(request)

    def close_clients(self, wait: float) -> None:
        """Shut every open connection down, then wait (bounded) for their threads to end."""
        with self._clients_lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with self._clients_lock:
                if not self._clients:
                    return
            time.sleep(0.01)


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class FeedRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # an idle keep-alive connection's thread ends after this
        server_version = "FeedServer/1"

        def do_GET(self) -> None:
            self._answer(head_only=False)

        def do_HEAD(self) -> None:
            self._answer(head_only=True)

        def _answer(self, *, head_only: bool) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            server._record(RecordedRequest(self.command, self.path, headers, time.monotonic()))
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, parts.query, headers)
            responder = Responder(self, server._stop, head_only=head_only)
            route = server._route(self.path) or server._route(parts.path)
            try:
                if route is None:
                    responder.send(404, b"no such route\n", {"Content-Type": "text/plain"})
                else:
                    route(request, responder)
            except OSError:  # the client went away (the bot gave up): nothing to tell it
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean; the requests are in server.requests

    return FeedRequestHandler


# -- hostile routes ----------------------------------------------------------------------------

_RSS = "application/rss+xml; charset=utf-8"


def _drip(_request: Request, responder: Responder) -> None:
    """Headers, then one byte every 0.5 s: never a gap long enough for a read timeout."""
    responder.send_head(200, {"Content-Type": _RSS, "Content-Length": str(10**6)})
    responder.close_after()
    while responder.sleep(0.5):
        responder.write(b" ")


def _hang_after_headers(_request: Request, responder: Responder) -> None:
    """Headers promising a body, then silence."""
    responder.send_head(200, {"Content-Type": _RSS, "Content-Length": "1000"})
    responder.close_after()
    while responder.sleep(0.2):
        pass


def _endless_body(_request: Request, responder: Responder) -> None:
    """A chunked body that never ends (64 KiB chunks of feed-looking text)."""
    responder.send_head(200, {"Content-Type": _RSS, "Transfer-Encoding": "chunked"})
    responder.close_after()
    responder.write_chunk(b'<?xml version="1.0"?><rss version="2.0"><channel>')
    chunk = b"<item><title>more</title></item>" * 2048
    while responder.keep_going:
        responder.write_chunk(chunk)


_bomb_lock = threading.Lock()
_bomb: list[bytes] = []


def gzip_bomb_body() -> bytes:
    """A valid ~1 MB gzip member that inflates to ``BOMB_INFLATED_BYTES`` zero bytes.

    Built in a fraction of a second: after a full flush, compressing another MiB of zeros
    yields the same bytes every time, so the middle is one compressed block repeated.
    """
    with _bomb_lock:
        if not _bomb:
            block = bytes(1024 * 1024)
            deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
            first = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
            middle = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
            last = deflate.compress(block) + deflate.flush(zlib.Z_FINISH)
            blocks = BOMB_INFLATED_BYTES // len(block)
            crc = 0
            for _ in range(blocks):
                crc = zlib.crc32(block, crc)
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
            trailer = struct.pack("<II", crc, BOMB_INFLATED_BYTES & 0xFFFFFFFF)
            _bomb.append(header + first + middle * (blocks - 2) + last + trailer)
        return _bomb[0]


def _gzip_bomb(_request: Request, responder: Responder) -> None:
    responder.send(200, gzip_bomb_body(), {"Content-Type": _RSS, "Content-Encoding": "gzip"})


def _http_500(_request: Request, responder: Responder) -> None:
    responder.send(500, b"Internal Server Error\n", {"Content-Type": "text/plain"})


_HTML = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Tech Ethics News</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
<body><h1>Tech Ethics News</h1><p>This is a web page, not a feed.</p></body></html>
"""


def _html_page(_request: Request, responder: Responder) -> None:
    responder.send(200, _HTML, {"Content-Type": "text/html; charset=utf-8"})


def _empty_body(_request: Request, responder: Responder) -> None:
    responder.send(200, b"", {"Content-Type": _RSS})


def entity_bomb_body(references: int = 100_000) -> bytes:
    """RSS whose internal DTD subset defines one entity, referenced ``references`` times."""
    payload = "&boom;" * references
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<!DOCTYPE rss [<!ENTITY boom "ethics ethics ethics ethics ethics ethics ethics ">]>\n'
        '<rss version="2.0"><channel><title>Entity bomb</title><link>http://127.0.0.1/</link>'
        "<description>test</description><item><title>Boom</title>"
        "<guid>entity-bomb-1</guid><link>http://127.0.0.1/boom</link>"
        f"<description>{payload}</description></item></channel></rss>\n"
    ).encode()


def _entity_bomb(_request: Request, responder: Responder) -> None:
    responder.send(200, entity_bomb_body(), {"Content-Type": _RSS})


_HOSTILE: dict[str, Handler] = {
    "drip": _drip,
    "hang_after_headers": _hang_after_headers,
    "endless_body": _endless_body,
    "gzip_bomb": _gzip_bomb,
    "http_500": _http_500,
    "html_page": _html_page,
    "empty_body": _empty_body,
    "entity_bomb": _entity_bomb,
}
