"""The address guard: decide which IP addresses a feed may live at, and enforce it at connect time.

``GuardedBackend`` is an httpcore network backend. Every TCP connection the HTTP client opens
(the first request and every redirect hop) goes through its ``connect_tcp``, which resolves the
host name itself, drops every address the bot must not talk to, and connects to an allowed IP
literal. Because the check runs on the address actually dialled, a host name that resolves to a
forbidden address (DNS rebinding, ``localhost``, a redirect to ``169.254.169.254``) is refused
before any packet is sent. TLS still verifies the certificate against the original host name:
httpcore passes the name to ``start_tls`` separately from the address.

Always refused: unspecified, link-local (cloud metadata lives there), multicast, reserved and
broadcast addresses, and anything else that is not globally routable. Refused unless
``allow_private``: loopback and private ranges (RFC 1918, CGNAT 100.64/10, IPv6 ULA fc00::/7).
IPv4-mapped (``::ffff:a.b.c.d``) and NAT64 (``64:ff9b::a.b.c.d``) addresses are judged by the
IPv4 address inside them.

``AsyncioBackend`` is the inner backend the guard dials with once it has an allowed address:
httpcore's network interface on plain asyncio streams (anyio's streams, httpcore's default,
cost about half as much CPU again per request).

``check_host`` applies the same policy to a feed fetched through a proxy (the proxy dials the
feed, so the guard checks every address the feed's name resolves to before the request goes).

This module does not speak HTTP, follow redirects or apply read/total time limits: that is
``bot.fetch.transport`` (httpx's transport seam over httpcore's pool with this backend) and
``bot.fetch.client``; nothing outside ``bot.fetch`` touches httpx/httpcore.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

from bot.core.errors import AddressBlocked, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)

_PRIVATE_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
# Reasons that allow_private lifts; every other reason is final.
_PRIVATE_REASONS = frozenset({"loopback address", "private address"})


def unwrap_address(ip: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv4-mapped or NAT64 IPv6 address, else ``ip`` itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def classify_address(address: str) -> str | None:
    """Why ``address`` is special (e.g. ``"link-local address"``), or None for a public address."""
    try:
        ip = unwrap_address(ipaddress.ip_address(address))
    except ValueError:
        return "unparseable address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_loopback:
        return "loopback address"
    if any(ip in net for net in _PRIVATE_NETWORKS):
        return "private address"
    if ip == _BROADCAST:
        return "broadcast address"
    if ip.is_reserved:
        return "reserved address"
    if not ip.is_global:
        return "special-purpose address"
    return None


def refusal_reason(address: str, *, allow_private: bool) -> str | None:
    """Why the bot must not connect to ``address``, or None when it may."""
    reason = classify_address(address)
    if reason is None or (allow_private and reason in _PRIVATE_REASONS):
        return None
    return reason


def blocked_message(host: str, address: str, reason: str) -> str:
    """The plain-words message for a refused address, saying what the user can do."""
    target = address if host == address else f"{host} at {address}"
    if reason in _PRIVATE_REASONS:
        advice = "set settings.allow_private_addresses: true if this feed is on your own network"
    elif reason == "link-local address":
        advice = (
            "link-local addresses belong to the local machine or a cloud metadata service, "
            "never to a news feed; check the feed URL and where it redirects"
        )
    else:
        advice = "no news feed can live there; check the feed URL and where it redirects"
    return f"refused to connect to {target} ({reason}); {advice}"


async def resolve_host(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses ``host`` resolves to, in resolver order, without duplicates."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise FetchError(
            "timeout", f"looking up the server name {host} took longer than {timeout:g} s"
        ) from exc
    except (socket.gaierror, UnicodeError) as exc:
        detail = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else str(exc)
        raise FetchError(
            "connect", f"could not find the server {host} ({detail}); check the feed URL"
        ) from exc
    addresses: dict[str, None] = {}
    for info in infos:
        addresses.setdefault(str(info[4][0]), None)
    return list(addresses)


async def check_host(host: str, port: int, *, allow_private: bool, timeout: float | None) -> None:
    """Raise ``AddressBlocked`` unless every address ``host`` resolves to is allowed.

    For a request sent through a proxy, which connects to the feed itself: the bot cannot
    choose the address the proxy dials, so one refused address refuses the host."""
    try:
        addresses = await resolve_host(host.strip("[]"), port, timeout)
    except AddressBlocked:
        raise
    except FetchError as exc:
        said = f"{exc.message} (behind a proxy the bot still looks feed host names up itself, to check them)"
        raise FetchError(exc.kind, said) from exc
    for address in addresses:
        reason = refusal_reason(address, allow_private=allow_private)
        if reason is not None:
            raise AddressBlocked(host, address, reason, blocked_message(host, address, reason))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that only dials addresses ``refusal_reason`` accepts."""

    def __init__(
        self, *, allow_private: bool, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.allow_private = allow_private
        self._inner = inner if inner is not None else AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        allowed: list[str] = []
        refused: list[tuple[str, str]] = []
        for address in await resolve_host(host, port, timeout):
            reason = refusal_reason(address, allow_private=self.allow_private)
            if reason is None:
                allowed.append(address)
            else:
                refused.append((address, reason))
        if not allowed:
            address, reason = refused[0]
            # Logged with the URL by bot.fetch.transport, which knows it (this layer only
            # sees a host name).
            raise AddressBlocked(host, address, reason, blocked_message(host, address, reason))
        failure: Exception | None = None
        for address in allowed:  # one after the other; the first that answers wins
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError("blocked_address", f"refused to connect to the unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection on asyncio's streams, raising httpcore's exceptions."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()  # the transport flushes and closes in the background

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore.ConnectTimeout(str(exc) or "timed out") from exc
        except (OSError, EOFError) as exc:  # ssl.SSLError is an OSError
            self._writer.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # idle, yet the server spoke or hung up: the connection is done
            return self._reader.at_eof() or self._writer.transport.is_closing()
        key = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}
        return self._writer.get_extra_info(key[info]) if info in key else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on plain asyncio streams (the inner backend of the address
    guard, which hands it an already checked IP address)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - the guard refuses unix sockets first
        raise httpcore.ConnectError("unix sockets are not supported")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
