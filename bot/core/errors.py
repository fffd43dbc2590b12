"""The bot's exception tree. Library exceptions are translated at each adapter's boundary
with ``raise ... from exc``, so callers only ever catch these.

    BotError
     ├── ConfigError            rules.yaml or environment is invalid (carries every problem)
     ├── QuerySyntaxError       one rule query does not parse (carries column and expectation;
     │                          config turns it into a ConfigError problem with its line)
     ├── FetchError             a feed could not be fetched (carries a kind and a plain message)
     │    └── AddressBlocked    the address guard refused the address a host resolved to
     ├── FeedParseError         fetched bytes are not a feed we can read
     └── StoreError             the state database is unusable
          └── StateBusyError    another process is writing this state folder

Delivery has no exception: a notifier's ``send`` returns a ``DeliveryResult`` (sent,
transient or permanent, with a remedy) that the outbox records, because a refused alert is an
outcome to store, not an error to unwind.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.settings import RULES_FILE


class BotError(Exception):
    """Base class of every error the bot raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration, located in the YAML file."""

    path: str  # e.g. "rules[3].query"
    line: int | None  # 1-based line in rules.yaml, when known
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}"


class ConfigError(BotError):
    """The configuration is invalid. ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: list[Problem], source: str = RULES_FILE) -> None:
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  {source}:{p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in {source}:\n{lines}")


class QuerySyntaxError(BotError):
    """A query does not parse. ``column`` is 1-based within the query text."""

    def __init__(self, message: str, column: int, expected: str = "") -> None:
        self.message = message
        self.column = column
        self.expected = expected
        detail = f" (expected {expected})" if expected else ""
        super().__init__(f"column {column}: {message}{detail}")


class FetchError(BotError):
    """A feed could not be fetched.

    ``kind`` is a short constant for metrics and logs (``timeout``, ``too_large``, ``http_status``,
    ``redirect``, ``blocked_address``, ``connect``, ``protocol``, ``config``: a variable a feed's
    ``auth:``/``headers:`` names is unset); the message is plain words for
    the person reading ``ethics-bot feeds``. ``retry_after`` is the server's wish, in seconds.
    """

    def __init__(self, kind: str, message: str, retry_after: float | None = None) -> None:
        self.kind = kind
        self.message = message
        self.retry_after = retry_after
        super().__init__(message)


class AddressBlocked(FetchError):
    """The address guard refused to connect: ``kind`` is ``blocked_address``; ``host``,
    ``address`` and ``reason`` say what was refused and why (the fetcher logs them with the URL)."""

    def __init__(self, host: str, address: str, reason: str, message: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        super().__init__("blocked_address", message)


class FeedParseError(BotError):
    """The bytes are not a feed (or nothing could be recovered from them)."""


class StoreError(BotError):
    """The state database cannot be opened or is from a newer version of the bot."""


class StateBusyError(StoreError):
    """Another ethics-bot holds the state folder's writer lock."""
