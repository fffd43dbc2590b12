"""Command line: ``ethics-bot run | once | check | test | eval | replay | feeds | status | feedback | health
| migrate-state``.

Wires config, store, fetcher, matcher and notifier together; the work itself lives in the
stage modules. Every command takes ``--rules`` (default ``$BOT_RULES`` or ``./rules.yaml``) and
``--state`` (default ``$BOT_STATE`` or ``./state``); ``$BOT_DATABASE_URL`` (postgresql://...)
keeps the state in PostgreSQL instead of the state folder. Exit codes: 0 success, 1 unhealthy or a
runtime failure, 2 invalid configuration or usage.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import __version__
from bot.core.errors import BotError, ConfigError, StoreError
from bot.core.settings import POLL_TICK, RULES_FILE, STATE_DIR, Environment, health_limit
from bot.observe.logs import configure_logging

# Only light modules at the top: each command imports what it needs when it runs, so that a
# command that reads the state only (status, health) starts in a moment.


def _parser() -> argparse.ArgumentParser:
    from bot.cli.feedback import add_parser as add_feedback_parser
    from bot.cli.migrate import add_parser as add_migrate_parser
    from bot.cli.replay import add_parser as add_replay_parser

    base = argparse.ArgumentParser(add_help=False)  # every command: state and logging
    base.add_argument(
        "--state",
        default=os.environ.get("BOT_STATE", STATE_DIR),
        help=f"state folder (default: $BOT_STATE or ./{STATE_DIR})",
    )
    # $BOT_DATABASE_URL: the state in PostgreSQL (an environment variable only: it may hold a password)
    base.set_defaults(database_url=Environment.from_env(os.environ).database_url)
    base.add_argument("--log-format", choices=("text", "json"), default=os.environ.get("BOT_LOG_FORMAT", "text"))
    base.add_argument(
        "--log-level", default=os.environ.get("BOT_LOG_LEVEL", "info"), choices=("debug", "info", "warning", "error")
    )
    common = argparse.ArgumentParser(add_help=False, parents=[base])
    common.add_argument(
        "--rules",
        default=os.environ.get("BOT_RULES", RULES_FILE),
        help=f"rules file (default: $BOT_RULES or ./{RULES_FILE})",
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
    run.add_argument("--poll-tick", type=float, default=POLL_TICK, help=argparse.SUPPRESS)
    once = sub.add_parser("once", parents=[common], help="poll every feed once, deliver, exit")
    once.add_argument(
        "--drain",
        type=float,
        default=60.0,
        help="seconds to keep delivering alerts that are waiting for a retry (default 60)",
    )
    chk = sub.add_parser("check", parents=[common], help="validate rules.yaml")
    chk.add_argument("--strict", action="store_true", help="refuse the file for a warning too (exit 2)")
    test = sub.add_parser("test", parents=[common], help="explain how a story matches every rule")
    test.add_argument("--file", help="story JSON ({title, summary}) or a feed file")
    test.add_argument("--url", help="fetch this feed or page and test its stories")
    test.add_argument("--all", action="store_true", help="also list the rules that did not match")
    ev = sub.add_parser("eval", parents=[common], help="precision/recall of the rules on labelled stories")
    ev.add_argument("file", help="labelled stories, JSON lines")
    ev.add_argument("--json", action="store_true")
    ev.add_argument(
        "--cv",
        type=_folds,
        metavar="K",
        help="K-fold cross-validation of the semantic layer: each story is scored by a classifier "
        "trained without it (use when FILE is also in semantic.examples)",
    )
    for name, text in (("feeds", "each feed's health; feeds import FILE.opml, feeds export [FILE]"),
                       ("status", "alerts pending/sent/failed per channel")):
        q = sub.add_parser(name, parents=[common], help=text)
        q.add_argument("--json", action="store_true")
    add_feedback_parser(sub, common)
    add_replay_parser(sub, base)  # its --rules is the edit to try; --current is the running file
    add_migrate_parser(sub, base)
    feeds = sub.choices["feeds"]
    feeds.add_argument("action", nargs="?", choices=("import", "export"),
                       help="import: add an OPML file's feeds to rules.yaml (comments kept); export: write OPML 2.0")
    feeds.add_argument("file", nargs="?", help="the OPML file (export: default stdout)")
    h = sub.add_parser("health", parents=[common], help="exit 0 if the daemon ticked recently")
    h.add_argument("--max-age", type=float, default=None, help=f"seconds (default: {health_limit():.0f})")
    return p


def _folds(text: str) -> int:
    if not text.isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError("K is a whole number of folds, 2 or more")
    return int(text)


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value and value.isdigit() else None


def cmd_check(args: argparse.Namespace) -> int:
    from bot.cli.replay import flood_warning
    from bot.cli.reports import semantic_status
    from bot.config.load import load_config
    from bot.rules.match import compile_config

    config = load_config(args.rules)
    compile_config(config)  # part of the check
    if config.warnings and args.strict:
        raise ConfigError(list(config.warnings), args.rules)  # printed as problems, exit 2
    categories = sorted({r.category for r in config.rules})
    enabled = sum(r.enabled for r in config.rules)
    print(
        f"{args.rules} is valid: {len(config.feeds)} feeds, {enabled} enabled rules "
        f"({len(config.rules)} in all) in {len(categories)} categories, {len(config.lists)} lists."
    )
    if config.warnings:
        print(f"{len(config.warnings)} warning(s): likely mistakes (check --strict refuses the file for them):")
        for warning in config.warnings:
            print(f"  {args.rules}:{warning}")
    flood = flood_warning(config, args.state, args.database_url)  # with a state at hand: the flood guard's replay
    if flood:
        print(flood)
    for feed in config.feeds:  # private feeds: say which secrets this environment lacks (never their values)
        missing = feed.access.missing_env(os.environ) if feed.access else []
        if missing:
            print(f"note: feed {feed.url} needs {', '.join(missing)} set in the environment of the daemon")
    from bot.fetch.proxy import ProxySettings

    proxies = ProxySettings.from_env(os.environ)  # a bad proxy URL is a ConfigError, as at start
    if proxies.any:
        shown = ", ".join(f"{k}={v}" for k, v in proxies.described().items() if v)
        print(f"feeds are fetched through a proxy: {shown}")
    print(semantic_status(config))
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    if args.action:
        from bot.cli.opml import cmd_feeds_export, cmd_feeds_import

        return (cmd_feeds_import if args.action == "import" else cmd_feeds_export)(args)
    from bot.cli.reports import feeds_report
    from bot.store.database import Store

    store = Store(args.state, args.database_url)
    print(feeds_report(store, as_json=args.json, now=datetime.now(UTC)))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from bot.cli.reports import status_report
    from bot.store.database import Store

    store = Store(args.state, args.database_url)
    print(status_report(store, as_json=args.json, now=datetime.now(UTC)))
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from bot.cli.reports import health_report

    ok, reason = health_report(Path(args.state), now=datetime.now(UTC), max_age=args.max_age,
                               database_url=args.database_url)
    print(reason)
    return 0 if ok else 1


def _settle_garbage_collector() -> None:
    """Keep the cyclic garbage collector from re-scanning what the imports made.

    A poll allocates many short-lived objects (HTTP requests, responses, stories), each of which
    counts towards a collection of the youngest generation, and every so often a full scan of
    everything alive, most of it modules and classes that live as long as the process. Moving
    those to the permanent generation (gc.freeze) and collecting the youngest generation every
    20,000 allocations rather than 700 cut a 1,000-feed poll's CPU by ~7-9% (paired runs of
    bench/bench_poll.py's setup, 8 of 8 no worse). Reference counting still frees everything
    that is not in a cycle at once; only cyclic garbage waits a little longer.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _heavy(name: str) -> Callable[[argparse.Namespace], int]:
    """A command from bot.cli.commands, imported only when it runs."""

    def command(args: argparse.Namespace) -> int:
        from bot.cli import commands
        fn: Callable[[argparse.Namespace], int] = getattr(commands, f"cmd_{name}")
        _settle_garbage_collector()
        return fn(args)

    return command


def _later(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The command ``name`` of ``module``, imported only when it runs."""

    def command(args: argparse.Namespace) -> int:
        fn: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
        return fn(args)

    return command


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check,
    "feeds": cmd_feeds,
    "status": cmd_status,
    "health": cmd_health,
    "once": _heavy("once"),
    "run": _heavy("run"),
    "test": _heavy("test"),
    "eval": _heavy("eval"),
    "feedback": _later("bot.cli.feedback", "cmd_feedback"),
    "replay": _later("bot.cli.replay", "cmd_replay"),
    "migrate-state": _later("bot.cli.migrate", "cmd_migrate_state"),
}


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    # Until the daemon installs its own handlers, SIGTERM (docker stop during start-up) ends the
    # process with exit 0: nothing has been done that a transaction would not have kept whole.
    signal.signal(signal.SIGTERM, _exit_cleanly)
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
    except BrokenPipeError:  # `ethics-bot eval ... | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
