"""A small forwarding HTTP proxy for tests, run as its own process on 127.0.0.1.

    with ForwardProxy(tmp_path) as proxy:              # or ForwardProxy(tmp_path, auth="u:p")
        env = {"HTTP_PROXY": proxy.url}
        ...
        assert [r["target"] for r in proxy.forwarded()] == ["http://127.0.0.1:8000/feed.xml"]

It speaks what a corporate proxy speaks to the bot: an absolute-form request (``GET
http://host:port/path``) is forwarded to the origin, a ``CONNECT host:port`` opens a tunnel
(for https). With ``auth`` it answers 407 to requests without that ``Proxy-Authorization``.
Every request it receives becomes one JSON line in a log file (method, target, status, whether
it carried Proxy-Authorization and Authorization), which ``forwarded()`` reads back: the test
sees what really went through a separate process over real sockets.

It only ever connects to loopback (anything else gets 403), handles one request per
connection (it answers ``Connection: close``), and does not support request bodies.
Run directly: ``python -m tests.support.forward_proxy LOGFILE [USER:PASSWORD]``; it prints
``PORT <n>`` once it listens.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_HOP_HEADERS = {b"proxy-authorization", b"proxy-connection", b"connection", b"keep-alive"}


class ForwardProxy:
    """Starts the proxy process; ``url`` is its address, ``forwarded()`` what it saw."""

    def __init__(self, folder: Path, auth: str | None = None) -> None:
        self.log = folder / "proxy-requests.jsonl"
        self.log.write_text("")
        command = [sys.executable, "-m", "tests.support.forward_proxy", str(self.log)]
        self._process = subprocess.Popen(
            command + ([auth] if auth else []),
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # the child prints its port as soon as it listens
        if not line.startswith("PORT "):
            self._process.kill()
            raise RuntimeError(f"the test proxy did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ForwardProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def forwarded(self) -> list[dict[str, Any]]:
        """Every request the proxy received, in order."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


# -- the proxy process -------------------------------------------------------------------------


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.close()


class _Proxy:
    def __init__(self, log: Path, auth: str | None) -> None:
        self.log = log
        self.expected = b"Basic " + base64.b64encode(auth.encode()) if auth else None

    def record(self, **facts: Any) -> None:
        with self.log.open("a") as out:
            out.write(json.dumps(facts) + "\n")

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            writer.close()
            return
        request_line, *lines = head[:-4].split(b"\r\n")
        method, target, _version = request_line.decode("latin-1").split(" ", 2)
        headers = [tuple(part.strip() for part in line.split(b":", 1)) for line in lines if b":" in line]
        names = {name.lower(): value for name, value in headers}
        facts = {"method": method, "target": target, "proxy_auth": b"proxy-authorization" in names,
                 "auth": b"authorization" in names}
        if self.expected is not None and names.get(b"proxy-authorization") != self.expected:
            return await self.answer(writer, 407, facts, b'Proxy-Authenticate: Basic realm="test"\r\n')
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            return await self.tunnel(reader, writer, host.strip("[]"), int(port), facts)
        parts = urlsplit(target)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK:
            return await self.answer(writer, 403, facts)
        try:
            up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        except OSError:
            return await self.answer(writer, 502, facts)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = b"".join(name + b": " + value + b"\r\n" for name, value in headers if name.lower() not in _HOP_HEADERS)
        up_writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + kept + b"Connection: close\r\n\r\n")
        await up_writer.drain()
        try:
            response = await up_reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, OSError):
            return await self.answer(writer, 502, facts)
        status_line, *response_lines = response[:-4].split(b"\r\n")
        self.record(**facts, status=int(status_line.split()[1]))
        kept_lines = [line for line in response_lines if line.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS]
        writer.write(b"\r\n".join([status_line, *kept_lines, b"Connection: close", b"", b""]))
        await _pipe(up_reader, writer)
        up_writer.close()

    async def tunnel(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int, facts: dict[str, Any]
    ) -> None:
        if host not in LOOPBACK:
            return await self.answer(writer, 403, facts)
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            return await self.answer(writer, 502, facts)
        self.record(**facts, status=200)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def answer(
        self, writer: asyncio.StreamWriter, status: int, facts: dict[str, Any], extra: bytes = b""
    ) -> None:
        self.record(**facts, status=status)
        writer.write(b"HTTP/1.1 %d Proxy says no\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n" % (status, extra))
        with contextlib.suppress(OSError):
            await writer.drain()
        writer.close()


async def _serve(log: Path, auth: str | None) -> None:
    proxy = _Proxy(log, auth)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None))
