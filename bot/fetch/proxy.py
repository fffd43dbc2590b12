"""Corporate proxies: which proxy (if any) a feed request goes through, from the environment.

``ProxySettings.from_env`` reads ``HTTPS_PROXY``, ``HTTP_PROXY`` and ``NO_PROXY`` (the lower-case
forms win when both are set, as in curl and Python's urllib). ``HTTP_PROXY`` carries ``http://``
feeds, ``HTTPS_PROXY`` carries ``https://`` feeds (through a CONNECT tunnel, so TLS still runs
end to end with the feed's server). ``ALL_PROXY`` and SOCKS proxies are not supported.

``NO_PROXY`` is a comma-separated list, read as curl and httpx document it: ``*`` bypasses the
proxy for every host; a name matches itself and every host below it (``example.org`` and
``.example.org`` both match ``example.org`` and ``news.example.org``, not ``myexample.org``); an
IP address or CIDR block (``10.0.0.0/8``, ``::1``) matches host addresses written as such (no
name is resolved for it); ``name:port`` or ``[v6]:port`` matches that port only.

A proxy URL may carry credentials (``http://user:pass@proxy:3128``): they are sent as
``Proxy-Authorization`` and never shown: ``shown`` replaces them with ``***``.

``ProxyBackend`` is the httpcore network backend of a proxy's connection pool: it dials the
proxy and nothing else. The proxy may live on a private address (a corporate proxy usually
does); the address guard judges the feed's own host instead (``bot.fetch.transport``).
This module does not speak HTTP: httpcore's ``AsyncHTTPProxy`` does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import httpcore

from bot.core.errors import ConfigError, FetchError, Problem
from bot.fetch.guard import AsyncioBackend, SocketOption

DEFAULT_PORTS = {"http": 80, "https": 443}
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Proxy:
    """One proxy server. ``password`` never appears in ``repr`` or ``shown``."""

    scheme: str  # http or https (TLS to the proxy itself)
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The proxy's address without credentials."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def shown(self) -> str:
        """The proxy's address as logs and messages show it: credentials replaced by ``***``."""
        if self.username is None:
            return self.url
        return self.url.replace("://", "://***@", 1)


def parse_proxy(value: str, variable: str) -> Proxy:
    """A proxy URL from the environment; ``ConfigError`` (without the value's secrets) if bad."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text  # curl's reading of "proxy.corp:3128"
    shown = _redacted(text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _bad(variable, f"{shown} is not a valid proxy URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _bad(variable, f"{shown}: only http:// and https:// proxies are supported (not {scheme}://)")
    if not parts.hostname:
        raise _bad(variable, f"{shown} names no proxy host")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    if username is not None and password is None:
        password = ""
    return Proxy(scheme, parts.hostname, port or DEFAULT_PORTS[scheme], username, password)


def _redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{path}"


def _bad(variable: str, message: str) -> ConfigError:
    return ConfigError([Problem(variable, None, message)], source="environment")


@dataclass(frozen=True)
class NoProxy:
    """The hosts ``NO_PROXY`` sends directly (see the module docstring for the rules)."""

    everything: bool = False
    domains: tuple[tuple[str, int | None], ...] = ()
    networks: tuple[tuple[IPNetwork, int | None], ...] = ()
    text: str = ""

    @classmethod
    def parse(cls, value: str) -> NoProxy:
        domains: list[tuple[str, int | None]] = []
        networks: list[tuple[IPNetwork, int | None]] = []
        for raw in value.split(","):
            entry = raw.strip().lower()
            if "://" in entry:
                entry = entry.split("://", 1)[1]
            if not entry:
                continue
            if entry == "*":
                return cls(everything=True, text=value.strip())
            host, port = _split_port(entry)
            try:
                networks.append((ipaddress.ip_network(host, strict=False), port))
                continue
            except ValueError:
                pass
            name = host.removeprefix("*").removeprefix(".").rstrip(".")
            if name:
                domains.append((name, port))
        return cls(False, tuple(domains), tuple(networks), value.strip())

    def matches(self, host: str, port: int) -> bool:
        """True when a request to ``host:port`` must not go through the proxy."""
        if self.everything:
            return True
        name = host.lower().strip("[]").rstrip(".")
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            return any(
                (name == domain or name.endswith("." + domain)) and wanted in (None, port)
                for domain, wanted in self.domains
            )
        return any(ip in network and wanted in (None, port) for network, wanted in self.networks)


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":")
        return host, int(port) if port.isdigit() else None
    if entry.count(":") == 1:  # name:port or v4:port (more colons: a bare IPv6 address)
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


@dataclass(frozen=True)
class ProxySettings:
    """Which proxy each feed request takes: ``for_url`` is the whole decision."""

    http: Proxy | None = None
    https: Proxy | None = None
    no_proxy: NoProxy = NoProxy()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ProxySettings:
        def read(name: str) -> tuple[str, str] | None:
            for variable in (name.lower(), name.upper()):
                if environ.get(variable, "").strip():
                    return variable, environ[variable]
            return None

        found = {name: read(name) for name in ("http_proxy", "https_proxy", "no_proxy")}
        http, https, bypass = found["http_proxy"], found["https_proxy"], found["no_proxy"]
        return cls(
            http=parse_proxy(http[1], http[0]) if http else None,
            https=parse_proxy(https[1], https[0]) if https else None,
            no_proxy=NoProxy.parse(bypass[1]) if bypass else NoProxy(),
        )

    @property
    def any(self) -> bool:
        return self.http is not None or self.https is not None

    def for_url(self, scheme: str, host: str, port: int | None) -> Proxy | None:
        """The proxy for a request, or None to connect directly."""
        proxy = self.https if scheme == "https" else self.http
        if proxy is None or self.no_proxy.matches(host, port or DEFAULT_PORTS.get(scheme, 80)):
            return None
        return proxy

    def described(self) -> dict[str, str | None]:
        """The settings as a log line shows them (credentials redacted)."""
        return {
            "http_proxy": self.http.shown if self.http else None,
            "https_proxy": self.https.shown if self.https else None,
            "no_proxy": self.no_proxy.text or None,
        }


class ProxyBackend(httpcore.AsyncNetworkBackend):
    """The network backend of one proxy's pool: it connects to that proxy and nowhere else."""

    def __init__(self, proxy: Proxy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.proxy = proxy
        self._inner = inner if inner is not None else AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if (host.strip("[]").lower(), port) != (self.proxy.host.lower(), self.proxy.port):
            raise FetchError("blocked_address", f"refused to connect to {host}: not the proxy {self.proxy.shown}")
        try:
            return await self._inner.connect_tcp(
                host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
            )
        except httpcore.ConnectTimeout as exc:
            within = f" within {timeout:g} s" if timeout else ""
            said = f"could not connect to the proxy {self.proxy.shown}{within}"
            raise FetchError("timeout", said + "; check HTTPS_PROXY/HTTP_PROXY") from exc
        except httpcore.ConnectError as exc:
            said = f"could not connect to the proxy {self.proxy.shown} ({exc})"
            raise FetchError("connect", said + "; check HTTPS_PROXY/HTTP_PROXY") from exc

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - a proxy pool only dials the proxy
        raise FetchError("blocked_address", f"refused to connect to the unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
