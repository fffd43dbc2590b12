"""Real feeds: false alerts per 1,000 ordinary items and recall, on the labelled corpus.

Parses every document of ``../shared/feeds/real`` with the bot's own ``parse_feed`` (the
``file`` path, e.g. ``real/x.xml``, serves as the feed URL, as in ``data/realfeeds``), keeps the
first item of each key per document as the daemon does, and runs a rules file over every item
exactly as the daemon matches a new story: ``compile_config`` and ``judge_story``, with the
semantic layer's scores (``score_stories``, one batch per document) when the file has a
``semantic:`` section. Lookback is ignored: every item counts. Then it joins the verdicts of
``data/realfeeds/labels.tsv`` by (file, key) and prints:

* items, labelled items (relevant / ordinary) and alerts;
* false alerts per 1,000 ordinary items. A false alert is an alert on an item labelled empty,
  an alert whose categories share nothing with the item's labels, or an alert on an item with
  no verdict yet (counted as false until someone labels it: the random sample found no relevant
  item outside the flagged ones). Ordinary items are all items not labelled relevant;
* recall on the items labelled relevant (found: an alert sharing a category with the labels);
* every false alert and every miss (file, key, title, rules), and a warning for each label whose
  (file, key) no longer exists in the parsed corpus.

    PYTHONPATH=$PWD .venv/bin/python bench/realfeeds.py                 # ./rules.yaml
    PYTHONPATH=$PWD .venv/bin/python bench/realfeeds.py --rules my.yaml --json

This is a measurement, not a test: it never fails on a figure. Exit 2 when the corpus or the
labels cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.config.load import Config, load_config  # noqa: E402
from bot.core.errors import BotError, FeedParseError  # noqa: E402
from bot.core.models import SemanticScores, Story  # noqa: E402
from bot.parse.feed import parse_feed  # noqa: E402
from bot.rules.match import compile_config  # noqa: E402
from bot.semantic.judge import judge_story  # noqa: E402

CORPUS = REPO.parent / "shared" / "feeds"
LABELS = REPO / "data" / "realfeeds" / "labels.tsv"
SLUGS = (
    "facial-recognition",
    "immigration-enforcement",
    "military-ai",
    "worker-activism",
    "predictive-policing",
    "privacy-spyware",
    "censorship-moderation",
    "labor-conditions",
    "shareholder-activism",
    "civil-society",
)
HEADER = ("file", "key", "labels", "why")


@dataclass(frozen=True)
class Label:
    file: str
    key: str
    labels: frozenset[str]
    why: str
    line: int


@dataclass(frozen=True)
class Item:
    file: str
    story: Story


def corpus_items(corpus: Path = CORPUS) -> Iterator[Item]:
    """Every item of ``corpus/real``, documents in name order, the first item of each key."""
    for path in sorted((corpus / "real").iterdir()):
        rel = path.relative_to(corpus).as_posix()
        try:
            parsed = parse_feed(path.read_bytes(), feed_url=rel, source=rel)
        except FeedParseError:
            continue
        seen: set[str] = set()
        for story in parsed.stories:
            if story.key not in seen:
                seen.add(story.key)
                yield Item(rel, story)


def read_labels(path: Path = LABELS) -> list[Label]:
    """The rows of labels.tsv. Raises ValueError naming the line of a malformed row."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != HEADER:
        raise ValueError(f"{path}:1: the header must be {' / '.join(HEADER)} separated by tabs")
    out = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(HEADER):
            raise ValueError(f"{path}:{n}: {len(cells)} tab-separated cells, expected {len(HEADER)}")
        file, key, labels, why = cells
        out.append(Label(file, key, frozenset(x for x in labels.split(",") if x), why, n))
    return out


@dataclass
class Outcome:
    """One item's verdict against its label."""

    item: Item
    categories: frozenset[str]
    rules: tuple[str, ...]
    label: Label | None


@dataclass
class Result:
    items: int = 0
    labelled: int = 0
    relevant: int = 0
    alerts: int = 0
    false_alerts: list[Outcome] = field(default_factory=list)
    unlabelled_alerts: list[Outcome] = field(default_factory=list)
    found: list[Outcome] = field(default_factory=list)
    misses: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ordinary(self) -> int:
        return self.items - self.relevant

    @property
    def false_total(self) -> int:
        return len(self.false_alerts) + len(self.unlabelled_alerts)

    @property
    def per_1000(self) -> float:
        return 1000 * self.false_total / self.ordinary if self.ordinary else 0.0

    @property
    def recall(self) -> float:
        return len(self.found) / self.relevant if self.relevant else 0.0


def _scores(config: Config, items: Sequence[Item]) -> dict[tuple[str, str], SemanticScores]:
    """The semantic layer's scores by (file, key), one batch per document as the daemon scores
    one poll of one feed."""
    if config.semantic is None:
        return {}
    from bot.semantic.judge import score_stories

    out: dict[tuple[str, str], SemanticScores] = {}
    by_file: dict[str, list[Story]] = {}
    for item in items:
        by_file.setdefault(item.file, []).append(item.story)
    for file, stories in by_file.items():
        for key, found in score_stories(config.semantic, stories).items():
            out[(file, key)] = found
    return out


def measure(config: Config, items: Sequence[Item], labels: Sequence[Label]) -> Result:
    ruleset = compile_config(config)
    scores = _scores(config, items)
    result = Result(items=len(items))
    known = {(i.file, i.story.key) for i in items}
    by_key: dict[tuple[str, str], Label] = {}
    for label in labels:
        where = (label.file, label.key)
        bad = sorted(label.labels - set(SLUGS))
        if bad:
            result.warnings.append(f"line {label.line}: unknown categories {', '.join(bad)}")
        if where in by_key:
            result.warnings.append(f"line {label.line}: {label.file} {label.key} is labelled twice")
        elif where not in known:
            result.warnings.append(f"line {label.line}: {label.file} {label.key} is not in the parsed corpus")
        else:
            by_key[where] = label
    result.labelled = len(by_key)
    result.relevant = sum(1 for label in by_key.values() if label.labels)
    for item in items:
        where = (item.file, item.story.key)
        found = {item.story.key: scores[where]} if where in scores else None
        matches = judge_story(ruleset, config, item.story, found).matches
        verdict = by_key.get(where)
        outcome = Outcome(item, frozenset(m.category for m in matches), tuple(m.rule_id for m in matches), verdict)
        if matches:
            result.alerts += 1
        truth = verdict.labels if verdict is not None else frozenset()
        if matches and verdict is None:
            result.unlabelled_alerts.append(outcome)
        elif matches and not (outcome.categories & truth):
            result.false_alerts.append(outcome)
        if truth:
            (result.found if outcome.categories & truth else result.misses).append(outcome)
    return result


def _row(o: Outcome) -> dict[str, Any]:
    return {
        "file": o.item.file,
        "key": o.item.story.key,
        "title": o.item.story.title,
        "labels": sorted(o.label.labels) if o.label else None,
        "categories": sorted(o.categories),
        "rules": list(o.rules),
    }


def as_dict(result: Result, rules: str) -> dict[str, Any]:
    return {
        "rules": rules,
        "items": result.items,
        "labelled": result.labelled,
        "relevant": result.relevant,
        "ordinary": result.ordinary,
        "alerts": result.alerts,
        "false_alerts": result.false_total,
        "false_alerts_unlabelled": len(result.unlabelled_alerts),
        "false_alerts_per_1000_ordinary": round(result.per_1000, 3),
        "recall": round(result.recall, 4),
        "found": len(result.found),
        "false_alert_items": [_row(o) for o in result.false_alerts + result.unlabelled_alerts],
        "missed_items": [_row(o) for o in result.misses],
        "warnings": result.warnings,
    }


def format_text(result: Result, rules: str) -> str:
    r = result
    lines = [
        f"rules: {rules}",
        f"items {r.items}  labelled {r.labelled} (relevant {r.relevant}, ordinary {r.labelled - r.relevant})"
        f"  alerts {r.alerts}",
        f"false alerts {r.false_total} = {r.per_1000:.2f} per 1,000 ordinary items ({r.ordinary})"
        + (f"; {len(r.unlabelled_alerts)} of them on items with no verdict yet" if r.unlabelled_alerts else ""),
        f"recall on relevant items {r.recall:.3f} ({len(r.found)} of {r.relevant} found)",
        "",
        f"false alerts ({r.false_total}):",
    ]
    for o in r.false_alerts + r.unlabelled_alerts:
        truth = ",".join(sorted(o.label.labels)) if o.label else "NO VERDICT YET: read and label it"
        lines.append(f"  {o.item.file}  {o.item.story.key}")
        lines.append(f"      {o.item.story.title[:140]}")
        lines.append(f"      rules {','.join(o.rules)}  [{','.join(sorted(o.categories))}]  labels [{truth}]")
    lines += ["", f"missed relevant items ({len(r.misses)}):"]
    for o in r.misses:
        assert o.label is not None
        fired = f"  (fired: {','.join(o.rules)})" if o.rules else ""
        lines.append(f"  {o.item.file}  {o.item.story.key}")
        lines.append(f"      {o.item.story.title[:140]}")
        lines.append(f"      labels [{','.join(sorted(o.label.labels))}]{fired}")
    if r.warnings:
        lines += ["", f"WARNING: {len(r.warnings)} label(s) do not join the corpus:"]
        lines += [f"  {w}" for w in r.warnings]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rules", default="rules.yaml", help="rules file (default ./rules.yaml)")
    parser.add_argument("--labels", type=Path, default=LABELS, help="labels TSV (default data/realfeeds/labels.tsv)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared feed folder (default ../shared/feeds)")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")
    args = parser.parse_args(argv)
    if not (args.corpus / "real").is_dir():
        print(f"error: no corpus at {args.corpus / 'real'}", file=sys.stderr)
        return 2
    try:
        config = load_config(args.rules)
        labels = read_labels(args.labels)
        result = measure(config, list(corpus_items(args.corpus)), labels)
    except (BotError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(as_dict(result, args.rules), indent=2) if args.json else format_text(result, args.rules))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
