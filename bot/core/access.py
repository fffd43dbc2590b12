"""How to reach a private feed: extra request headers and HTTP basic auth, as rules.yaml sets
them per feed. Secrets are never held here: a header value or a password that is secret is
named by the environment variable that holds it, read by the fetcher when it sends the request,
so no config record, repr, log line or report can carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FeedHeader:
    """One request header: a literal ``value``, or the value of the environment variable ``env``."""

    name: str
    value: str = ""
    env: str | None = None


@dataclass(frozen=True)
class FeedAuth:
    """HTTP basic auth: ``username``, and the environment variable holding the password."""

    username: str
    password_env: str


@dataclass(frozen=True)
class FeedAccess:
    headers: tuple[FeedHeader, ...] = ()
    auth: FeedAuth | None = None

    def missing_env(self, env: Mapping[str, str]) -> list[str]:
        """The environment variables this feed needs that are not set."""
        names = [h.env for h in self.headers if h.env] + ([self.auth.password_env] if self.auth else [])
        return [n for n in names if not env.get(n)]
