"""Benchmark: the same labelled stories short and long, as a full-text feed would carry them.

Each story's summary is followed by about 300 words of ordinary article text: consecutive
paragraphs of ``data/longform/filler.txt`` (neutral business, technology, sport and weather
paragraphs written for this project), starting at a paragraph chosen from the story's id, so a
run always builds the same long form. Then ``ethics-bot eval``'s scoring runs on both forms with
the same rules.yaml (and its semantic section, if any) and the table shows precision and recall
side by side, for relevance and per category.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_longform.py data/training/stories.jsonl
    PYTHONPATH=$PWD .venv/bin/python bench/bench_longform.py ../shared/eval/dev.jsonl --rules rules.yaml

``--write FILE`` also saves the long form as JSON lines (for ``ethics-bot eval FILE``). Exit status
1 when relevance precision or recall moves by more than ``--tolerance`` (default 0.02).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config.load import load_config
from bot.core.labelled import Labelled, read_labelled
from bot.review.evaluate import Report, evaluate
from bot.rules.match import compile_config

ROOT = Path(__file__).resolve().parents[1]
FILLER = ROOT / "data" / "longform" / "filler.txt"
WORDS = 300


def paragraphs(path: Path = FILLER) -> list[str]:
    """The filler file's paragraphs (separated by blank lines)."""
    return [" ".join(p.split()) for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def filler_for(key: str, paras: Sequence[str], words: int = WORDS) -> str:
    """About ``words`` words of consecutive paragraphs, starting where ``key``'s hash says."""
    start = int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % len(paras)
    taken: list[str] = []
    count, i = 0, start
    while count < words:
        taken.append(paras[i % len(paras)])
        count += len(taken[-1].split())
        i += 1
    return " ".join(taken)


def long_form(items: Sequence[Labelled], paras: Sequence[str], words: int = WORDS) -> list[Labelled]:
    """Each story with its filler after the summary (one text, as parsed feed summaries are)."""
    out = []
    for item in items:
        summary = item.summary.rstrip()
        if summary and summary[-1] not in ".!?…":
            summary += "."
        out.append(replace(item, summary=f"{summary} {filler_for(item.id, paras, words)}".strip()))
    return out


def figures(report: Report) -> dict[str, tuple[float, float]]:
    out = {"relevance": (report.relevance.precision, report.relevance.recall)}
    for name, s in sorted(report.categories.items()):
        if s.tp + s.fn:
            out[name] = (s.precision, s.recall)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stories", help="labelled stories (JSON lines, as ethics-bot eval reads)")
    parser.add_argument("--rules", default=str(ROOT / "rules.yaml"))
    parser.add_argument("--words", type=int, default=WORDS)
    parser.add_argument("--tolerance", type=float, default=0.02)
    parser.add_argument("--write", help="also save the long form here (JSON lines)")
    args = parser.parse_args(argv)

    config = load_config(args.rules)
    ruleset = compile_config(config)
    short = read_labelled(args.stories)
    long = long_form(short, paragraphs(), args.words)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as fh:
            for item in long:
                row = {"id": item.id, "title": item.title, "summary": item.summary, "labels": sorted(item.labels)}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    a, b = figures(evaluate(config, ruleset, short)), figures(evaluate(config, ruleset, long))
    words = sum(len(x.summary.split()) for x in long) / max(len(long), 1)
    print(f"{args.stories}: {len(short)} stories; long form {words:.0f} words of summary on average")
    print(f"rules: {args.rules}{' (with its semantic section)' if config.semantic else ''}\n")
    print("| | precision short | long | recall short | long |")
    print("| --- | ---: | ---: | ---: | ---: |")
    changes = {}
    for name in a:
        (p1, r1), (p2, r2) = a[name], b.get(name, (0.0, 0.0))
        changes[name] = max(abs(p1 - p2), abs(r1 - r2))
        print(f"| {name} | {p1:.3f} | {p2:.3f} | {r1:.3f} | {r2:.3f} |")
    worst = changes.pop("relevance")
    most = max(changes.values(), default=0.0)
    print(f"\nrelevance changes by {worst:.3f} at most (tolerance {args.tolerance}); a category by {most:.3f}")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    raise SystemExit(main())
