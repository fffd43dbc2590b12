"""Precision and recall of "same event" decisions on the labelled pairs (data/pairs/pairs.jsonl),
for the event-identity rule (bot/store/identity.py) and for the method it replaced (a headline
content-word Jaccard >= 0.6, kept below as it was, for the comparison).

    PYTHONPATH=$PWD .venv/bin/python bench/bench_identity.py [--errors]

A pair labelled same and decided same is a true positive; decided same but labelled different
is a wrong merge (an alert lost), which is why precision comes first. The 48-hour window of the
store is not applied here: every pair is compared, whatever its hours_apart.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.store.identity import Report, evidence, same_event

PAIRS = Path(__file__).resolve().parents[1] / "data" / "pairs" / "pairs.jsonl"

# ---- the previous method (bot/store/identity.py before issue 13), unchanged -------------------
_OLD_STOP_WORDS = (
    "a an the of to in on at for from by with and or but as is are was were be been it its this that these "
    "those over after before into about amid new says say said report reports how why what who will would "
    "could can may might has have had not no than then via up out us more most"
)
_OLD_STOP = frozenset(_OLD_STOP_WORDS.split())
_OLD_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def old_title_tokens(title: str) -> frozenset[str]:
    text = unicodedata.normalize("NFKD", title.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = []
    for word in _OLD_SPLIT.split(text.replace("'", "").replace("\u2019", "")):
        if not word or word in _OLD_STOP or word == "_":
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return frozenset(words)


def old_same_story(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    if len(a) < 3 or len(b) < 3:
        return False
    return len(a & b) / len(a | b) >= threshold


def old_method(a: dict[str, str], b: dict[str, str]) -> bool:
    """Same canonical link (as the parser spelled it: tracking parameters dropped) or similar headlines."""
    from bot.parse.text import canonical_link

    if canonical_link(a["link"]) == canonical_link(b["link"]):
        return True
    return old_same_story(old_title_tokens(a["title"]), old_title_tokens(b["title"]))


# ---- the new rule --------------------------------------------------------------------------------
def new_method(a: dict[str, str], b: dict[str, str]) -> bool:
    ea = evidence(Report(a["title"], a["summary"], a["link"], a["feed"]))
    eb = evidence(Report(b["title"], b["summary"], b["link"], b["feed"]))
    return same_event(ea, eb).same


def score(pairs: list[dict[str, Any]], method: Callable[[dict[str, str], dict[str, str]], bool]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    per_kind: dict[str, list[int]] = {}
    wrong: list[str] = []
    for p in pairs:
        decided = method(p["a"], p["b"])
        right = decided == p["same"]
        per_kind.setdefault(p["kind"], [0, 0])[0] += right
        per_kind[p["kind"]][1] += 1
        tp += decided and p["same"]
        fp += decided and not p["same"]
        fn += (not decided) and p["same"]
        tn += (not decided) and not p["same"]
        if not right:
            wrong.append(f"{p['id']}: {'merged' if decided else 'missed'} {p['a']['title']!r} / {p['b']['title']!r}")
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "per_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_kind.items())},
        "wrong": wrong,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", action="store_true", help="list every wrong decision")
    args = ap.parse_args(argv)
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    same = sum(p["same"] for p in pairs)
    print(f"{len(pairs)} pairs ({same} same event, {len(pairs) - same} different) from {PAIRS.name}")
    for name, method in (("previous: headline Jaccard >= 0.6", old_method), ("new: evidence rule", new_method)):
        start = time.perf_counter()
        r = score(pairs, method)
        ms = (time.perf_counter() - start) * 1000 / len(pairs)
        print(
            f"{name:36} precision {r['precision']:.3f}  recall {r['recall']:.3f}  "
            f"(tp {r['tp']}, wrong merges {r['fp']}, missed {r['fn']}, tn {r['tn']}; {ms:.2f} ms/pair)"
        )
        print(f"{'':36} right per kind: {r['per_kind']}")
        if args.errors:
            for line in r["wrong"]:
                print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
