"""How one Slack channel receives its alerts: the ``channels:`` section of rules.yaml as a
frozen record. Defaults describe a channel with no entry: every alert at once, no quiet hours.

Only the record lives here; ``bot.config.channels`` validates the YAML and
``bot.flow.modes`` decides, for a given ``now``, when an alert goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

MODES: tuple[str, ...] = ("immediate", "digest")
DIGEST_EVERY: tuple[str, ...] = ("hourly", "daily")


@dataclass(frozen=True)
class QuietHours:
    """A local-time window (``start`` inclusive, ``end`` exclusive) that may wrap midnight."""

    start: time
    end: time


@dataclass(frozen=True)
class ChannelDelivery:
    """``mode``: ``immediate`` (one post per story) or ``digest`` (one message listing the
    stories, ``hourly`` at minute ``at.minute`` or ``daily`` at ``at``, in ``timezone``, an
    IANA zone name). ``quiet_hours``: alerts wait until the window ends. Severities in
    ``always_immediate`` skip both the digest and the quiet hours."""

    mode: str = "immediate"
    digest: str = "daily"
    at: time = time(8, 0)
    timezone: str = "UTC"
    quiet_hours: QuietHours | None = None
    always_immediate: tuple[str, ...] = ("critical",)


IMMEDIATE = ChannelDelivery()
