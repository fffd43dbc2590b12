"""``ethics-bot eval``: precision, recall and F1 of the rules on labelled stories.

Input is JSON lines: ``{"id", "title", "summary", "labels": [slug, ...]}``; empty labels mean
"should not alert". A story is predicted in category C when any enabled rule with
``category: C`` matches it. Relevance is "any category" versus "none".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import BotError
from bot.match import RuleSet, match_story
from bot.models import Story


@dataclass(frozen=True)
class Prediction:
    item: Labelled
    categories: frozenset[str]
    rules: tuple[str, ...]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self, with_tn: bool) -> dict[str, Any]:
        d: dict[str, Any] = {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }
        if with_tn:
            d["tn"] = self.tn
        return d


@dataclass
class Report:
    relevance: Score
    categories: dict[str, Score]
    predictions: list[Prediction] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "relevance": self.relevance.as_dict(True),
            "categories": {c: s.as_dict(False) for c, s in sorted(self.categories.items())},
        }


def predict(ruleset: RuleSet, items: Iterable[Labelled]) -> list[Prediction]:
    out = []
    for item in items:
        story = Story(key=item.id, feed_url="eval", source="eval", title=item.title, summary=item.summary)
        matches = match_story(ruleset, story)
        out.append(Prediction(item, frozenset(m.category for m in matches), tuple(m.rule_id for m in matches)))
    return out


def score(predictions: Sequence[Prediction], categories: Iterable[str]) -> Report:
    relevance = Score()
    per: dict[str, Score] = {c: Score() for c in categories}
    for p in predictions:
        for c in p.item.labels | p.categories:
            per.setdefault(c, Score())
        truth, guess = bool(p.item.labels), bool(p.categories)
        if truth and guess:
            relevance.tp += 1
        elif guess:
            relevance.fp += 1
        elif truth:
            relevance.fn += 1
        else:
            relevance.tn += 1
        for c, s in per.items():
            t, g = c in p.item.labels, c in p.categories
            if t and g:
                s.tp += 1
            elif g:
                s.fp += 1
            elif t:
                s.fn += 1
            else:
                s.tn += 1
    return Report(relevance, per, list(predictions))


def format_report(report: Report) -> str:
    r = report.relevance
    lines = [
        f"relevance  precision {r.precision:.3f}  recall {r.recall:.3f}  f1 {r.f1:.3f}  "
        f"(tp {r.tp}, fp {r.fp}, fn {r.fn}, tn {r.tn})",
        "",
        f"{'category':<26} {'prec':>6} {'recall':>6} {'f1':>6} {'tp':>4} {'fp':>4} {'fn':>4}",
    ]
    for c, s in sorted(report.categories.items()):
        lines.append(f"{c:<26} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} {s.tp:>4} {s.fp:>4} {s.fn:>4}")
    fps = [p for p in report.predictions if p.categories - p.item.labels]
    fns = [p for p in report.predictions if p.item.labels - p.categories]
    lines += ["", f"false positives ({len(fps)}):"]
    for p in fps:
        extra = ",".join(sorted(p.categories - p.item.labels))
        lines.append(f"  {p.item.id}  [{extra}] by {','.join(p.rules)}: {p.item.title}")
    lines += ["", f"false negatives ({len(fns)}):"]
    for p in fns:
        missing = ",".join(sorted(p.item.labels - p.categories))
        fired = f" (fired: {','.join(p.rules)})" if p.rules else ""
        lines.append(f"  {p.item.id}  [{missing}]{fired}: {p.item.title}")
    return "\n".join(lines)
