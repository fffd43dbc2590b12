"""The HTTP transport under the fetcher: httpx's public transport seam over httpcore's pool.

``GuardedTransport`` is an ``httpx.AsyncBaseTransport`` (the interface httpx documents for
custom transports). It hands each request to an ``httpcore.AsyncConnectionPool`` whose network
backend is the address guard (``bot.fetch.guard.GuardedBackend``), so every connection, first
request and redirect hop alike, is checked at connect time. It translates httpcore's exceptions
into httpx's (the fetcher reads only those), and logs each refused address as
``address_blocked`` with the URL that was being fetched, the host, the address and the reason:
the guard itself only sees a host name.

Behind a proxy (``bot.fetch.proxy``: ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``), a request
whose URL the settings send to a proxy goes to an ``httpcore.AsyncHTTPProxy`` pool instead (the
request forwarded for ``http://``, a CONNECT tunnel for ``https://``). The proxy dials the feed,
so the guard first checks every address the feed's host resolves to (``guard.check_host``); the
pool itself may only dial the proxy, on whatever address it has.

It does not follow redirects, cap sizes or times, or set headers: ``bot.fetch.client`` does.
Only public names of httpx and httpcore are used (pyproject.toml bounds both: the network
backend interface the guard implements is httpcore 1.x's).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from bot.core.errors import AddressBlocked, FetchError
from bot.fetch.guard import GuardedBackend, check_host
from bot.fetch.proxy import Proxy, ProxyBackend, ProxySettings
from bot.observe.logs import event, get_logger

log = get_logger("fetch")
NO_PROXIES = ProxySettings()

# httpcore's exceptions and the httpx ones they become, most specific first (the first match
# wins). The names are the public ones both libraries document.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_exceptions() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for theirs, ours in _EXCEPTIONS:
            if isinstance(exc, theirs):
                raise ours(str(exc)) from exc
        raise


class _Body(httpx.AsyncByteStream):
    """A response body read from httpcore, its errors raised as httpx's."""

    def __init__(self, stream: AsyncIterable[bytes], response: httpcore.Response) -> None:
        self._stream = stream
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_exceptions():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        await self._response.aclose()


def _proxy_refused(proxy: Proxy, url: httpx.URL, answer: str) -> FetchError:
    """The proxy would not open a tunnel (its answer to CONNECT was not 2xx)."""
    said = f"the proxy {proxy.shown} refused to open a connection to {url.host} (HTTP {answer})"
    if answer.startswith("407"):
        said += "; it wants a login: put it in the proxy URL (http://user:password@host:port)"
    elif answer.startswith("403"):
        said += "; the proxy's rules forbid this site or port (ask whoever runs the proxy)"
    return FetchError("connect", said)


class GuardedTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive, every connection dialled through the address guard.

    ``max_connections`` bounds the open connections and ``max_keepalive`` the idle ones kept
    for reuse (for ``keepalive_expiry`` seconds).
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        allow_private: bool,
        max_connections: int,
        max_keepalive: int,
        keepalive_expiry: float = 30.0,
        proxies: ProxySettings = NO_PROXIES,
    ) -> None:
        self._allow_private = allow_private
        self._proxies = proxies
        self._proxy_pools: dict[Proxy, httpcore.AsyncHTTPProxy] = {}
        self._limits = (max_connections, max_keepalive, keepalive_expiry)
        self._ssl_context = ssl_context
        self._connections = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(allow_private=allow_private),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,  # httpx's timeouts travel here
        )
        proxy = self._proxies.for_url(url.scheme, url.host, url.port)
        try:
            with _httpx_exceptions():
                if proxy is None:
                    response = await self._connections.handle_async_request(core_request)
                else:
                    timeouts = request.extensions.get("timeout", {})
                    await check_host(
                        url.host, url.port or (443 if url.scheme == "https" else 80),
                        allow_private=self._allow_private, timeout=timeouts.get("connect"),
                    )
                    response = await self._through(proxy).handle_async_request(core_request)
        except httpx.ProxyError as exc:
            assert proxy is not None  # only a proxy pool raises it
            raise _proxy_refused(proxy, url, str(exc)) from exc
        except AddressBlocked as refused:
            event(
                log,
                "address_blocked",
                logging.INFO,
                url=str(url),
                host=refused.host,
                address=refused.address,
                reason=refused.reason,
            )
            raise
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, response),
            extensions=response.extensions,
        )

    def _through(self, proxy: Proxy) -> httpcore.AsyncHTTPProxy:
        pool = self._proxy_pools.get(proxy)
        if pool is None:
            auth = (proxy.username, proxy.password or "") if proxy.username is not None else None
            pool = self._proxy_pools[proxy] = httpcore.AsyncHTTPProxy(
                proxy_url=proxy.url,
                proxy_auth=auth,
                ssl_context=self._ssl_context,
                proxy_ssl_context=self._ssl_context if proxy.scheme == "https" else None,
                http1=True,
                http2=False,
                network_backend=ProxyBackend(proxy),
                max_connections=self._limits[0],
                max_keepalive_connections=self._limits[1],
                keepalive_expiry=self._limits[2],
            )
        return pool

    async def aclose(self) -> None:
        await self._connections.aclose()
        pools, self._proxy_pools = list(self._proxy_pools.values()), {}
        for pool in pools:
            await pool.aclose()
