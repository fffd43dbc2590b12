"""The settings records and every default the program uses, each written once.

``Settings`` is the ``settings:`` section of rules.yaml with the defaults a first run needs;
``SemanticSettings`` the ``semantic:`` section; ``Config`` a validated rules.yaml; ``Environment``
the process environment the bot reads. The defaults of the command line, the health check and the
Slack Web API live here too, so the README's tables (checked by tests/test_readme_defaults.py),
the fetcher's limits and the commands all read the same values.

This module holds values only: it parses no YAML and validates nothing (``bot.config`` does), and
it imports the standard library and ``bot.core`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.core.delivery import ChannelDelivery
from bot.core.models import Feed, Rule

if TYPE_CHECKING:
    from bot.core.errors import Problem

SCHEMA_VERSION = 1  # the rules.yaml ``version:`` this bot reads
RULES_FILE = "rules.yaml"  # --rules when $BOT_RULES is unset
STATE_DIR = "state"  # --state when $BOT_STATE is unset
# A postgresql:// address here keeps the state in PostgreSQL instead of SQLite in --state
# (several processes may share it); unset, the state is the SQLite file in the state folder.
DATABASE_URL_ENV = "BOT_DATABASE_URL"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"  # $SLACK_API_URL when unset
SLACK_TIMEOUT = 15.0  # seconds for one post to Slack (Web API or webhook)
DEFAULT_THRESHOLD = 0.5  # a category's semantic score alerts at this unless semantic.thresholds says otherwise
POLL_TICK = 15.0  # seconds between the daemon's looks for due feeds
HEALTH_AGE = 120.0  # seconds: ``health`` fails when the last poll tick is older (at the default tick)
FLOOD_WINDOW = 7 * 86400.0  # seconds: the flood guard replays the stories first seen this recently
FLOOD_MIN = 10  # an edit adding alerts on fewer recent stories than this is never a flood


def health_limit(poll_tick: float = POLL_TICK) -> float:
    """How old the last poll tick may be before the daemon counts as unhealthy: ``HEALTH_AGE``,
    or four ticks when the tick is slower than 30 s. ``/healthz`` and ``ethics-bot health``
    both use it."""
    return max(HEALTH_AGE, 4 * poll_tick)


@dataclass(frozen=True)
class Settings:
    """``settings:`` of rules.yaml, with defaults that work for a first run (seconds, bytes)."""

    poll_interval: float = 15 * 60
    lookback: float = 24 * 3600
    default_channel: str = "#ethics-alerts"
    ops_channel: str | None = None
    min_interval: float = 2 * 60
    max_interval: float = 6 * 3600
    retention: float = 30 * 86400
    allow_private_addresses: bool = False
    max_body_bytes: int = 10 * 1024 * 1024
    fetch_timeout: float = 60.0
    concurrency: int = 100
    per_host: int = 4
    dedup_window: float = 48 * 3600
    title_similarity: float = 0.6
    retry_base: float = 5.0
    retry_max: float = 15 * 60
    channel_rate: float = 1.0
    channel_burst: int = 2
    metrics_port: int | None = None
    match_body: bool = True
    match_lede: bool = False  # unscoped terms read only the lede (headline + opening sentences)
    digest_over: int = 10  # more alerts than this due at once in a channel go as one digest (0: off)
    feed_alert_after: int = 3  # consecutive failures before ops_channel is told about a feed
    flood_share: float = 0.05  # a reload whose edit would alert on more of the recent stories is refused
    flood_allow: bool = False  # the operator's yes to such an edit
    # replicas on one database: a dead replica's feed leases and channel claims pass to the others
    # after this long (a live one renews them every third of it)
    lease_expiry: float = 2 * 60


DEFAULTS = Settings()  # read these (e.g. ``DEFAULTS.fetch_timeout``) wherever a default is needed


@dataclass(frozen=True)
class SemanticSettings:
    """``semantic:`` of rules.yaml: where the labelled examples and the model are (absolute
    paths; ``model`` None means the packaged model), per-category thresholds (default
    ``DEFAULT_THRESHOLD``), the categories that may alert on a high score alone, and the global
    veto threshold."""

    examples: tuple[str, ...]
    model: str | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    alert_on_score: tuple[str, ...] = ()
    veto_below: float | None = None
    categories: tuple[str, ...] = ()  # the categories the examples label (what can be scored)

    def threshold(self, category: str) -> float:
        return self.thresholds.get(category, DEFAULT_THRESHOLD)


@dataclass(frozen=True)
class Config:
    """A validated rules.yaml."""

    settings: Settings
    lists: Mapping[str, tuple[str, ...]]
    feeds: tuple[Feed, ...]
    rules: tuple[Rule, ...]
    path: str = RULES_FILE
    semantic: SemanticSettings | None = None  # None: no semantic layer (numpy is never imported)
    # Why the layer is off although rules.yaml has a semantic: section (``when_missing: rules``
    # and the extra or the model is not installed), with how to install it; None otherwise.
    semantic_off: str | None = None
    channels: Mapping[str, ChannelDelivery] = field(default_factory=dict)  # channels: (delivery modes)
    # likely mistakes ``ethics-bot check`` warns about (``--strict`` refuses them); the daemon runs anyway
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Environment:
    """The process environment the bot reads, with secrets kept out of repr()."""

    slack_bot_token: str | None = field(default=None, repr=False)
    slack_webhook_url: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_app_token: str | None = field(default=None, repr=False)  # Socket Mode: feedback buttons
    database_url: str | None = field(default=None, repr=False)  # $BOT_DATABASE_URL (may hold a password)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Environment:
        return cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_webhook_url=env.get("SLACK_WEBHOOK_URL") or None,
            slack_api_url=env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            database_url=(env.get(DATABASE_URL_ENV) or "").strip() or None,
        )

    def secrets(self) -> list[str]:
        return [s for s in (self.slack_bot_token, self.slack_webhook_url, self.slack_app_token, self.database_url) if s]
