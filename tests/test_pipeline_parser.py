"""FeedParser: parses in a thread, and in worker processes once a big poll's parsing is heavy,
with the same results and errors either way."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.errors import FeedParseError
from bot.parse.feed import ParsedFeed, parse_feed
from bot.parse.runner import HEAVY_PARSE, LARGE_BODY, PROCESS_SAMPLE, WORKER_QUEUE, FeedParser

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example</title><link>https://example.org/</link>
<item><title>Workers sign an open letter</title><link>https://example.org/a?utm_source=x</link>
<guid>a-1</guid><pubDate>Tue, 10 Sep 2024 12:00:00 GMT</pubDate>
<description>&lt;p&gt;Staff &lt;b&gt;object&lt;/b&gt; to the contract.&lt;/p&gt;</description></item>
<item><title>Second story</title><link>https://example.org/b</link></item>
</channel></rss>"""
REPO = Path(__file__).resolve().parents[1]
HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}


def parse_with(parser: FeedParser, body: bytes) -> ParsedFeed:
    async def go() -> ParsedFeed:
        return await parser.parse(body, feed_url="https://example.org/feed", source="Example", headers=HEADERS)

    return asyncio.run(go())


def test_a_big_poll_moves_to_worker_processes_once_parsing_is_heavy() -> None:
    parser = FeedParser(workers=2, min_batch=10, heavy_parse=0.0)
    try:
        parser.begin_poll(10)
        for _ in range(PROCESS_SAMPLE):  # measured in the thread first
            parsed = parse_with(parser, FEED)
        assert parser._executor is None
        parsed = parse_with(parser, FEED)
        assert parser._executor is not None  # the worker pool was used
        assert parsed == parse_feed(FEED, feed_url="https://example.org/feed", source="Example", headers=HEADERS)
        with pytest.raises(FeedParseError, match="HTML page"):
            parse_with(parser, b"<!doctype html><html><body>Not a feed</body></html>")
        parser.begin_poll(9)  # a small poll: a thread; the pool stays until a poll has not used it
        assert parser._executor is not None
        assert parse_with(parser, FEED) == parsed
        parser.begin_poll(9)
        assert parser._executor is None
    finally:
        parser.close()


def test_quick_parses_stay_in_a_thread_and_a_huge_document_goes_to_a_worker() -> None:
    parser = FeedParser(workers=2, min_batch=1)
    try:
        parser.begin_poll(1000)
        for _ in range(PROCESS_SAMPLE + 5):
            assert parse_with(parser, FEED).stories
        assert parser._executor is None  # quick parses never pay for starting the workers
        assert len(parser._recent) == PROCESS_SAMPLE and max(parser._recent) > 0  # but they were timed
        assert sorted(parser._recent)[PROCESS_SAMPLE // 2] < HEAVY_PARSE
        padded = FEED.replace(b"<channel>", b"<channel><!--" + b"x" * LARGE_BODY + b"-->")
        assert parse_with(parser, padded).stories  # a huge document goes to a worker at once
        assert parser._executor is not None
    finally:
        parser.close()


def test_without_workers_parsing_stays_in_a_thread_whatever_the_poll_size() -> None:
    parser = FeedParser(workers=0, min_batch=1, heavy_parse=0.0)
    parser.begin_poll(10_000)
    for _ in range(PROCESS_SAMPLE + 1):
        assert parse_with(parser, FEED).stories
    assert parser._executor is None


def documents(count: int) -> list[bytes]:
    """Distinct small feeds (RSS and JSON Feed) and a few that are no feed at all."""
    docs = []
    for n in range(count):
        if n % 7 == 3:
            docs.append(b"<!doctype html><html><body>Not a feed</body></html>")
        elif n % 5 == 1:
            docs.append(b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "%d",'
                        b' "content_html": "<p>Item <b>%d</b></p>"}]}' % (n, n))
        else:
            docs.append(FEED.replace(b"a-1", b"a-%d" % n).replace(b"Second story", b"Story %d" % n))
    return docs


def poll_with(parser: FeedParser, bodies: list[bytes]) -> list[ParsedFeed | str]:
    """Every body parsed at once, as a poll's feeds are: each ParsedFeed, or the error's words."""
    async def one(body: bytes) -> ParsedFeed | str:
        try:
            return await parser.parse(body, feed_url="https://example.org/feed", source="Example", headers=HEADERS)
        except FeedParseError as exc:
            return str(exc)

    async def go() -> list[ParsedFeed | str]:
        return list(await asyncio.gather(*(one(body) for body in bodies)))

    return asyncio.run(go())


def direct(body: bytes) -> ParsedFeed | str:
    try:
        return parse_feed(body, feed_url="https://example.org/feed", source="Example", headers=HEADERS)
    except FeedParseError as exc:
        return str(exc)


def test_with_a_cpu_to_spare_the_thread_parses_too_while_the_worker_is_behind() -> None:
    """Two CPUs, one worker: once the worker has its parses, this process's thread takes the
    next waiting one, so both CPUs parse; the stories are the same whichever parsed them."""
    parser = FeedParser(workers=1, min_batch=10, heavy_parse=0.0, cpus=2)
    bodies = documents(60)
    try:
        parser.begin_poll(100)
        poll_with(parser, bodies[:PROCESS_SAMPLE])  # measured in the thread first: heavy
        assert parser.taken == {"thread": PROCESS_SAMPLE}
        assert poll_with(parser, bodies) == [direct(body) for body in bodies]
        assert parser.taken["worker"] >= WORKER_QUEUE
        assert parser.taken["thread"] > PROCESS_SAMPLE  # the thread took some of the heavy poll's parses
    finally:
        parser.close()


def test_on_one_cpu_the_thread_leaves_the_heavy_poll_to_the_worker() -> None:
    parser = FeedParser(workers=1, min_batch=10, heavy_parse=0.0, cpus=1)
    bodies = documents(40)
    try:
        parser.begin_poll(100)
        poll_with(parser, bodies[:PROCESS_SAMPLE])
        assert poll_with(parser, bodies) == [direct(body) for body in bodies]
        assert parser.taken == {"thread": PROCESS_SAMPLE, "worker": len(bodies)}
    finally:
        parser.close()


def test_a_huge_document_waits_for_a_worker_even_when_the_thread_is_idle() -> None:
    parser = FeedParser(workers=1, min_batch=1, cpus=2)
    padded = FEED.replace(b"<channel>", b"<channel><!--" + b"x" * LARGE_BODY + b"-->")
    try:
        parser.begin_poll(100)
        parsed = poll_with(parser, [padded] * (WORKER_QUEUE + 2))
        assert parsed == [direct(padded)] * (WORKER_QUEUE + 2)
        assert parser.taken == {"worker": WORKER_QUEUE + 2}
    finally:
        parser.close()


WORKER_MODULES = '''
import sys
from bot.cli.main import main  # as the ethics-bot console script does
if __name__ == "__main__":
    from bot.parse.runner import FeedParser
    parser = FeedParser(workers=1, min_batch=1)
    pool = parser._start()
    assert pool is not None
    print(" ".join(pool.submit(eval, "sorted(__import__('sys').modules)").result()))
    parser.close()
'''


def test_a_worker_started_from_the_console_script_holds_no_command_line_modules(tmp_path: Path) -> None:
    """A "spawn" worker imports the script that started the program again: the command line's
    modules (the rules file reader, the store, the reports) would sit in its memory unused."""
    script = tmp_path / "ethics-bot"
    script.write_text(WORKER_MODULES)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(script)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    modules = set(done.stdout.split())
    assert "bot.cli.main" in modules  # the script was imported again, as "spawn" does
    assert not modules & {"yaml", "bot.config.load", "bot.store.database", "bot.cli.reports", "bot.cli.replay"}
