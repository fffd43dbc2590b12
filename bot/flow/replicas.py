"""Several ``ethics-bot run`` processes on one database: who this replica is, and how it takes its
share of the work (the leases and claims themselves are store/leases.py).

- **Identity**: ``BOT_REPLICA_ID``, or ``hostname:pid`` (unique on one machine and, in a
  container, the container's name). It is in the daemon's logs, in ``ethics-bot status`` and on
  /metrics.
- **Polls**: ``pipeline.poll_feeds`` leases due feeds a few at a time, as the fetcher has room,
  so replicas that tick together split the due feeds between them; each lease is released when
  the feed's check is recorded.
- **Delivery**: a replica posts to a channel only while it holds the channel's claim
  (``claim_channels``). A claim taken from another replica seeds the pacer with that replica's
  last post, so the channel's pacing holds across the handover; the alerts the other replica left
  'sending' (it died between marking one and hearing Slack's answer) are posted again and counted
  (``ethics_bot_alerts_resumed_total``): the one case where Slack may see an alert twice.
- **Heartbeat** (every third of ``settings.lease_expiry``): renew this replica's leases and
  claims and refresh the lease gauges on /metrics. A replica that dies stops renewing, and the
  others take its feeds and channels over when its leases expire.

Two live replicas must never share an id: a replica starting under an id frees what that id
held (``join``), as a restarted container under a fixed ``BOT_REPLICA_ID`` should. On SQLite
the daemon holds the state folder's writer lock, so there is one replica: ``join`` clears what
a killed predecessor left rather than waiting for it to expire.

What this module does not do: SQL (store/leases.py) or the checks and posts themselves.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from bot.observe.logs import event, get_logger

if TYPE_CHECKING:
    from bot.flow.delivery import Pacer
    from bot.flow.pipeline import Context

log = get_logger("replicas")
REPLICA_ENV = "BOT_REPLICA_ID"
HEALTH_CLAIM = "(feed health)"  # the claim that lets one replica report feed health without ops_channel


def replica_id(env: Mapping[str, str]) -> str:
    """``BOT_REPLICA_ID`` when set, else ``hostname:pid``."""
    given = (env.get(REPLICA_ENV) or "").strip()
    return given or f"{socket.gethostname()}:{os.getpid()}"


def join(ctx: Context, started: datetime) -> None:
    """At start: on SQLite forget what a killed predecessor held; then say this replica is here."""
    if ctx.store.backend == "sqlite":
        ctx.store.forget_all()
    else:
        ctx.store.rejoin(ctx.replica)
    heartbeat(ctx, started)


def heartbeat(ctx: Context, started: datetime) -> None:
    ctx.store.heartbeat(ctx.replica, ctx.clock(), ctx.config.settings.lease_expiry, started)
    publish(ctx)


def publish(ctx: Context) -> None:
    """The leases and claims of every replica, as /metrics shows them."""
    m = ctx.metrics
    m.feed_leases.clear()
    m.channel_claims.clear()
    for h in ctx.store.holdings(ctx.clock()):
        if h.feeds or h.channels:
            m.feed_leases.labels(h.replica).set(len(h.feeds))
        for channel in h.channels:
            m.channel_claims.labels(channel, h.replica).set(1)


def leave(ctx: Context) -> None:
    """At a clean stop: give up leases and claims at once, so the others need not wait."""
    if not ctx.store.leave(ctx.replica):
        event(log, "replica_leave_failed", logging.WARNING, replica=ctx.replica,
              action="its leases expire after settings.lease_expiry")


def claim_channels(ctx: Context, pacer: Pacer, channels: Iterable[str]) -> set[str]:
    """The channels among ``channels`` this replica delivers in this round (claims taken or
    kept); the claims it holds on other channels are released."""
    wanted = set(channels)
    s = ctx.config.settings
    now = ctx.clock()
    held: set[str] = set()
    for claim in ctx.store.claim_channels(ctx.replica, wanted, now, s.lease_expiry):
        held.add(claim.channel)
        if not claim.fresh:
            continue
        if claim.last_post_at is not None:
            pacer.seed(claim.channel, 0.0, claim.last_post_at)  # pacing carries over the handover
        if claim.resumed:
            ctx.metrics.alerts_resumed.inc(len(claim.resumed))
        if claim.previous is None and not claim.resumed:
            continue
        event(log, "channel_claimed", logging.WARNING if claim.resumed else logging.DEBUG,
              channel=claim.channel, replica=ctx.replica, previous=claim.previous,
              resumed=",".join(map(str, claim.resumed)) or None)
    ctx.store.release_claims(ctx.replica, now, keep=held)
    return held


def still_mine(ctx: Context, channel: str) -> bool:
    """Just before a post: renew the channel's claim (and note the post); False if it was lost."""
    return ctx.store.renew_claim(channel, ctx.replica, ctx.clock(), ctx.config.settings.lease_expiry)
