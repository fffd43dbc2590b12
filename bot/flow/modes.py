"""When does an alert go? Pure decisions about a channel's delivery mode, taking ``now``.

``release_at`` answers for one alert: ``None`` means post it now; a time means hold it until
then (the next digest of a digest channel, or the end of the quiet hours), and whether it then
goes in a digest. Times are computed in the channel's own time zone (zoneinfo, so daylight
saving changes are handled) and returned in UTC. Nothing here touches the clock, the store or
Slack: ``bot.flow.digests`` acts on these answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.delivery import ChannelDelivery, QuietHours
from bot.core.models import SEVERITIES


@dataclass(frozen=True)
class Release:
    """Hold the alert until ``at`` (UTC); then post it in a digest when ``digest``."""

    at: datetime
    digest: bool


def highest_severity(severities: list[str] | tuple[str, ...]) -> str | None:
    ranked = [s for s in severities if s in SEVERITIES]
    return max(ranked, key=SEVERITIES.index) if ranked else None


def _local(now: datetime, zone: str) -> datetime:
    return now.astimezone(ZoneInfo(zone))


def _at(day: datetime, clock: time, zone: str) -> datetime:
    """The UTC instant of ``clock`` on the local date of ``day`` (a wall time skipped by a
    daylight-saving jump resolves to the instant just after it)."""
    local = datetime.combine(day.date(), clock, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def in_quiet_hours(quiet: QuietHours, now: datetime, zone: str) -> bool:
    t = _local(now, zone).time()
    if quiet.start < quiet.end:
        return quiet.start <= t < quiet.end
    return t >= quiet.start or t < quiet.end


def next_local(clock: time, now: datetime, zone: str) -> datetime:
    """The first instant strictly after ``now`` when the channel's wall clock shows ``clock``."""
    local = _local(now, zone)
    for days in range(0, 3):
        candidate = _at(local + timedelta(days=days), clock, zone)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a wall-clock time recurs within two days")


def quiet_end(quiet: QuietHours, now: datetime, zone: str) -> datetime:
    """When the quiet hours that contain ``now`` end."""
    return next_local(quiet.end, now, zone)


def next_digest(delivery: ChannelDelivery, now: datetime) -> datetime:
    """The next digest time after ``now``: daily at ``at``, or hourly at minute ``at.minute``."""
    if delivery.digest == "hourly":
        local = _local(now, delivery.timezone)
        slot = local.replace(minute=delivery.at.minute, second=0, microsecond=0)
        while slot.astimezone(UTC) <= now:
            slot += timedelta(hours=1)
        return slot.astimezone(UTC)
    return next_local(delivery.at, now, delivery.timezone)


def release_at(delivery: ChannelDelivery, severities: tuple[str, ...], now: datetime) -> Release | None:
    """``None``: post now. Otherwise hold until the returned time.

    A severity listed in ``always_immediate`` goes now whatever the mode and hour. A digest
    channel's alert waits for the next digest, pushed to the end of the quiet hours when the
    digest would fall inside them. An immediate channel's alert waits out the quiet hours and
    is then posted on its own (or in a digest, when more than ``digest_over`` are due at once).
    """
    top = highest_severity(severities)
    if top is not None and top in delivery.always_immediate:
        return None
    quiet, zone = delivery.quiet_hours, delivery.timezone
    if delivery.mode == "digest":
        at = next_digest(delivery, now)
        if quiet is not None and in_quiet_hours(quiet, at, zone):
            at = quiet_end(quiet, at, zone)
        return Release(at, True)
    if quiet is not None and in_quiet_hours(quiet, now, zone):
        return Release(quiet_end(quiet, now, zone), False)
    return None


def is_flood(new_alerts: int, digest_over: int) -> bool:
    """More than ``digest_over`` new alerts due at once in one channel go as a digest (0: never)."""
    return digest_over > 0 and new_alerts > digest_over
