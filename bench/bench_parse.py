"""Benchmark: feed parsing over the shared corpus of real feeds (../shared/feeds/real).

Times, per file (median of ``--repeat`` runs):

* ``feedparser default``: ``feedparser.parse`` as most code calls it (HTML sanitising and
  relative-URI resolution on);
* ``feedparser cheap``: the mode ``bot.parse.feed`` falls back to (``sanitize_html=False``,
  ``resolve_relative_uris=False``; the bot strips HTML itself);
* ``parse_feed``: the whole of ``bot.parse.feed.parse_feed`` as the bot runs it (entity guard,
  feedparser, plain text, keys, links); ``text`` is the share spent in ``to_plain_text``;
* ``parse_feed, stock feedparser``: the same with feedparser as installed, without the two
  settings ``bot.parse.feed`` gives it (its buffered SAX driver and cp1252 table); the two
  feedparser columns are timed that way too.

then ``parse_feed`` on one feed of the polling benchmark
(``bench/poll_server.py``: 20 items, ~11 KB), and finally, over every HTML field of the corpus,
``to_plain_text`` (regular expression for simple markup, BeautifulSoup for the rest) against
BeautifulSoup alone, and how many fields the shortcut read.

    .venv/bin/python bench/bench_parse.py              # 3 runs per file
    .venv/bin/python bench/bench_parse.py --repeat 7

Prints per-size-bucket medians and a markdown summary. Exits 0 with a message when the corpus is
absent. JSON files are timed only in the ``parse_feed`` columns (feedparser cannot read them).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedparser
import feedparser.api
import feedparser.mixin

from bot.core.text import clean_text
from bot.parse import feed as bot_parse
from bot.parse import plaintext as bot_text

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "feeds" / "real"
BUCKETS = (
    (10_000, "< 10 KB"),
    (100_000, "10-100 KB"),
    (1_000_000, "100 KB-1 MB"),
    (None, ">= 1 MB"),
)
COLUMNS = ("feedparser default", "feedparser cheap", "parse_feed, stock feedparser", "parse_feed", "text")


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bucket_of(size: int) -> str:
    for limit, name in BUCKETS:
        if limit is None or size < limit:
            return name
    raise AssertionError("unreachable")


class TextTimer:
    """Wraps bot.parse.feed.to_plain_text to add up the time spent in it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.original = bot_parse.to_plain_text

    def __call__(self, markup: str, limit: int | None = None) -> str:
        started = time.perf_counter()
        try:
            return self.original(markup, limit)
        finally:
            self.seconds += time.perf_counter() - started


@contextlib.contextmanager
def stock_feedparser() -> Iterator[None]:
    """feedparser as installed: its own SAX driver list and cp1252 dict, both of which
    bot.parse.feed replaces when imported (the buffered driver, the table)."""
    saved = feedparser.api.PREFERRED_XML_PARSERS, feedparser.mixin._cp1252
    feedparser.api.PREFERRED_XML_PARSERS = ["drv_libxml2"]  # feedparser's default
    feedparser.mixin._cp1252 = dict(bot_parse._CP1252) or saved[1]
    try:
        yield
    finally:
        feedparser.api.PREFERRED_XML_PARSERS, feedparser.mixin._cp1252 = saved


def stock(action: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        with stock_feedparser():
            return action()

    return run


def cheap_feedparser(data: bytes) -> Any:
    return feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)


def time_file(path: Path, repeat: int) -> dict[str, float | None]:
    """Median seconds per column for one file; the measures take turns within each run."""
    data = path.read_bytes()
    timer = TextTimer()

    def run_parse_feed() -> None:
        with contextlib.suppress(bot_parse.FeedParseError):
            bot_parse.parse_feed(data, feed_url="https://bench.example/feed", source="bench")

    actions: dict[str, Callable[[], object]] = {
        "parse_feed": run_parse_feed,
        "parse_feed, stock feedparser": stock(run_parse_feed),
    }
    if path.suffix != ".json":
        actions["feedparser default"] = stock(lambda: feedparser.parse(io.BytesIO(data)))
        actions["feedparser cheap"] = stock(lambda: cheap_feedparser(data))
    samples: dict[str, list[float]] = {name: [] for name in [*actions, "text"]}
    bot_parse.to_plain_text = timer  # type: ignore[assignment]
    try:
        for _ in range(repeat):
            for name, action in actions.items():
                timer.seconds = 0.0
                samples[name].append(median_seconds(action, 1))
                if name == "parse_feed":
                    samples["text"].append(timer.seconds)
    finally:
        bot_parse.to_plain_text = timer.original
    return {c: statistics.median(samples[c]) if samples.get(c) else None for c in COLUMNS}


def bench_feed(repeat: int) -> float:
    """parse_feed on one polling-benchmark feed (ms)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from poll_server import PollServer

    data = PollServer(10).body(3, 0)
    headers = {"Content-Type": "application/rss+xml; charset=utf-8"}

    def fast() -> None:
        bot_parse.parse_feed(data, feed_url="https://bench.example/feed", source="bench", headers=headers)

    return min(median_seconds(fast, 50) for _ in range(repeat)) * 1000


def html_fields(paths: list[Path]) -> list[str]:
    fields: list[str] = []
    for path in paths:
        if path.suffix == ".json":
            continue
        result = cheap_feedparser(path.read_bytes())
        for entry in result.entries:
            fields.extend(part.get("value", "") for part in entry.get("content") or ())
            if "summary_detail" in entry:
                fields.append(entry.get("summary", ""))
    return [f for f in fields if "<" in f or "&" in f]


def compare_extractors(fields: list[str], repeat: int) -> tuple[float, float]:
    """Seconds for to_plain_text and for BeautifulSoup alone over all fields, taking turns field
    by field so that a busy machine slows both alike (median over the runs)."""
    ours_runs, soup_runs = [], []
    for _ in range(repeat):
        ours = soup = 0.0
        for field in fields:
            started = time.perf_counter()
            bot_text.to_plain_text(field)
            middle = time.perf_counter()
            clean_text(bot_text._soup_text(field))
            ours, soup = ours + middle - started, soup + time.perf_counter() - middle
        ours_runs.append(ours)
        soup_runs.append(soup)
    return statistics.median(ours_runs), statistics.median(soup_runs)


def fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the median is kept")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: the corpus folder {CORPUS} is not available")
        return 0
    paths = sorted(p for p in CORPUS.iterdir() if p.is_file())
    rows = {path: time_file(path, args.repeat) for path in paths}

    megabytes = sum(p.stat().st_size for p in paths) / 1e6
    print(f"## Parsing {len(paths)} real feeds ({megabytes:.1f} MB; {args.repeat} runs each)\n")
    print("Per-file medians by file size, in milliseconds:\n")
    print("| size | files | " + " | ".join(COLUMNS) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in COLUMNS) + " |")
    for _, name in BUCKETS:
        chosen = [rows[p] for p in paths if bucket_of(p.stat().st_size) == name]
        if not chosen:
            continue
        cells = []
        for column in COLUMNS:
            values = [r[column] for r in chosen if r[column] is not None]
            cells.append(fmt_ms(statistics.median(values)) if values else "—")
        print(f"| {name} | {len(chosen)} | " + " | ".join(cells) + " |")

    xml_paths = [p for p in paths if p.suffix != ".json"]
    xml_rows = [rows[p] for p in xml_paths]
    total = {c: sum(r[c] or 0.0 for r in xml_rows) for c in COLUMNS}
    print("\nTotals over the XML feeds (seconds):\n")
    print("| measure | seconds |")
    print("| --- | ---: |")
    for column in COLUMNS:
        print(f"| {column} | {total[column]:.2f} |")
    speedup = total["feedparser default"] / total["feedparser cheap"]
    print(f"\n* cheap mode vs default: {speedup:.2f}x faster.")
    print(f"* text extraction is {total['text'] / total['parse_feed']:.0%} of parse_feed's time.")
    tuned = total["parse_feed, stock feedparser"] / total["parse_feed"]
    print(f"* parse_feed with feedparser's two settings vs stock feedparser: {tuned:.2f}x faster.")

    feed_ms = bench_feed(args.repeat)
    print("\n### One polling-benchmark feed (20 items, ~11 KB)\n")
    print(f"parse_feed: {feed_ms:.2f} ms")

    fields = html_fields(paths)
    ours_time, soup_time = compare_extractors(fields, args.repeat)
    read = sum(bot_text._simple_markup_text(f) is not None for f in fields)
    chars = sum(map(len, fields)) / 1e6
    print(f"\n### HTML to plain text over {len(fields)} HTML fields ({chars:.1f} M chars)\n")
    print("| extractor | seconds |")
    print("| --- | ---: |")
    print(f"| BeautifulSoup alone | {soup_time:.2f} |")
    print(f"| to_plain_text (regular expression when the markup is simple) | {ours_time:.2f} |")
    speedup = soup_time / ours_time
    print(f"\nThe regular expression read {read} of {len(fields)} fields ({speedup:.1f}x faster overall).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
