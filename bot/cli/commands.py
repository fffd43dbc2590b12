"""The commands that do real work (``once``, ``run``, ``test``, ``eval``), kept apart from
cli/main.py so that quick commands such as ``health`` (run by Docker every 30 s) import nothing
heavy: no httpx, feedparser, bs4 or slack-sdk."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from bot.cli.reports import semantic_status
from bot.cli.storyinput import load_story
from bot.config.load import load_config
from bot.core.settings import Config, Environment
from bot.fetch.client import Fetcher
from bot.flow.delivery import Pacer, deliver_due
from bot.flow.pipeline import Context, fetch_limits, poll_feeds
from bot.flow.replicas import join, leave
from bot.notify.slack import make_notifier
from bot.notify.socket import make_feedback
from bot.observe.logs import event, get_logger
from bot.review.evaluate import evaluate, format_report, read_labelled
from bot.review.explain import explain_text
from bot.review.replay import added_alerts
from bot.rules.match import RuleSet, compile_config
from bot.store.database import Store
from bot.store.lock import writer_lock

log = get_logger("cli")


def _load(args: argparse.Namespace) -> tuple[Config, RuleSet]:
    config = load_config(args.rules)
    ruleset = compile_config(config)
    if config.semantic_off:  # said once per process: a reload of rules.yaml does not repeat it
        event(log, "semantic_off", logging.WARNING, notice=semantic_status(config))
    return config, ruleset


def _warm_up(config: Config) -> None:
    """Load and train the semantic layer before the daemon starts, so a broken model or
    example file stops it at once rather than at the first poll."""
    if config.semantic is not None:
        from bot.semantic.judge import load_scorer

        load_scorer(config.semantic)


async def _once(args: argparse.Namespace, config: Config, ruleset: RuleSet, env: Environment) -> int:
    store = Store(args.state, args.database_url)
    ctx = Context(config=config, ruleset=ruleset, store=store)
    store.sync_feeds(config.feeds, ctx.clock())
    join(ctx, ctx.clock())  # delivery takes channel claims like a replica (flow/replicas.py)
    notifier = make_notifier(os.environ)
    async with Fetcher(fetch_limits(config)) as fetcher:
        outcomes = await poll_feeds(ctx, fetcher, due_only=False)
    ctx.parser.close()  # the parser process's memory is not needed for the delivery
    failed = [o for o in outcomes if not o.ok]
    event(
        log,
        "poll_done",
        feeds=len(outcomes),
        failed=len(failed),
        new=sum(o.new_stories for o in outcomes),
        alerts=sum(o.alerts_queued for o in outcomes),
    )
    pacer = Pacer(config.settings.channel_rate, config.settings.channel_burst)
    deadline = ctx.clock().timestamp() + args.drain
    sent = 0
    while True:
        outcome = await deliver_due(ctx, notifier, pacer)
        sent += outcome.sent
        pending = store.pending_count()
        if not pending or ctx.clock().timestamp() >= deadline:
            break
        next_at = store.next_attempt_at()
        wait = 0.2 if next_at is None else (next_at - ctx.clock()).total_seconds()
        wait = min(max(wait, 0.05), 1.0)
        if ctx.clock().timestamp() + wait > deadline:
            break
        await asyncio.sleep(wait)
    store.set_mark("last_tick", ctx.clock().isoformat())
    event(log, "once_done", sent=sent, pending=store.pending_count())
    leave(ctx)
    store.close()
    return 0


def cmd_once(args: argparse.Namespace) -> int:
    config, ruleset = _load(args)
    with writer_lock(args.state, "once", args.database_url):  # one writer per SQLite state (store/lock.py)
        _warm_up(config)
        return asyncio.run(_once(args, config, ruleset, Environment.from_env(os.environ)))


def cmd_run(args: argparse.Namespace) -> int:
    from bot.flow.daemon import Daemon, DaemonOptions  # APScheduler: only the daemon needs it

    config, ruleset = _load(args)
    # held until the daemon exits (the kernel frees it on a kill); SQLite only (store/lock.py)
    with writer_lock(args.state, "run", args.database_url):
        _warm_up(config)
        store = Store(args.state, args.database_url)
        ctx = Context(config=config, ruleset=ruleset, store=store)
        store.sync_feeds(config.feeds, ctx.clock())
        semantic_categories = set(config.semantic.categories if config.semantic else ())
        categories = sorted({r.category for r in config.rules} | semantic_categories)
        notifier, listener = make_feedback(os.environ, make_notifier(os.environ), categories)
        port = args.metrics_port or config.settings.metrics_port
        options = DaemonOptions(
            rules_path=Path(args.rules), metrics_port=port, poll_tick=args.poll_tick, flood_check=added_alerts
        )

        async def main() -> int:
            return await Daemon(ctx, notifier, options, listener).run()

        return asyncio.run(main())


def cmd_test(args: argparse.Namespace) -> int:
    config, ruleset = _load(args)
    stories = load_story(file=args.file, url=args.url, stdin=sys.stdin if not (args.file or args.url) else None)
    scores = None
    if config.semantic is not None:
        from bot.semantic.judge import score_stories

        scores = score_stories(config.semantic, stories)
    print(explain_text(ruleset, stories, show_all=args.all, config=config, scores=scores))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    config, ruleset = _load(args)
    report = evaluate(config, ruleset, read_labelled(args.file), args.cv)
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_report(report))
    return 0
