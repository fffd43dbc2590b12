"""The daemon: APScheduler jobs on one asyncio loop.

Jobs: a poll tick (checks the feeds that are due), a delivery tick (posts what is due), a rules
reload check (applies a valid edit of rules.yaml, keeps the last good rules on a broken one and
on one the flood guard refuses; the file is read by path, so an edit saved in place and a new
file renamed over the old one are both seen),
a daily prune, the semantic layer's retraining on feedback (at start, then daily) and, with
Socket Mode on, a feedback tick that stores and shows the clicks (flow/feedback.py), and the
replica heartbeat (renews this replica's feed leases and channel claims, flow/replicas.py). SIGTERM
and SIGINT stop the jobs, give in-flight work up to ``STOP_GRACE`` seconds to finish, and
return 0. Owns apscheduler; the units of work are in flow/pipeline.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config.load import load_config
from bot.core.errors import BotError, ConfigError
from bot.core.models import Alert, Match, Story
from bot.core.settings import FLOOD_MIN, FLOOD_WINDOW, POLL_TICK, Config, health_limit
from bot.fetch.client import Fetcher
from bot.flow.delivery import Pacer, deliver_due
from bot.flow.feedback import handle_clicks, learn
from bot.flow.pipeline import Context, fetch_limits, poll_feeds
from bot.flow.replicas import heartbeat, join, leave
from bot.notify.slack import Notifier, build_message
from bot.notify.socket import SocketListener
from bot.observe.logs import event, get_logger
from bot.observe.metrics import MetricsServer
from bot.rules.match import compile_config

log = get_logger("daemon")
STOP_GRACE = 8.0  # under docker stop's default 10 s
DELIVERY_TICK = 1.0
RELOAD_TICK = 2.0
FEEDBACK_TICK = 0.25


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# (running config, edited config, stories) -> (stories the edit adds alerts on, per rule of the
# edit: how many of those it alerts on). The command line passes review.replay.added_alerts.
FloodCheck = Callable[[Config, Config, Sequence[Story]], tuple[int, dict[str, int]]]


@dataclass
class DaemonOptions:
    rules_path: Path
    metrics_port: int | None = None
    poll_tick: float = POLL_TICK
    delivery_tick: float = DELIVERY_TICK
    reload_tick: float = RELOAD_TICK
    flood_check: FloodCheck | None = None  # None: no flood guard on reload


class Daemon:
    """Runs until stopped; ``run`` returns the process exit code."""

    def __init__(self, ctx: Context, notifier: Notifier, options: DaemonOptions,
                 listener: SocketListener | None = None) -> None:
        self.ctx = ctx
        self.notifier = notifier
        self.listener = listener  # Socket Mode: feedback buttons (None without SLACK_APP_TOKEN)
        self.options = options
        s = ctx.config.settings
        self.pacer = Pacer(s.channel_rate, s.channel_burst)
        self.rules_digest = file_digest(options.rules_path)
        self.stop_event = asyncio.Event()
        self.inflight: set[asyncio.Task[None]] = set()
        self.fetcher: Fetcher | None = None
        self.last_tick: float | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.started = ctx.clock()

    async def _guarded(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        if self.stop_event.is_set():
            return
        task = asyncio.current_task()
        assert task is not None
        self.inflight.add(task)
        try:
            await job()
        except Exception:
            event(log, "job_crashed", logging.CRITICAL, exc_info=True, job=name)
        finally:
            self.inflight.discard(task)

    async def _poll(self) -> None:
        assert self.fetcher is not None
        outcomes = await poll_feeds(self.ctx, self.fetcher)
        if any(o.alerts_queued for o in outcomes) and self.scheduler is not None:
            # Deliver now rather than at the next delivery tick. The job is rescheduled, not
            # called, so two delivery rounds never run at once (max_instances=1).
            self.scheduler.modify_job("deliver", next_run_time=datetime.now(UTC))
        self.last_tick = self.ctx.clock().timestamp()
        self.ctx.store.set_mark("last_tick", self.ctx.clock().isoformat())
        if self.ctx.store.backend != "sqlite":  # each replica's own, for `ethics-bot health` in its container
            self.ctx.store.ticked(self.ctx.replica, self.ctx.clock(), self.started)
        if outcomes:
            event(
                log,
                "poll_tick",
                replica=self.ctx.replica,
                feeds=len(outcomes),
                failed=sum(not o.ok for o in outcomes),
                new=sum(o.new_stories for o in outcomes),
                alerts=sum(o.alerts_queued for o in outcomes),
            )

    async def _deliver(self) -> None:
        await deliver_due(self.ctx, self.notifier, self.pacer)

    async def _reload(self) -> None:
        digest = file_digest(self.options.rules_path)
        if digest is None or digest == self.rules_digest:
            return
        self.rules_digest = digest
        try:
            config = load_config(self.options.rules_path)
            ruleset = compile_config(config)
        except (ConfigError, BotError) as exc:
            event(
                log,
                "rules_reload_failed",
                logging.ERROR,
                file=str(self.options.rules_path),
                error=str(exc),
                action="keeping the last good rules",
            )
            await self._tell_ops(f"rules.yaml edit rejected, the last good rules keep running:\n{exc}")
            return
        refusal = await self._flood(config)
        if refusal is not None:
            event(log, "rules_reload_refused", logging.ERROR, file=str(self.options.rules_path), error=refusal,
                  action="keeping the last good rules")  # fmt: skip
            await self._tell_ops(refusal)
            return
        self.ctx.config, self.ctx.ruleset = config, ruleset
        self.ctx.store.sync_feeds(config.feeds, self.ctx.clock())
        event(log, "rules_reloaded", rules=len(config.rules), feeds=len(config.feeds))

    async def _flood(self, config: Config) -> str | None:
        """The flood guard: why an edit must wait for the operator, or None to apply it. An edit
        is refused when the rules it brings would alert, on top of what the running rules alert
        on, on more than ``flood_share`` of the stories first seen in the last ``FLOOD_WINDOW``
        and on at least ``FLOOD_MIN`` of them, unless ``flood_allow`` is true."""
        check = self.options.flood_check
        if check is None or config.settings.flood_allow:
            return None
        stories = self.ctx.store.stored_stories(self.ctx.clock() - timedelta(seconds=FLOOD_WINDOW))
        if not stories:
            return None
        added, per_rule = await asyncio.to_thread(check, self.ctx.config, config, stories)
        share = config.settings.flood_share
        if added < FLOOD_MIN or added <= share * len(stories):
            return None
        days, name = FLOOD_WINDOW / 86400, self.options.rules_path.name
        rules = ", ".join(f"{rid} ({n})" for rid, n in sorted(per_rule.items(), key=lambda kv: -kv[1]))
        return (
            f"rules.yaml edit refused, the last good rules keep running: it would alert on {added} of the "
            f"{len(stories)} stories seen in the last {days:.0f} days ({added / len(stories):.0%}) that the "
            f"running rules do not alert on, more than settings.flood_share ({share:.0%}). "
            f"Rules and the stories each would add: {rules}. "
            f"To see the stories, run `ethics-bot replay --current PREVIOUS.yaml --rules {name}` "
            "with a copy of the previous file. "
            "If this is what you want, add `flood_allow: true` under settings: and save again "
            "(remove it afterwards, so the guard watches the next edit)."
        )

    async def _tell_ops(self, text: str) -> None:
        channel = self.ctx.config.settings.ops_channel
        if not channel:
            return
        now = self.ctx.clock()
        story = Story(key="ops", feed_url="", source="ethics-bot", title="Configuration problem", summary=text)
        note = Match(rule_id="ops", category="ops", severity="high", channel=channel, description=text)
        alert = Alert(id=0, story=story, channel=channel, matches=(note,), kind="ops", created_at=now)
        result = await asyncio.to_thread(self.notifier.send, alert, build_message(alert))
        if not result.ok:
            event(log, "ops_message_failed", logging.WARNING, channel=channel, error=result.error)

    async def _feedback(self) -> None:
        assert self.listener is not None
        await handle_clicks(self.ctx, self.listener)

    async def _learn(self) -> None:
        await learn(self.ctx)

    async def _heartbeat(self) -> None:
        heartbeat(self.ctx, self.started)

    async def _prune(self) -> None:
        removed = self.ctx.store.prune(self.ctx.clock(), self.ctx.config.settings.retention)
        event(log, "pruned", stories=removed)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop_event.set)
        o = self.options
        server: MetricsServer | None = None
        if o.metrics_port:
            server = MetricsServer(self.ctx.metrics, o.metrics_port, self.healthy)
            server.start()
            event(log, "metrics_listening", port=server.port)
        scheduler = self.scheduler = AsyncIOScheduler()
        now = self.started = self.ctx.clock()
        self.ctx.metrics.replica.labels(self.ctx.replica).set(1)
        join(self.ctx, now)  # before the first poll: on SQLite, what a killed predecessor held is freed
        jobs: list[tuple[str, float, Callable[[], Awaitable[object]]]] = [
            ("heartbeat", self.ctx.config.settings.lease_expiry / 3, self._heartbeat),
            ("poll", o.poll_tick, self._poll),
            ("deliver", o.delivery_tick, self._deliver),
            ("reload", o.reload_tick, self._reload),
            ("prune", 86400.0, self._prune),
            ("learn", 86400.0, self._learn),  # at start, then daily: feedback into the semantic layer
        ]
        if self.listener is not None:
            jobs.append(("feedback", FEEDBACK_TICK, self._feedback))
            self.listener.start()
        async with Fetcher(fetch_limits(self.ctx.config)) as fetcher:
            self.fetcher = fetcher
            for name, seconds, fn in jobs:
                scheduler.add_job(
                    self._guarded,
                    "interval",
                    args=(name, fn),
                    seconds=seconds,
                    id=name,
                    next_run_time=now,
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
            # health compares the last tick with this, so a new container never looks healthy
            # on the tick its predecessor recorded in the same state volume
            self.ctx.store.set_mark("started_at", now.isoformat())
            scheduler.start()
            event(
                log,
                "daemon_started",
                replica=self.ctx.replica,
                database=self.ctx.store.backend,
                feeds=len(self.ctx.config.feeds),
                rules=len(self.ctx.config.rules),
                sink=getattr(self.notifier, "name", "?"),
            )
            if getattr(self.notifier, "name", "") == "console":
                hint = "alerts print on stdout; set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL to post them to Slack"
                event(log, "alerts_to_console", hint=hint)
            await self.stop_event.wait()
            event(log, "daemon_stopping", inflight=len(self.inflight))
            scheduler.shutdown(wait=False)
            if self.listener is not None:
                self.listener.close()
            if self.inflight:
                _, late = await asyncio.wait(set(self.inflight), timeout=STOP_GRACE)
                for task in late:
                    task.cancel()
                with suppress(asyncio.CancelledError):
                    await asyncio.gather(*late, return_exceptions=True)
        leave(self.ctx)  # the others need not wait for this replica's leases to expire
        self.ctx.parser.close()
        if server:
            server.stop()
        self.ctx.store.close()
        event(log, "daemon_stopped")
        return 0

    def healthy(self) -> tuple[bool, str]:
        """For /healthz: the poll tick has run recently (read from memory, not the database,
        because the endpoint answers on another thread)."""
        if self.last_tick is None:
            return True, "starting"
        age = self.ctx.clock().timestamp() - self.last_tick
        limit = health_limit(self.options.poll_tick)
        if age > limit:
            return False, f"the last poll tick was {age:.0f}s ago (limit {limit:.0f}s)"
        return True, f"ok, last poll tick {age:.0f}s ago"
