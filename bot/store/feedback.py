"""Feedback clicks in the state database: the ``feedback`` table (migration 2), recording a
click once however often Slack delivers it, muting a story's thread, and the two read-outs that
turn clicks into data: labelled stories (``feedback export``, the semantic layer's training)
and each rule's precision from feedback (``status``).

How clicks become labels: per story, each person's latest verdict counts (a mute is not a
verdict); "relevant" labels the story with the alert's categories, "not relevant" with none,
a category correction with that category; the label most people gave wins (on a tie, the most
recent). A row keeps a copy of the story's title and summary, so labels outlive the pruning of
old stories.

It does not talk to Slack or decide what a click means for the message (flow/feedback.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.core.feedback import CATEGORY, MUTE, NOT_RELEVANT, RELEVANT, Click, FeedbackExample

if TYPE_CHECKING:
    from bot.store.database import Store

MIGRATION = """
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, feed_url TEXT NOT NULL, story_key TEXT NOT NULL,
    title TEXT NOT NULL, summary TEXT NOT NULL, link TEXT, channel TEXT NOT NULL,
    rules TEXT NOT NULL, categories TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
    verdict TEXT NOT NULL, category TEXT, action_ts TEXT NOT NULL, created_at REAL NOT NULL,
    UNIQUE (alert_id, user_id, verdict, action_ts)
);
CREATE INDEX feedback_created ON feedback(created_at);
CREATE INDEX feedback_alert ON feedback(alert_id, verdict);
"""
LOW_PRECISION = 0.5  # status names a rule whose precision from feedback is below this ...
MIN_JUDGED = 3  # ... once people judged at least this many of its alerts
WINDOW_DAYS = 30


@dataclass(frozen=True)
class Recorded:
    """What a click was about. ``new`` is False when Slack delivered the same click again."""

    new: bool
    alert_id: int
    title: str
    rules: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RuleFeedback:
    """One rule over the window: alerts it raised, how many people judged, how many they
    found right (the story belongs to the rule's category), and the precision from that."""

    rule_id: str
    category: str
    alerts: int
    judged: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.judged if self.judged else None

    @property
    def low(self) -> bool:
        return self.judged >= MIN_JUDGED and (self.precision or 0.0) < LOW_PRECISION


def _rules_of(matches_json: str) -> list[tuple[str, str]]:
    """(rule id, category) of each match in an alert's stored matches."""
    try:
        return [(str(m["rule_id"]), str(m["category"])) for m in json.loads(matches_json)]
    except (ValueError, KeyError, TypeError):
        return []


def record_click(store: Store, click: Click, now: datetime) -> Recorded | None:
    """Store one click (idempotent on alert, person, verdict and Slack's action time). None
    when the alert is unknown (pruned, or from another state)."""
    db = store._db  # the store package shares its connection
    row = db.execute(
        "SELECT a.id, a.channel, a.matches, s.feed_url, s.key, s.title, s.summary, s.link FROM alerts a "
        "JOIN stories s ON s.id = a.story_id WHERE a.id = ?",
        (click.alert_id,),
    ).fetchone()
    if row is None:
        return None
    pairs = _rules_of(row["matches"])
    rules = tuple(dict.fromkeys(r for r, _ in pairs))
    categories = tuple(sorted({c for _, c in pairs}))
    cur = db.execute(
        "INSERT INTO feedback(alert_id, feed_url, story_key, title, summary, link, channel, rules, "
        "categories, user_id, user_name, verdict, category, action_ts, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (row["id"], row["feed_url"], row["key"], row["title"], row["summary"], row["link"], row["channel"],
         json.dumps(rules), json.dumps(categories), click.user_id, click.user_name, click.verdict,
         click.category, click.action_ts, now.timestamp()),
    )
    return Recorded(cur.rowcount == 1, int(row["id"]), str(row["title"]), rules, categories)


def is_muted(store: Store, alert_id: int) -> bool:
    """Whether someone muted the story this alert belongs to (its thread's first alert)."""
    row = store._db.execute(
        "SELECT 1 FROM alerts a JOIN feedback f ON f.alert_id = COALESCE(a.parent_id, a.id) "
        "WHERE a.id = ? AND f.verdict = ? LIMIT 1",
        (alert_id, MUTE),
    ).fetchone()
    return row is not None


def drop_if_muted(store: Store, alert_id: int, now: datetime) -> bool:
    """Take a thread note or update of a muted story out of the outbox (status ``muted``)."""
    if not is_muted(store, alert_id):
        return False
    store._db.execute(
        "UPDATE alerts SET status = 'muted', sent_at = ?, last_error = 'muted in Slack' WHERE id = ?",
        (now.timestamp(), alert_id),
    )
    return True


def _labels(row: Any) -> tuple[str, ...]:
    if row["verdict"] == RELEVANT:
        return tuple(json.loads(row["categories"]))
    if row["verdict"] == CATEGORY and row["category"]:
        return (str(row["category"]),)
    return ()


def _decide(rows: Iterable[Any]) -> tuple[tuple[str, ...], int, Any]:
    """The winning labels of one story or alert, their votes and the latest row (see the
    module docstring). ``rows`` are in time order and carry no mutes."""
    latest: dict[str, Any] = {}
    for row in rows:
        latest[row["user_id"]] = row
    votes: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for row in latest.values():
        votes[_labels(row)].append(row)
    labels, voters = max(votes.items(), key=lambda kv: (len(kv[1]), max(r["id"] for r in kv[1])))
    return labels, len(voters), max(latest.values(), key=lambda r: r["id"])


def _verdict_rows(store: Store, since: datetime | None) -> list[Any]:
    sql = "SELECT * FROM feedback WHERE verdict IN (?, ?, ?)"
    args: list[Any] = [RELEVANT, NOT_RELEVANT, CATEGORY]
    if since is not None:
        sql += " AND created_at >= ?"
        args.append(since.timestamp())
    return store._db.execute(sql + " ORDER BY created_at, id", args).fetchall()


def feedback_examples(store: Store, since: datetime | None = None) -> list[FeedbackExample]:
    """Every story people judged (since ``since``), labelled as the module docstring says,
    oldest first."""
    by_story: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in _verdict_rows(store, since):
        by_story[(row["feed_url"], row["story_key"])].append(row)
    out = []
    for (feed_url, key), rows in by_story.items():
        labels, votes, last = _decide(rows)
        rules = tuple(dict.fromkeys(r for row in rows for r in json.loads(row["rules"])))
        out.append(FeedbackExample(
            id=f"feedback:{feed_url}#{key}", title=last["title"], summary=last["summary"], labels=labels,
            votes=votes, rules=rules, link=last["link"],
            last_at=datetime.fromtimestamp(last["created_at"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ))
    return sorted(out, key=lambda e: e.last_at)


def rule_feedback(store: Store, now: datetime, days: int = WINDOW_DAYS) -> list[RuleFeedback]:
    """Per rule, over the last ``days``: alerts (first alerts of a story in a channel), how
    many people judged and how many were right. Rules without alerts are not listed."""
    since = now.timestamp() - days * 86400
    alerts = store._db.execute(
        "SELECT id, matches FROM alerts WHERE kind = 'new' AND created_at >= ?", (since,)
    ).fetchall()
    judged: dict[int, list[Any]] = defaultdict(list)
    for row in store._db.execute(
        "SELECT * FROM feedback WHERE verdict IN (?, ?, ?) AND alert_id IN "
        "(SELECT id FROM alerts WHERE kind = 'new' AND created_at >= ?) ORDER BY created_at, id",
        (RELEVANT, NOT_RELEVANT, CATEGORY, since),
    ):
        judged[int(row["alert_id"])].append(row)
    counts: dict[str, list[int]] = {}
    category_of: dict[str, str] = {}
    for alert in alerts:
        verdict = _decide(judged[alert["id"]])[0] if judged.get(alert["id"]) else None
        for rule_id, category in dict(_rules_of(alert["matches"])).items():
            category_of.setdefault(rule_id, category)
            c = counts.setdefault(rule_id, [0, 0, 0])
            c[0] += 1
            if verdict is not None:
                c[1] += 1
                c[2] += category in verdict
    return [RuleFeedback(r, category_of[r], *c) for r, c in sorted(counts.items())]


def low_precision_rules(stats: Sequence[RuleFeedback]) -> list[str]:
    """The rules whose precision from feedback is low (see ``LOW_PRECISION``)."""
    return [s.rule_id for s in stats if s.low]
