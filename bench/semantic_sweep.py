"""Choosing the shipped semantic setting: score once, sweep settings offline.

Scores, with the model and the project's own labelled stories (``data/training/stories.jsonl``):

* every one of those stories by 5-fold cross-validation (``bot.semantic.model.cross_validated``,
  as ``ethics-bot eval --cv 5``), since they are also the training set;
* every item of ``../shared/feeds/real`` by the model trained on all of them, one batch per
  document as ``bench/realfeeds.py`` and the daemon score;

and records each item's rule matches under the rules of ``--rules`` with the ``semantic:``
section ignored. That takes minutes on two cores, so the result is kept in ``--scores`` (JSON)
and reused. Then every setting below is applied as ``bot.semantic.judge`` applies it (a rule
match is vetoed when its category scores below ``veto_below``; a category of ``alert_on_score``
alerts on a score at or above its threshold when no kept rule match has that category) and
measured: false alerts per 1,000 ordinary real items and recall on the real-feed labels (as
``bench/realfeeds.py`` counts them), relevance precision and recall on the own set (as ``eval``
counts them). The development set is never read.

    PYTHONPATH=$PWD .venv/bin/python bench/semantic_sweep.py --scores /tmp/semantic-scores.json

Prints a Markdown table, one row per setting. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import realfeeds  # noqa: E402

from bot.config.load import load_config  # noqa: E402
from bot.core.labelled import read_labelled  # noqa: E402
from bot.core.models import Story  # noqa: E402
from bot.rules.match import compile_config, match_story  # noqa: E402

OWN = REPO / "data" / "training" / "stories.jsonl"
Record = dict[str, Any]


def score_all(rules: str) -> dict[str, list[Record]]:
    from bot.semantic import model as layer

    ruleset = compile_config(load_config(rules))
    examples = read_labelled(OWN)
    cats = sorted({c for e in examples for c in e.labels})
    own = []
    for e, s in zip(examples, layer.cross_validated(None, examples, examples, 5, cats), strict=True):
        story = Story(key=e.id, feed_url="eval", source="eval", title=e.title, summary=e.summary)
        own.append({"labels": sorted(e.labels), "rules": [m.category for m in match_story(ruleset, story)],
                    "scores": s.scores})
    labels = {(lab.file, lab.key): sorted(lab.labels) for lab in realfeeds.read_labels()}
    model = layer.load_model(None, [str(OWN)], cats)
    by_file: dict[str, list[realfeeds.Item]] = {}
    for item in realfeeds.corpus_items():
        by_file.setdefault(item.file, []).append(item)
    real = []
    for items in by_file.values():
        scored = model.score([(i.story.title, i.story.summary or i.story.body) for i in items])
        for i, s in zip(items, scored, strict=True):
            real.append({"labels": labels.get((i.file, i.story.key)), "scores": s.scores,
                         "rules": [m.category for m in match_story(ruleset, i.story)]})
    return {"own": own, "real": real}


def alerts(rec: Record, thresholds: Mapping[str, float], veto: float) -> set[str]:
    scores = rec["scores"]
    kept = {c for c in rec["rules"] if not (veto and scores.get(c, 1.0) < veto)}
    return kept | {c for c, t in thresholds.items() if scores.get(c, 0.0) >= t}


def measure(data: Mapping[str, list[Record]], thresholds: Mapping[str, float], veto: float = 0.0) -> dict[str, Any]:
    real, own = data["real"], data["own"]
    false = found = relevant = 0
    for r in real:
        said, truth = alerts(r, thresholds, veto), set(r["labels"] or ())
        relevant += bool(truth)
        false += bool(said) and not (said & truth)
        found += bool(said & truth)
    tp = fp = fn = 0
    for r in own:
        said, truth = bool(alerts(r, thresholds, veto)), bool(r["labels"])
        tp, fp, fn = tp + (said and truth), fp + (said and not truth), fn + (truth and not said)
    return {"false": false, "per_1000": 1000 * false / (len(real) - relevant), "real_recall": found / relevant,
            "own_precision": tp / (tp + fp), "own_recall": tp / (tp + fn)}


def settings(cats: Sequence[str]) -> list[tuple[str, dict[str, float], float]]:
    safe = ("worker-activism", "labor-conditions", "shareholder-activism", "military-ai")
    shipped = {**dict.fromkeys(safe, 0.95), "censorship-moderation": 0.97, "privacy-spyware": 0.97}
    out: list[tuple[str, dict[str, float], float]] = [("rules alone", {}, 0.0)]
    out += [(f"all ten at {t}", dict.fromkeys(cats, t), 0.0) for t in (0.8, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)]
    out += [(f"veto below {v}, no score-only alerts", {}, v) for v in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)]
    out += [(f"{c} alone at {t}", {c: t}, 0.0) for c in cats for t in (0.9, 0.95, 0.97, 0.99)]
    out += [
        ("worker, labor, shareholder, military at 0.9", dict.fromkeys(safe, 0.9), 0.0),
        ("worker, labor, shareholder, military at 0.95", dict.fromkeys(safe, 0.95), 0.0),
        ("worker, labor, shareholder, military at 0.97", dict.fromkeys(safe, 0.97), 0.0),
        ("the four at 0.95 + censorship, privacy at 0.95",
         {**dict.fromkeys(safe, 0.95), "censorship-moderation": 0.95, "privacy-spyware": 0.95}, 0.0),
        ("**shipped**: the four at 0.95 + censorship, privacy at 0.97", shipped, 0.0),
        ("shipped + predictive-policing at 0.98", {**shipped, "predictive-policing": 0.98}, 0.0),
        ("shipped + veto below 0.005", shipped, 0.005),
        ("shipped + veto below 0.01", shipped, 0.01),
        ("all but facial, immigration, civil-society at 0.97",
         {c: 0.97 for c in cats if c not in ("facial-recognition", "immigration-enforcement", "civil-society")}, 0.0),
        ("all but immigration at 0.97", {c: 0.97 for c in cats if c != "immigration-enforcement"}, 0.0),
    ]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rules", default=str(REPO / "rules.yaml"), help="rules file (its semantic: is ignored)")
    parser.add_argument("--scores", type=Path, required=True, help="JSON file keeping the scores (made if absent)")
    args = parser.parse_args(argv)
    if args.scores.exists():
        data = json.loads(args.scores.read_text(encoding="utf-8"))
    else:
        data = score_all(args.rules)
        args.scores.write_text(json.dumps(data), encoding="utf-8")
    cats = sorted(data["own"][0]["scores"])
    print("| setting | real: false alerts | per 1,000 ordinary | real recall | own precision | own recall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, thresholds, veto in settings(cats):
        m = measure(data, thresholds, veto)
        print(f"| {name} | {m['false']} | {m['per_1000']:.2f} | {m['real_recall']:.3f} | {m['own_precision']:.3f} "
              f"| {m['own_recall']:.3f} |")
    ordinary_max = {c: max(r["scores"][c] for r in data["real"] if c not in set(r["labels"] or ())
                           and not set(r["rules"]) & set(r["labels"] or ())) for c in cats}
    print("\nhighest score of a real item that would be a false alert in each category:")
    print(", ".join(f"{c} {v:.3f}" for c, v in ordinary_max.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
