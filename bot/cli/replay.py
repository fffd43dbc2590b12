"""``ethics-bot replay [--since 7d] [--rules NEW.yaml] [--current rules.yaml] [--json]``: run the
current rules and an edited copy over the stories the state keeps, and show the stories the
edit would add and remove (bot/review/replay.py does the comparing).

``--current`` defaults to the file the daemon runs (``$BOT_RULES`` or ./rules.yaml); ``--rules``
is the edit to try (without it: the current rules' counts only). Reads the state, never writes
to it beyond the schema migration every command does, so it runs beside the daemon.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config.load import load_config
from bot.config.values import parse_duration
from bot.core.errors import BotError
from bot.core.settings import FLOOD_MIN, FLOOD_WINDOW, RULES_FILE, Config
from bot.store.backend import state_exists
from bot.store.database import DB_NAME, Store


def add_parser(sub: Any, base: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "replay",
        parents=[base],
        help="what an edit of the rules would add and remove on the stored stories",
    )
    p.add_argument("--rules", dest="new_rules", metavar="NEW.yaml", help="the edited rules file to try")
    p.add_argument(
        "--current",
        default=os.environ.get("BOT_RULES", RULES_FILE),
        metavar="PATH",
        help=f"the rules to compare with (default: $BOT_RULES or ./{RULES_FILE}, what the daemon runs)",
    )
    p.add_argument("--since", default="7d", help="stories first seen this recently, e.g. 7d, 12h, or all (default 7d)")
    p.add_argument(
        "--full",
        action="store_true",
        help="also count the rules the edit does not change (matches every story with every rule: slower)",
    )
    p.add_argument("--json", action="store_true")


def cmd_replay(args: argparse.Namespace) -> int:
    from bot.review.replay import format_replay, replay

    since: datetime | None = None
    if args.since != "all":
        try:
            since = datetime.now(UTC) - timedelta(seconds=parse_duration(args.since))
        except ValueError as exc:
            raise BotError(f"--since: {exc}") from None
    if not state_exists(args.state, args.database_url):
        db = Path(args.state) / DB_NAME
        raise BotError(f"no state at {db}: replay reads the stories a run of the bot kept (--state DIR)")
    current = load_config(args.current)
    new = load_config(args.new_rules) if args.new_rules else current
    store = Store(args.state, args.database_url)
    try:
        stories = store.stored_stories(since)
    finally:
        store.close()
    result = replay(current, new, stories, full=args.full or not args.new_rules)
    if args.json:
        out: dict[str, Any] = {"since": args.since, "current_file": args.current, "new_file": args.new_rules}
        print(json.dumps({**result.as_dict(), **out}, indent=2, ensure_ascii=False))
    else:
        window = "all" if since is None else f"first seen in the last {args.since}"
        print(format_replay(result, since=window, current_name=args.current, new_name=args.new_rules))
    return 0


def flood_warning(config: Config, state: str, database_url: str | None = None) -> str | None:
    """For ``ethics-bot check`` when a state is at hand: a warning when the rules would alert on
    more than ``flood_share`` of the stories first seen in the last 7 days (and on at least 10),
    the replay the daemon's flood guard makes on reload (here against no rules at all: check
    does not know which rules run). None when fine, allowed, or there is no state."""
    from bot.review.replay import added_alerts

    if config.settings.flood_allow or not state_exists(state, database_url):
        return None
    store = Store(state, database_url)
    try:
        stories = store.stored_stories(datetime.now(UTC) - timedelta(seconds=FLOOD_WINDOW))
    finally:
        store.close()
    if not stories:
        return None
    count, per_rule = added_alerts(replace(config, rules=()), config, stories)
    share = config.settings.flood_share
    if count < FLOOD_MIN or count <= share * len(stories):
        return None
    rules = ", ".join(f"{rid} ({n})" for rid, n in sorted(per_rule.items(), key=lambda kv: -kv[1])[:10])
    return (
        f"warning: these rules would alert on {count} of the {len(stories)} stories in {state} first seen "
        f"in the last {FLOOD_WINDOW / 86400:.0f} days ({count / len(stories):.0%}), more than "
        f"settings.flood_share ({share:.0%}); a running daemon refuses such an edit unless settings.flood_allow "
        f"is true. Rules and their stories: {rules}"
    )
