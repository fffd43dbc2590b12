"""Delivery modes at work: hold alerts for a digest or past the quiet hours, release them when
their time comes, and post digests (a channel's scheduled digest, or a flood of more than
``settings.digest_over`` alerts due at once) as few messages as Slack's limits allow.

``plan_delivery`` runs at the start of each delivery round (``delivery.deliver_due``) and
returns the alerts still to be posted one by one, in the outbox's order. Each alert of a digest
is marked sent with the ``ts`` of the message that listed it, so a later report of the same
story threads under that digest message. Thread replies are never held, except a reply to a
held alert, which waits with it and then threads under the digest. The decisions themselves
(when, and whether as a digest) are the pure functions of ``bot.flow.modes``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.delivery import IMMEDIATE, ChannelDelivery
from bot.core.models import SEVERITIES, Alert
from bot.flow.modes import highest_severity, is_flood, release_at
from bot.flow.replicas import still_mine
from bot.flow.timing import delivery_backoff
from bot.notify.digest import build_digest
from bot.notify.slack import Notifier
from bot.observe.logs import event, get_logger
from bot.store.database import Store
from bot.store.holds import Holds

if TYPE_CHECKING:
    from bot.flow.delivery import DeliveryRound, Pacer
    from bot.flow.pipeline import Context

log = get_logger("digests")
_HOLDS: weakref.WeakKeyDictionary[Store, Holds] = weakref.WeakKeyDictionary()


def holds_for(store: Store) -> Holds:
    """The held-alert book of a store (its table is created once per store)."""
    book = _HOLDS.get(store)
    if book is None:
        book = _HOLDS[store] = Holds(store)
    return book


def _severities(alert: Alert) -> tuple[str, ...]:
    return tuple(m.severity for m in alert.matches)


def _rank(alert: Alert) -> int:
    top = highest_severity(_severities(alert))
    return SEVERITIES.index(top) if top else -1


async def plan_delivery(ctx: Context, notifier: Notifier, pacer: Pacer, outcome: DeliveryRound,
                        mine: set[str] | None = None) -> list[Alert]:
    """Release, hold and digest the due alerts (of the channels in ``mine``, the ones this replica
    delivers; None: every channel); return the rest, to be posted one by one."""
    now = ctx.clock()
    holds = holds_for(ctx.store)
    holds.release_due(now)
    due = ctx.store.due_alerts(now)
    if mine is not None:
        due = [a for a in due if a.channel in mine]
    released = holds.released(a.id for a in due)
    channels = ctx.config.channels
    digests: dict[str, list[Alert]] = {}
    scheduled: set[str] = set()
    now_new: dict[str, list[Alert]] = {}
    singles: list[Alert] = []
    for alert in due:
        delivery = channels.get(alert.channel, IMMEDIATE)
        if alert.kind != "new":
            parent = holds.parent_hold(alert.id) if alert.thread_ts is None else None
            if parent is not None:  # its story waits for a digest or the end of quiet hours: so does it
                holds.hold(alert.id, alert.channel, parent[0], False)
            else:
                singles.append(alert)
            continue
        if alert.id in released:
            if released[alert.id]:
                digests.setdefault(alert.channel, []).append(alert)
                scheduled.add(alert.channel)
            else:
                singles.append(alert)
                now_new.setdefault(alert.channel, []).append(alert)
            continue
        decision = release_at(delivery, _severities(alert), now)
        if decision is not None:
            holds.hold(alert.id, alert.channel, decision.at, decision.digest)
            event(log, "alert_held", logging.DEBUG, alert=alert.id, channel=alert.channel,
                  until=decision.at.isoformat(), digest=decision.digest)
            continue
        singles.append(alert)
        now_new.setdefault(alert.channel, []).append(alert)
    for channel, alerts in now_new.items():
        if is_flood(len(alerts) + len(digests.get(channel, [])), ctx.config.settings.digest_over):
            digests.setdefault(channel, []).extend(alerts)
    in_digest = {a.id for alerts in digests.values() for a in alerts}
    blocked: set[str] = set()
    for channel, alerts in digests.items():
        alerts.sort(key=lambda a: (-_rank(a), a.id))
        delivery = channels.get(channel, IMMEDIATE)
        title, subtitle = _titles(channel, delivery, len(alerts), channel in scheduled, ctx.config.settings.digest_over)
        if not await _send_digest(ctx, notifier, pacer, outcome, holds, alerts, title, subtitle):
            blocked.add(channel)
    return [a for a in singles if a.id not in in_digest and a.channel not in blocked]


def _titles(channel: str, delivery: ChannelDelivery, count: int, scheduled: bool, over: int) -> tuple[str, str]:
    stories = f"{count} {'story' if count == 1 else 'stories'}"
    if scheduled:
        period = "Hourly" if delivery.digest == "hourly" else "Daily"
        return f"{period} digest: {stories}", f"{channel} · the stories since the last digest, highest severity first"
    return (f"{stories} at once", f"More than {over} alerts were due at once for {channel}, so they come as one "
            "digest instead of single posts (settings.digest_over); highest severity first")


async def _send_digest(
    ctx: Context,
    notifier: Notifier,
    pacer: Pacer,
    outcome: DeliveryRound,
    holds: Holds,
    alerts: Sequence[Alert],
    title: str,
    subtitle: str,
) -> bool:
    """Post one channel's digest, message by message as pacing allows. False: the channel
    must wait (paced, or Slack failed); what was not posted stays queued for a later round."""
    by_id = {a.id: a for a in alerts}
    for part in build_digest(alerts, title, subtitle):
        channel = alerts[0].channel
        now = ctx.clock()
        if pacer.wait(channel, now.timestamp()) > 0 or not still_mine(ctx, channel):
            return False
        pacer.take(channel, now.timestamp())
        for alert_id in part.alert_ids:
            ctx.store.mark_sending(alert_id, now)
        carrier = replace(by_id[part.alert_ids[0]], kind="digest", thread_ts=None)
        result = await asyncio.to_thread(notifier.send, carrier, part.message)
        now = ctx.clock()
        count = len(part.alert_ids)
        if result.ok:
            for alert_id in part.alert_ids:
                ctx.store.mark_sent(alert_id, now, result.ts)
            holds.forget(part.alert_ids)
            ctx.metrics.alerts_sent.inc(count)
            outcome.sent += count
            event(log, "digest_sent", channel=channel, stories=count, title=title)
            continue
        if result.permanent:
            for alert_id in part.alert_ids:
                ctx.store.mark_failed(alert_id, now, result.error or "unknown", result.remedy)
            holds.forget(part.alert_ids)
            ctx.metrics.alerts_failed.inc(count)
            outcome.failed += count
            event(log, "digest_failed", logging.ERROR, channel=channel, stories=count, error=result.error,
                  remedy=result.remedy)
            continue
        s = ctx.config.settings
        attempts = max(by_id[i].attempts for i in part.alert_ids) + 1
        delay = delivery_backoff(attempts, base=s.retry_base, cap=s.retry_max, retry_after=result.retry_after,
                                 rng=ctx.rng)
        for alert_id in part.alert_ids:
            ctx.store.mark_retry(alert_id, now + timedelta(seconds=delay), result.error or "unknown")
        ctx.metrics.delivery_errors.labels(result.error or "unknown").inc()
        outcome.retrying += count
        if result.retry_after is not None:
            pacer.block(channel, now.timestamp() + result.retry_after)
        event(log, "digest_retry", logging.WARNING, channel=channel, stories=count, error=result.error,
              retry_in=round(delay, 1))
        return False
    return True

