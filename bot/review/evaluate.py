"""``ethics-bot eval``: precision, recall and F1 of the rules on labelled stories.

Input is JSON lines: ``{"id", "title", "summary", "labels": [slug, ...]}``; empty labels mean
"should not alert". A line may also carry ``source``, ``feed_url``, ``author``, ``url`` and
``tags`` (``bot.core.labelled``), which rules with ``feeds:`` or those scopes read. A story is
predicted in category C when any enabled rule with ``category: C`` matches it (and, with a
``semantic:`` section, the semantic layer did not veto it, or the layer added C on its score).
Relevance is "any category" versus "none".

With the semantic layer, ``semantic_scores`` scores the stories, by K-fold cross-validation
when asked (``--cv K``): a story is never scored by a classifier trained on it. The report then
compares three predictors on the same stories: the rules alone, the classifier alone (a
category at or above its threshold) and the combination the bot alerts with.

Beside precision and recall, the relevance score reports false alerts per 1,000 ordinary items:
the items labelled empty that alert, per 1,000 items labelled empty. Where relevant stories are
rare, that is the figure a channel's readers feel; precision on a balanced set hides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.errors import BotError
from bot.core.labelled import Labelled, read_labelled
from bot.core.models import SemanticScores, Story
from bot.core.semantic_files import INSTALL_HINT
from bot.rules.match import RuleSet, match_story
from bot.semantic.judge import judge

if TYPE_CHECKING:
    from bot.core.settings import Config, SemanticSettings

__all__ = ["Labelled", "Prediction", "Report", "Score", "predict", "read_labelled", "score"]


@dataclass(frozen=True)
class Prediction:
    item: Labelled
    categories: frozenset[str]
    rules: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what the semantic layer added or vetoed, and why


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

    @property
    def false_alerts_per_1000(self) -> float:
        """Ordinary items (labelled empty) that alert, per 1,000 ordinary items: fp / (fp + tn).
        Meaningful for relevance, where tn counts the items labelled empty."""
        ordinary = self.fp + self.tn
        return 1000 * self.fp / ordinary if ordinary else 0.0

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
            d["false_alerts_per_1000"] = round(self.false_alerts_per_1000, 2)
        return d


@dataclass
class Report:
    relevance: Score
    categories: dict[str, Score]
    predictions: list[Prediction] = field(default_factory=list)
    compare: dict[str, Score] = field(default_factory=dict)  # predictor name -> relevance
    method: str = ""  # how the semantic scores were obtained

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "relevance": self.relevance.as_dict(True),
            "categories": {c: s.as_dict(False) for c, s in sorted(self.categories.items())},
        }
        if self.compare:
            out["semantic"] = {
                "method": self.method,
                "relevance": {name: s.as_dict(True) for name, s in self.compare.items()},
            }
        return out


def _story(item: Labelled) -> Story:
    return Story(
        key=item.id,
        feed_url=item.feed_url,
        source=item.source,
        title=item.title,
        summary=item.summary,
        link=item.url or None,
        author=item.author,
        tags=item.tags,
    )


def predict(
    ruleset: RuleSet,
    items: Iterable[Labelled],
    *,
    semantic: SemanticSettings | None = None,
    scores: Sequence[SemanticScores] | None = None,
) -> list[Prediction]:
    """What the bot would alert for each item: the rules, with the semantic layer applied when
    ``semantic`` and ``scores`` (one per item, in order) are given."""
    out = []
    for n, item in enumerate(items):
        matches = match_story(ruleset, _story(item))
        found = scores[n] if scores is not None else None
        verdict = judge(ruleset, semantic, matches, found, "#eval")
        notes = [f"added {m.rule_id}: {m.note}" for m in verdict.added]
        notes += [f"vetoed {v.match.rule_id}: {v.reason}" for v in verdict.vetoed]
        out.append(
            Prediction(
                item,
                frozenset(m.category for m in verdict.matches),
                tuple(m.rule_id for m in verdict.matches),
                tuple(notes),
            )
        )
    return out


def predict_classifier(
    items: Sequence[Labelled], scores: Sequence[SemanticScores], semantic: SemanticSettings
) -> list[Prediction]:
    """The classifier alone: every category whose score reaches its threshold."""
    out = []
    for item, found in zip(items, scores, strict=True):
        cats = frozenset(c for c, p in found.scores.items() if p >= semantic.threshold(c))
        out.append(Prediction(item, cats, tuple(f"semantic:{c}" for c in sorted(cats))))
    return out


def semantic_scores(config: Config, items: Sequence[Labelled], cv: int | None) -> tuple[list[SemanticScores], str]:
    """Scores for ``items`` and a line saying how they were obtained (and, without ``cv``, how
    many of the items the classifier was trained on, which makes its figures optimistic)."""
    semantic = config.semantic
    if semantic is None:
        raise BotError("--cv needs a semantic: section in the rules file (see the README)")
    try:
        from bot.semantic import model as layer
    except ImportError as exc:
        raise BotError(f"the semantic layer needs the [semantic] extra ({exc}): {INSTALL_HINT}") from exc
    examples = layer.read_examples(semantic.examples)
    texts = {layer.story_text(i.title, i.summary) for i in items}
    overlap = sum(1 for e in examples if layer.story_text(e.title, e.summary) in texts)
    source = f"{len(examples)} labelled examples from {len(semantic.examples)} file(s)"
    if cv:
        scores = layer.cross_validated(semantic.model, examples, items, cv, semantic.categories)
        how = f"semantic layer: {cv}-fold cross-validation over the evaluated stories; trained on {source}"
        how += f", of which {overlap} are evaluated stories (each held out of its own fold)"
        if not overlap:
            how += "; none is an evaluated story, so the folds change nothing"
        return scores, how
    model = layer.load_model(semantic.model, semantic.examples, semantic.categories)
    scores = model.score([(i.title, i.summary) for i in items])
    how = f"semantic layer: trained on {source}"
    if overlap:
        how += (
            f"; WARNING: {overlap} evaluated stories are training examples, so these figures are "
            "optimistic: use --cv K"
        )
    return scores, how


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
    lines = []
    if report.compare:
        lines += [report.method, ""]
        for name, s in report.compare.items():
            lines.append(
                f"{name:<18} relevance precision {s.precision:.3f}  recall {s.recall:.3f}  f1 {s.f1:.3f}  "
                f"false alerts {s.false_alerts_per_1000:.1f}/1,000  (tp {s.tp}, fp {s.fp}, fn {s.fn}, tn {s.tn})"
            )
        lines += ["", "the combination (what the bot alerts), in detail:"]
    lines += [
        f"relevance  precision {r.precision:.3f}  recall {r.recall:.3f}  f1 {r.f1:.3f}  "
        f"(tp {r.tp}, fp {r.fp}, fn {r.fn}, tn {r.tn})",
        f"false alerts per 1,000 ordinary items {r.false_alerts_per_1000:.1f}  "
        f"({r.fp} of the {r.fp + r.tn} items labelled empty alert)",
        "",
        f"{'category':<26} {'prec':>6} {'recall':>6} {'f1':>6} {'tp':>4} {'fp':>4} {'fn':>4}",
    ]
    for c, s in sorted(report.categories.items()):
        lines.append(f"{c:<26} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} {s.tp:>4} {s.fp:>4} {s.fn:>4}")
    fps = [p for p in report.predictions if p.categories - p.item.labels]
    fns = [p for p in report.predictions if p.item.labels - p.categories]
    helped = [p for p in report.predictions if p.notes and p.categories <= p.item.labels <= p.categories]
    if helped:
        lines += ["", f"right, after the semantic layer added or vetoed ({len(helped)}):"]
        for p in helped:
            lines.append(f"  {p.item.id}  [{','.join(sorted(p.categories)) or 'none'}]: {p.item.title}")
            lines += [f"      {note}" for note in p.notes]
    lines += ["", f"false positives ({len(fps)}):"]
    for p in fps:
        extra = ",".join(sorted(p.categories - p.item.labels))
        lines.append(f"  {p.item.id}  [{extra}] by {','.join(p.rules)}: {p.item.title}")
        lines += [f"      {note}" for note in p.notes]
    lines += ["", f"false negatives ({len(fns)}):"]
    for p in fns:
        missing = ",".join(sorted(p.item.labels - p.categories))
        fired = f" (fired: {','.join(p.rules)})" if p.rules else ""
        lines.append(f"  {p.item.id}  [{missing}]{fired}: {p.item.title}")
        lines += [f"      {note}" for note in p.notes]
    return "\n".join(lines)


def evaluate(config: Config, ruleset: RuleSet, items: Sequence[Labelled], cv: int | None = None) -> Report:
    """The report ``ethics-bot eval`` prints: the rules, or with a semantic section, the
    combination in detail plus the three-way comparison of relevance."""
    categories = {r.category for r in config.rules}
    if config.semantic is None:
        if cv and config.semantic_off:
            raise BotError(f"--cv needs the semantic layer, which is off: {config.semantic_off}")
        if cv:
            raise BotError("--cv needs a semantic: section in the rules file (see the README)")
        return score(predict(ruleset, items), categories)
    scores, how = semantic_scores(config, items, cv)
    report = score(predict(ruleset, items, semantic=config.semantic, scores=scores), categories)
    report.method = how
    report.compare = {
        "rules alone": score(predict(ruleset, items), categories).relevance,
        "classifier alone": score(predict_classifier(items, scores, config.semantic), categories).relevance,
        "combined": report.relevance,
    }
    return report
