"""Benchmark: the parse-only CPU of the warm real cycle's changed documents.

The 200 feeds of ``bench_poll.py --corpus real --sizes 1000`` that show new items in round 1
(``poll_server.behaviour`` is NEW): each first version is parsed once and its stories' digests
kept as the store keeps them (``stories.raw_hash``, each space-separated digest leading to the
story's key); then the timed part, ``parse_feed`` on each round-1 document with those digests,
as the warm poll runs it (best of ``--repeat``, CPU seconds of this process, one process). Also
prints how many of the corpus's XML documents ``parse_feed`` cuts (``item_scan``).

    PYTHONPATH=$PWD .venv/bin/python bench/bench_warm_parse.py [--repeat 3] [--real-dir DIR]

Run it with another checkout first on PYTHONPATH to time that tree's ``parse_feed`` (the feed
documents still come from this checkout's ``bench/real_feeds.py``); ``item_scan`` is reported
only where the tree has it. Exits 0 with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from poll_server import NEW, RealPollServer, behaviour  # noqa: E402
from real_feeds import CORPUS, load_corpus  # noqa: E402

from bot.parse import feed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--real-dir", type=Path, default=CORPUS)
    args = p.parse_args(argv)
    documents = load_corpus(args.real_dir)
    if not documents:
        print(f"no corpus at {args.real_dir}: nothing to time")
        return 0
    server = RealPollServer(args.feeds, documents)
    cases = []
    for i in range(args.feeds):
        if behaviour(i) != NEW:
            continue
        headers = {"content-type": server.content_type(i)}
        url = f"https://bench.example/{i}"
        first = feed.parse_feed(server.body(i, 0), feed_url=url, source="s", headers=headers)
        known = {digest: key for key, raw in first.raw_hashes.items() for digest in raw.split()}
        cases.append((server.body(i, 1), headers, known, url))
    best, stories = float("inf"), 0
    for _ in range(args.repeat):
        started, stories = time.process_time(), 0
        for body, headers, known, url in cases:
            stories += len(feed.parse_feed(body, feed_url=url, source="s", headers=headers, known=known).stories)
        best = min(best, time.process_time() - started)
    print(f"bot package: {feed.__file__}")
    print(f"{len(cases)} changed documents, {stories} new stories: {best:.2f} CPU-s (best of {args.repeat})")
    scan = getattr(feed, "item_scan", None)
    if scan is not None:
        xml = [d for d in documents if d.format != "json"]
        cut = sum(scan(d.raw, d.content_type) is not None for d in xml)
        print(f"corpus XML documents parse_feed cuts: {cut} of {len(xml)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
