"""A private feed's request headers: rules.yaml's ``headers:`` and ``auth:`` made real per hop.

``Credentials.read`` turns a feed's ``FeedAccess`` into headers at request time, reading each
secret from the environment variable rules.yaml names (a variable that is unset or empty is a
``FetchError`` naming the variable, never a value). ``for_hop`` gives the headers for one URL of
the redirect chain: literal headers go to every hop; secret headers (``{env: NAME}``) and the
basic-auth ``Authorization`` (user name and password as UTF-8, RFC 7617) go only to the feed's
own host (same host and port, and never from https down to http), so a redirect to another
site never carries them.

It does not send anything, and nothing here is logged: the values live only in the request.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from bot.core.access import FeedAccess
from bot.core.errors import FetchError

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Credentials:
    """The headers of one fetch. ``private`` holds secrets: it never appears in ``repr``."""

    own: httpx.URL  # the feed's own URL (rules.yaml's): only its host gets ``private``
    public: tuple[tuple[str, str], ...] = ()
    private: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    variables: tuple[str, ...] = ()  # where the secrets came from, for messages
    has_auth: bool = False

    @classmethod
    def read(cls, access: FeedAccess | None, own: httpx.URL, environ: Mapping[str, str]) -> Credentials:
        if access is None:
            return cls(own)
        public: list[tuple[str, str]] = []
        private: list[tuple[str, str]] = []
        for header in access.headers:
            if header.env is None:
                public.append((header.name, header.value))
            else:
                value = _secret(environ, header.env, f"the header {header.name}")
                if not value.isascii():
                    raise FetchError("config", f"the environment variable {header.env} holds "
                                     "non-ASCII characters, which a header value cannot carry")
                private.append((header.name, value))
        if access.auth is not None:
            password = _secret(environ, access.auth.password_env, "auth:")
            pair = f"{access.auth.username}:{password}".encode()
            private.append(("Authorization", "Basic " + base64.b64encode(pair).decode()))
        variables = [h.env for h in access.headers if h.env]
        if access.auth is not None:
            variables.append(access.auth.password_env)
        return cls(own, tuple(public), tuple(private), tuple(variables), access.auth is not None)

    def for_hop(self, hop: httpx.URL) -> dict[str, str]:
        """The headers to send to ``hop`` (one URL of the redirect chain)."""
        headers = dict(self.public)
        if self.private and self.trusts(hop):
            headers.update(self.private)
        return headers

    def trusts(self, hop: httpx.URL) -> bool:
        """True when ``hop`` is the feed's own host: same host, same port, no downgrade to http."""
        own = self.own
        if hop.host != own.host or (own.scheme == "https" and hop.scheme != "https"):
            return False
        own_port = own.port or _DEFAULT_PORTS.get(own.scheme)
        hop_port = hop.port or _DEFAULT_PORTS.get(hop.scheme)
        upgraded = own.scheme == "http" and hop.scheme == "https" and own.port is None and hop.port is None
        return upgraded or own_port == hop_port

    def refused_hint(self, hop: httpx.URL) -> str:
        """What to check after a 401 or 403 from ``hop``."""
        if not self.variables:
            return (": the feed needs a login or the site refuses bots; if it needs one, add headers: "
                    "or auth: to the feed in rules.yaml")
        if self.private and not self.trusts(hop):
            return (f": the feed redirected to {hop.host}, which is not the feed's own host "
                    f"{self.own.host}, so the bot did not send it the credentials")
        what = "the feed's auth: in rules.yaml" if self.has_auth else "the feed's headers: in rules.yaml"
        names = " and ".join(self.variables)
        return f": the server did not accept the credentials; check {what} and the environment variable {names}"


def _secret(environ: Mapping[str, str], name: str, used_for: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise FetchError(
            "config", f"the environment variable {name} is not set ({used_for} of this feed in rules.yaml needs it)"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise FetchError("config", f"the environment variable {name} holds a control character (a line break?)")
    return value
