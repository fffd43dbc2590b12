"""Command line: ``ethics-bot run | once | check | test | eval | feeds | status | health``.

Wires config, store, fetcher, matcher and notifier together; the work itself lives in the
stage modules. Every command takes ``--rules`` (default ``$BOT_RULES`` or ``./rules.yaml``) and
``--state`` (default ``$BOT_STATE`` or ``./state``). Exit codes: 0 success, 1 unhealthy or a
runtime failure, 2 invalid configuration or usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.config import Config, Environment, load_config
from bot.errors import BotError, ConfigError, StoreError
from bot.evaluate import format_report, predict, read_labelled, score
from bot.fetch import Fetcher
from bot.logs import configure_logging, event, get_logger
from bot.match import RuleSet, compile_rules
from bot.notify import make_notifier
from bot.pipeline import Context, Pacer, deliver_due, poll_feeds, utcnow
from bot.reports import feeds_report, health_report, status_report
from bot.scheduler import Daemon, DaemonOptions, fetch_limits
from bot.store import Store
from bot.storyinput import load_story

log = get_logger("cli")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--rules",
        default=os.environ.get("BOT_RULES", "rules.yaml"),
        help="rules file (default: $BOT_RULES or ./rules.yaml)",
    )
    common.add_argument(
        "--state", default=os.environ.get("BOT_STATE", "state"), help="state folder (default: $BOT_STATE or ./state)"
    )
    common.add_argument("--log-format", choices=("text", "json"), default=os.environ.get("BOT_LOG_FORMAT", "text"))
    common.add_argument(
        "--log-level", default=os.environ.get("BOT_LOG_LEVEL", "info"), choices=("debug", "info", "warning", "error")
    )
    p = argparse.ArgumentParser(
        prog="ethics-bot", description="Watch news feeds for ethically contested tech work and alert Slack."
    )
    p.add_argument("--version", action="version", version=f"ethics-bot {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", parents=[common], help="run the daemon")
    run.add_argument(
        "--metrics-port",
        type=int,
        default=_env_int("BOT_METRICS_PORT"),
        help="serve /metrics and /healthz on this port (default: $BOT_METRICS_PORT; off)",
    )
    run.add_argument("--poll-tick", type=float, default=15.0, help=argparse.SUPPRESS)
    once = sub.add_parser("once", parents=[common], help="poll every feed once, deliver, exit")
    once.add_argument(
        "--drain",
        type=float,
        default=60.0,
        help="seconds to keep delivering alerts that are waiting for a retry (default 60)",
    )
    sub.add_parser("check", parents=[common], help="validate rules.yaml")
    test = sub.add_parser("test", parents=[common], help="explain how a story matches every rule")
    test.add_argument("--file", help="story JSON ({title, summary}) or a feed file")
    test.add_argument("--url", help="fetch this feed or page and test its stories")
    test.add_argument("--all", action="store_true", help="also list the rules that did not match")
    ev = sub.add_parser("eval", parents=[common], help="precision/recall of the rules on labelled stories")
    ev.add_argument("file", help="labelled stories, JSON lines")
    ev.add_argument("--json", action="store_true")
    for name, text in (("feeds", "each feed's health"), ("status", "alerts pending/sent/failed per channel")):
        q = sub.add_parser(name, parents=[common], help=text)
        q.add_argument("--json", action="store_true")
    h = sub.add_parser("health", parents=[common], help="exit 0 if the daemon ticked recently")
    h.add_argument("--max-age", type=float, default=None, help="seconds (default: 120)")
    return p


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value and value.isdigit() else None


def _load(args: argparse.Namespace) -> tuple[Config, RuleSet]:
    config = load_config(args.rules)
    ruleset = compile_rules(config.rules, config.lists, config.settings.default_channel)
    return config, ruleset


def cmd_check(args: argparse.Namespace) -> int:
    config, _ = _load(args)  # compiling the rules is part of the check
    categories = sorted({r.category for r in config.rules})
    enabled = sum(r.enabled for r in config.rules)
    print(
        f"{args.rules} is valid: {len(config.feeds)} feeds, {enabled} enabled rules "
        f"({len(config.rules)} in all) in {len(categories)} categories, {len(config.lists)} lists."
    )
    return 0


async def _once(args: argparse.Namespace, config: Config, ruleset: RuleSet, env: Environment) -> int:
    store = Store(args.state)
    ctx = Context(config=config, ruleset=ruleset, store=store)
    store.sync_feeds(config.feeds, ctx.clock())
    notifier = make_notifier(os.environ)
    async with Fetcher(fetch_limits(config)) as fetcher:
        outcomes = await poll_feeds(ctx, fetcher, due_only=False)
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
    store.close()
    return 0


def cmd_once(args: argparse.Namespace) -> int:
    config, ruleset = _load(args)
    return asyncio.run(_once(args, config, ruleset, Environment.from_env(os.environ)))


def cmd_run(args: argparse.Namespace) -> int:
    config, ruleset = _load(args)
    store = Store(args.state)
    ctx = Context(config=config, ruleset=ruleset, store=store)
    store.sync_feeds(config.feeds, ctx.clock())
    notifier = make_notifier(os.environ)
    port = args.metrics_port or config.settings.metrics_port
    options = DaemonOptions(rules_path=Path(args.rules), metrics_port=port, poll_tick=args.poll_tick)

    async def main() -> int:
        return await Daemon(ctx, notifier, options).run()

    return asyncio.run(main())


def cmd_test(args: argparse.Namespace) -> int:
    from bot.explain import explain_text

    _, ruleset = _load(args)
    stories = load_story(file=args.file, url=args.url, stdin=sys.stdin if not (args.file or args.url) else None)
    print(explain_text(ruleset, stories, show_all=args.all))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    config, ruleset = _load(args)
    report = score(predict(ruleset, read_labelled(args.file)), {r.category for r in config.rules})
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_report(report))
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    store = Store(args.state)
    print(feeds_report(store, as_json=args.json, now=utcnow()))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    store = Store(args.state)
    print(status_report(store, as_json=args.json, now=utcnow()))
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    ok, reason = health_report(Path(args.state), now=utcnow(), max_age=args.max_age)
    print(reason)
    return 0 if ok else 1


COMMANDS = {
    "check": cmd_check,
    "once": cmd_once,
    "run": cmd_run,
    "test": cmd_test,
    "eval": cmd_eval,
    "feeds": cmd_feeds,
    "status": cmd_status,
    "health": cmd_health,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    env = Environment.from_env(os.environ)
    configure_logging(args.log_format, args.log_level, env.secrets())
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        if args.command in ("run", "once"):
            print("Not starting: fix the problems above (ethics-bot check lists them).", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
