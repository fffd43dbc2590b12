"""What went wrong with a fetch, in plain words: an HTTP status or whatever the HTTP stack
raised becomes a ``FetchError`` with a ``kind`` (for metrics, backoff and the ops advice) and a
message that says what the user can do; ``parse_retry_after`` reads a server's wish to wait.

It does not decide retries (the pipeline does) and sends nothing.
"""

from __future__ import annotations

import email.utils
import http
import logging
import ssl
from datetime import UTC, datetime

import httpx

from bot.core.errors import FetchError
from bot.fetch.credentials import Credentials
from bot.fetch.limits import FetchLimits
from bot.observe.logs import event, get_logger

log = get_logger("fetch")


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


def status_error(response: httpx.Response, credentials: Credentials) -> FetchError:
    """The FetchError for an answer that is neither 2xx, 304 nor a redirect."""
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
        said += credentials.refused_hint(response.url)
    elif status == 407:
        said += ": the proxy wants a login: put it in the proxy URL (http://user:password@host:port)"
    elif status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("retry-after"), datetime.now(UTC))
        wait = f" (it asks to wait {retry_after:g} s)" if retry_after is not None else ""
        said += f": the server is busy or rate-limiting the bot{wait}"
    elif status >= 500:
        said += ": a problem on the site's side, usually temporary"
    return FetchError("http_status", said, retry_after)


def translate(exc: Exception, url: httpx.URL, limits: FetchLimits) -> FetchError:
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
