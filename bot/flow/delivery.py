"""The delivery tick's unit of work: post the alerts that are due, in order within each channel,
paced per channel (``Pacer``, a token bucket under Slack's limit), each attempt recorded in the
outbox before and after (``sending``, then ``sent``, a retry with backoff, or ``failed`` with a
remedy). Feed-health notices and the channels' delivery modes (holds, digests) run first.

It does not poll feeds (``flow.pipeline``) or decide when the tick runs (``flow.daemon``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.flow.digests import plan_delivery
from bot.flow.feedhealth import report_feed_health
from bot.flow.replicas import HEALTH_CLAIM, claim_channels, still_mine
from bot.flow.timing import delivery_backoff
from bot.notify.slack import Notifier, build_message
from bot.observe.logs import event, get_logger
from bot.store.feedback import drop_if_muted

if TYPE_CHECKING:
    from bot.flow.pipeline import Context

log = get_logger("pipeline")


class Pacer:
    """A token bucket per channel: ``rate`` messages per second with bursts of ``burst``, so a
    backlog drains at about Slack's one-message-per-second-per-channel without 429 storms."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens: dict[str, tuple[float, float]] = {}  # channel → (tokens, at)
        self._blocked: dict[str, float] = {}

    def wait(self, channel: str, now: float) -> float:
        """Seconds until the channel may post (0 when it may post now)."""
        blocked = self._blocked.get(channel, 0.0) - now
        tokens, at = self._tokens.get(channel, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        return max(blocked, 0.0 if tokens >= 1 else (1 - tokens) / self.rate)

    def take(self, channel: str, now: float) -> None:
        tokens, at = self._tokens.get(channel, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        self._tokens[channel] = (tokens - 1, now)

    def seed(self, channel: str, tokens: float, at: float) -> None:
        """Start the channel's bucket from what another replica left: ``tokens`` at time ``at``."""
        self._tokens[channel] = (min(tokens, float(self.burst)), at)

    def block(self, channel: str, until: float) -> None:
        self._blocked[channel] = max(until, self._blocked.get(channel, 0.0))


@dataclass
class DeliveryRound:
    sent: int = 0
    failed: int = 0
    retrying: int = 0


async def deliver_due(ctx: Context, notifier: Notifier, pacer: Pacer) -> DeliveryRound:
    """Post the alerts that are due now, in order within each channel, on the channels this
    replica holds the claim of (flow/replicas.py: one replica at a time delivers a channel)."""
    s = ctx.config.settings
    outcome = DeliveryRound()
    waiting: set[str] = set()
    health = s.ops_channel or HEALTH_CLAIM
    mine = claim_channels(ctx, pacer, ctx.store.busy_channels() | {health})
    if health in mine:
        await report_feed_health(ctx, notifier, pacer)  # once per poll: failing, recovered, silent feeds
    for alert in await plan_delivery(ctx, notifier, pacer, outcome, mine):  # holds and digests first
        now = ctx.clock()
        if alert.channel in waiting or pacer.wait(alert.channel, now.timestamp()) > 0:
            waiting.add(alert.channel)
            continue
        if alert.kind in ("also", "update") and drop_if_muted(ctx.store, alert.id, now):
            continue  # someone pressed "Mute this story" on the first alert
        if not still_mine(ctx, alert.channel):  # the claim lapsed (a stalled replica): leave it
            waiting.add(alert.channel)
            continue
        pacer.take(alert.channel, now.timestamp())
        message = build_message(alert)
        ctx.store.mark_sending(alert.id, now)
        result = await asyncio.to_thread(notifier.send, alert, message)
        now = ctx.clock()
        if result.ok:
            ctx.store.mark_sent(alert.id, now, result.ts)
            ctx.metrics.alerts_sent.inc()
            if alert.created_at:
                ctx.metrics.latency.observe(max(0.0, (now - alert.created_at).total_seconds()))
            outcome.sent += 1
            event(
                log,
                "alert_sent",
                alert=alert.id,
                channel=alert.channel,
                kind=alert.kind,
                rules=",".join(m.rule_id for m in alert.matches),
                title=alert.story.title[:120],
            )
        elif result.permanent:
            ctx.store.mark_failed(alert.id, now, result.error or "unknown", result.remedy)
            ctx.metrics.alerts_failed.inc()
            outcome.failed += 1
            event(
                log,
                "alert_failed",
                logging.ERROR,
                alert=alert.id,
                channel=alert.channel,
                error=result.error,
                remedy=result.remedy,
            )
        else:
            delay = delivery_backoff(
                alert.attempts + 1, base=s.retry_base, cap=s.retry_max, retry_after=result.retry_after, rng=ctx.rng
            )
            ctx.store.mark_retry(alert.id, now + timedelta(seconds=delay), result.error or "unknown")
            ctx.metrics.delivery_errors.labels(result.error or "unknown").inc()
            outcome.retrying += 1
            waiting.add(alert.channel)
            if result.retry_after is not None:
                pacer.block(alert.channel, now.timestamp() + result.retry_after)
            event(
                log,
                "alert_retry",
                logging.WARNING,
                alert=alert.id,
                channel=alert.channel,
                error=result.error,
                retry_in=round(delay, 1),
            )
            if result.retry_after is None:
                break  # Slack itself is failing: stop this round rather than hammer it
    ctx.metrics.alerts_pending.set(ctx.store.pending_count())
    return outcome
