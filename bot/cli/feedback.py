"""``ethics-bot feedback export`` and the feedback part of ``status``.

``feedback export [--since 7d] [--out FILE]`` writes the stories people judged with the Slack
buttons as JSON lines in the labelled-story format that ``eval`` and ``semantic.examples`` read
(``id``, ``title``, ``summary``, ``labels``; "not relevant" gives no labels, "relevant" the
alert's categories, a corrected category that category), plus ``votes``, ``rules``, ``link`` and
``last_feedback``, which those readers ignore. ``status`` gets, per rule over the last 30 days,
its alerts, how many of them people judged, the precision from that, and the rules whose
precision is low.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config.values import parse_duration
from bot.core.errors import BotError
from bot.store.database import Store
from bot.store.feedback import LOW_PRECISION, MIN_JUDGED, WINDOW_DAYS, feedback_examples, rule_feedback


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``feedback export`` under the top-level subparsers."""
    fb = sub.add_parser("feedback", help="feedback from the Slack buttons")
    what = fb.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    ex = what.add_parser("export", parents=[common], help="labelled stories from feedback, as JSON lines (eval format)")
    ex.add_argument("--since", help="only feedback this recent, e.g. 7d or 12h (default: all)")
    ex.add_argument("--out", help="write to this file (default: stdout)")


def cmd_feedback(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = datetime.now(UTC) - timedelta(seconds=parse_duration(args.since))
        except ValueError as exc:
            raise BotError(f"--since {args.since}: {exc}") from exc
    store = Store(args.state, args.database_url)
    try:
        examples = feedback_examples(store, since)
    finally:
        store.close()
    lines = "".join(json.dumps(e.as_json(), ensure_ascii=False) + "\n" for e in examples)
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(lines)
        except OSError as exc:
            raise BotError(f"cannot write {args.out}: {exc}") from exc
        print(f"{len(examples)} labelled stories written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0


def rules_data(store: Store, now: datetime) -> dict[str, Any]:
    """The per-rule feedback figures for ``status --json``."""
    stats = rule_feedback(store, now)
    return {
        "window_days": WINDOW_DAYS,
        "rules": [{"rule": s.rule_id, "category": s.category, "alerts": s.alerts, "judged": s.judged,
                   "correct": s.correct, "precision": None if s.precision is None else round(s.precision, 3),
                   "low_precision": s.low} for s in stats],
        "low_precision_rules": [s.rule_id for s in stats if s.low],
    }


def rules_lines(data: dict[str, Any]) -> list[str]:
    """The same for people: one line per rule, then the rules to look at."""
    if not data["rules"]:
        return []
    lines = ["", f"rules over the last {data['window_days']} days (feedback from the Slack buttons):",
             f"  {'rule':<36} {'alerts':>6} {'judged':>6} {'precision':>9}"]
    for r in data["rules"]:
        precision = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        lines.append(f"  {r['rule']:<36} {r['alerts']:>6} {r['judged']:>6} {precision:>9}"
                     + ("  LOW" if r["low_precision"] else ""))
    if data["low_precision_rules"]:
        lines.append(f"low precision (below {LOW_PRECISION:.2f} on {MIN_JUDGED}+ judged alerts): "
                     + ", ".join(data["low_precision_rules"]) + " — see `ethics-bot feedback export`")
    return lines
