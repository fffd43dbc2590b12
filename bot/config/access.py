"""A feed's ``headers:`` and ``auth:`` keys in rules.yaml (private and authenticated feeds).

    feeds:
      - url: https://intranet.example.org/news.rss
        name: Intranet news
        headers:
          User-Agent: "ethics-bot (ops@example.org)"
          X-Api-Key: {env: INTRANET_API_KEY}     # a secret: read from the environment
        auth:
          username: newsbot
          password_env: INTRANET_FEED_PASSWORD   # never the password itself

Every problem is reported with its path and line through the loader's ``add`` callback. The
secrets stay in the environment; only their variable names are kept (``bot.core.access``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from bot.core.access import FeedAccess, FeedAuth, FeedHeader

Add = Callable[[str, "yaml.Node | None", str], None]
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# headers the fetcher owns: framing, caching validators, compression and the connection
_RESERVED = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
             "trailer", "proxy-authorization", "proxy-connection", "if-none-match", "if-modified-since",
             "accept-encoding"}


def _env_name(node: yaml.Node, path: str, add: Add) -> str | None:
    value = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    if not _ENV.match(value):
        add(path, node, "must name an environment variable (letters, digits and _), like FEED_PASSWORD")
        return None
    return value


def _header(key: yaml.Node, value: yaml.Node, path: str, add: Add) -> FeedHeader | None:
    name = str(key.value)
    where = f"{path}.{name}"
    if not _TOKEN.match(name):
        add(where, key, f"{name!r} is not an HTTP header name")
        return None
    if name.lower() in _RESERVED:
        add(where, key, f"{name} is set by the bot itself and cannot be overridden")
        return None
    if isinstance(value, yaml.MappingNode):
        keys = {str(k.value): v for k, v in value.value}
        if set(keys) != {"env"}:
            add(where, value, "write the value, or {env: NAME} to read it from the environment")
            return None
        env = _env_name(keys["env"], f"{where}.env", add)
        return FeedHeader(name, env=env) if env else None
    if not isinstance(value, yaml.ScalarNode):
        add(where, value, "must be a single value, or {env: NAME}")
        return None
    text = str(value.value)
    if "\n" in text or "\r" in text:
        add(where, value, "a header value cannot span lines")
        return None
    if name.lower() == "authorization":
        add(where, value, "keep credentials out of rules.yaml: write {env: NAME}, or use auth:")
        return None
    return FeedHeader(name, value=text)


def check_access(items: dict[str, tuple[yaml.Node, yaml.Node]], path: str, add: Add) -> FeedAccess | None:
    """A feed's ``headers:`` and ``auth:`` (``items``: the feed's keys), or None without them."""
    headers: list[FeedHeader] = []
    auth = None
    if "headers" in items:
        node = items["headers"][1]
        if not isinstance(node, yaml.MappingNode):
            add(f"{path}.headers", node, "must be a mapping of header names to values")
        else:
            seen: set[str] = set()
            for key, value in node.value:
                header = _header(key, value, f"{path}.headers", add)
                if header is not None and header.name.lower() in seen:
                    add(f"{path}.headers.{header.name}", key, "header appears twice")
                elif header is not None:
                    seen.add(header.name.lower())
                    headers.append(header)
    if "auth" in items:
        node = items["auth"][1]
        keys = {str(k.value): (k, v) for k, v in node.value} if isinstance(node, yaml.MappingNode) else None
        if keys is None or not {"username", "password_env"} <= set(keys) or set(keys) - {"username", "password_env"}:
            add(f"{path}.auth", node, "write auth: {username: NAME, password_env: VARIABLE} (the password "
                "itself stays in the environment variable)")
        else:
            user_node = keys["username"][1]
            username = str(user_node.value) if isinstance(user_node, yaml.ScalarNode) else ""
            if not username or ":" in username:
                add(f"{path}.auth.username", user_node, "must be a user name without ':'")
            env = _env_name(keys["password_env"][1], f"{path}.auth.password_env", add)
            if username and ":" not in username and env:
                auth = FeedAuth(username, env)
    if not headers and auth is None:
        return None
    return FeedAccess(tuple(headers), auth)
