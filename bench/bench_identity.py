"""Precision and recall of "same event" decisions on the labelled pairs (data/pairs/pairs.jsonl),
for the event-identity rule (bot/store/identity.py) and for the method it replaced (a headline
content-word Jaccard >= 0.6, kept below as it was, for the comparison).

    PYTHONPATH=$PWD .venv/bin/python bench/bench_identity.py [--errors] [--shared]

A pair labelled same and decided same is a true positive; decided same but labelled different
is a wrong merge (an alert lost), which is why precision comes first. The 48-hour window of the
store is not applied here: every pair is compared, whatever its hours_apart.

``--shared`` also reads every story of ../shared/feeds/real (third-party feeds, read here and
never copied) and lists each pair of stories from different files that the rule merges on
their text (same-address pairs are counted, not listed), to look for wrong merges by hand.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.store.identity import _WEAK, Report, evidence, same_event

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


def shared_feeds_check(root: Path) -> None:
    """Text merges between stories of different files of ../shared/feeds/real."""
    from bot.parse.feed import parse_feed

    ev = []
    for f in sorted(root.iterdir()):
        try:
            parsed = parse_feed(f.read_bytes(), feed_url=f"https://{f.stem}.example/feed", source=f.stem)
        except Exception:  # a file the parser refuses is not part of this check
            continue
        ev.extend((f.name, s, evidence(Report(s.title, s.summary, s.link, s.feed_url))) for s in parsed.stories)
    # Only pairs whose headlines share a name (or an address) can merge: index by both.
    by_key: dict[str, set[int]] = collections.defaultdict(set)
    for i, (_, _, e) in enumerate(ev):
        for n in e.head_names:
            by_key[n].add(i)
        if e.link_key:
            by_key["link:" + e.link_key].add(i)
    pairs: set[tuple[int, int]] = set()
    for i, (_, _, e) in enumerate(ev):
        keys = {"link:" + e.link_key} if e.link_key else set()
        for unit in e.head_units:
            keys |= {w for w in unit if w not in _WEAK} | {"".join(w[0] for w in unit)}
        for key in keys:
            pairs |= {(min(i, j), max(i, j)) for j in by_key.get(key, ()) if j != i}
    same_link = 0
    merged = []
    for i, j in sorted(pairs):
        (fa, sa, ea), (fb, sb, eb) = ev[i], ev[j]
        if fa == fb:
            continue
        verdict = same_event(ea, eb)
        if verdict.same and verdict.reason == "same link":
            same_link += 1
        elif verdict.same:
            merged.append(f"    {fa} {sa.title[:70]!r} / {fb} {sb.title[:70]!r}: {verdict.reason}")
    print(
        f"shared feeds: {len(ev)} stories, {len(pairs)} pairs whose headlines share a name or address; "
        f"{same_link} merged by address, {len(merged)} on their text:"
    )
    print("\n".join(merged))
    # the previous method over every pair of stories from different files
    tokens = [(f, old_title_tokens(s.title)) for f, s, _ in ev]
    old = sum(
        1
        for (i, (fa, ta)), (fb, tb) in ((x, tokens[j]) for x in enumerate(tokens) for j in range(x[0] + 1, len(tokens)))
        if fa != fb and old_same_story(ta, tb)
    )
    print(f"previous method on the same stories: {old} pairs of different files merged on their headlines")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", action="store_true", help="list every wrong decision")
    ap.add_argument("--shared", action="store_true", help="also look for text merges in ../shared/feeds/real")
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
    shared = Path(__file__).resolve().parents[2] / "shared" / "feeds" / "real"
    if args.shared:
        if shared.is_dir():
            shared_feeds_check(shared)
        else:
            print(f"{shared} is not available: --shared skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
