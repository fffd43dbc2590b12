"""Story links in one spelling: canonical, absolute, http(s) only.

``canonical_link`` gives each story link one spelling (tracking parameters removed, fragment
dropped, scheme and host lower-cased, default port dropped, parameters in a stable order);
``absolute_web_link`` makes a feed's link absolute against the feed URL and canonical, or None
unless it is http(s); ``is_web_url`` says whether a string is an absolute http(s) URL.

It does not fetch links, or decide whether two stories are the same (``keys``, bot.store).
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from bot.core.links import TRACKING_PARAMS, TRACKING_PREFIXES

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def canonical_link(url: str) -> str:
    """One spelling per story link, so the same story links the same way in every poll.

    Drops the fragment, tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, …)
    and empty parameters; lower-cases scheme and host; drops default ports; sorts the remaining
    parameters by name (values keep their order and their exact encoding). A string that does
    not parse as a URL comes back stripped of surrounding whitespace and otherwise unchanged.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = _canonical_netloc(parts.netloc, scheme)
    path = parts.path
    if netloc and not path:
        path = "/"
    kept: list[tuple[str, str]] = []
    for piece in parts.query.split("&"):
        if not piece:
            continue
        name = unquote_plus(piece.split("=", 1)[0]).strip().lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append((piece.split("=", 1)[0], piece))
    kept.sort(key=lambda item: item[0])
    query = "&".join(piece for _, piece in kept)
    return urlunsplit((scheme, netloc, path, query, ""))


def _canonical_netloc(netloc: str, scheme: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal: [::1]:8080
        close = hostport.find("]")
        host, port = hostport[: close + 1], hostport[close + 1 :].removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    host = host.lower().rstrip(".") or host
    if port == _DEFAULT_PORTS.get(scheme) or (not port and hostport.endswith(":")):
        port = ""
    return f"{userinfo}{at}{host}{':' + port if port else ''}"


def absolute_web_link(link: str | None, feed_url: str) -> str | None:
    """The link made absolute against the feed's URL and canonical; None unless http(s)."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(feed_url, link.strip())
    except ValueError:
        return None
    return canonical_link(absolute) if is_web_url(absolute) else None


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
