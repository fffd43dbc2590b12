"""FeedParser: parses in a thread, and in worker processes once a big poll's parsing is heavy,
with the same results and errors either way."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
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
        assert not parser.worker_pids
        parsed = parse_with(parser, FEED)
        assert parser.worker_pids  # the worker pool was used
        assert parsed == parse_feed(FEED, feed_url="https://example.org/feed", source="Example", headers=HEADERS)
        with pytest.raises(FeedParseError, match="HTML page"):
            parse_with(parser, b"<!doctype html><html><body>Not a feed</body></html>")
        parser.begin_poll(9)  # a small poll: a thread; the pool stays until a poll has not used it
        assert parser.worker_pids
        assert parse_with(parser, FEED) == parsed
        parser.begin_poll(9)
        assert not parser.worker_pids
    finally:
        parser.close()


def test_quick_parses_stay_in_a_thread_and_a_huge_document_goes_to_a_worker() -> None:
    parser = FeedParser(workers=2, min_batch=1)
    try:
        parser.begin_poll(1000)
        for _ in range(PROCESS_SAMPLE + 5):
            assert parse_with(parser, FEED).stories
        assert not parser.worker_pids  # quick parses never pay for starting the workers
        assert len(parser._recent) == PROCESS_SAMPLE and max(parser._recent) > 0  # but they were timed
        assert sorted(parser._recent)[PROCESS_SAMPLE // 2] < HEAVY_PARSE
        padded = FEED.replace(b"<channel>", b"<channel><!--" + b"x" * LARGE_BODY + b"-->")
        assert parse_with(parser, padded).stories  # a huge document goes to a worker at once
        assert parser.worker_pids
    finally:
        parser.close()


def test_without_workers_parsing_stays_in_a_thread_whatever_the_poll_size() -> None:
    parser = FeedParser(workers=0, min_batch=1, heavy_parse=0.0)
    parser.begin_poll(10_000)
    for _ in range(PROCESS_SAMPLE + 1):
        assert parse_with(parser, FEED).stories
    assert not parser.worker_pids


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


async def parse_or_words(parser: FeedParser, body: bytes) -> ParsedFeed | str:
    """The ParsedFeed, or the words of the FeedParseError."""
    try:
        return await parser.parse(body, feed_url="https://example.org/feed", source="Example", headers=HEADERS)
    except FeedParseError as exc:
        return str(exc)


def poll_with(parser: FeedParser, bodies: list[bytes]) -> list[ParsedFeed | str]:
    """Every body parsed at once, as a poll's feeds are: each ParsedFeed, or the error's words."""
    async def go() -> list[ParsedFeed | str]:
        return list(await asyncio.gather(*(parse_or_words(parser, body) for body in bodies)))

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


def test_a_worker_holds_the_parsing_modules_only() -> None:
    """A worker is ``python -m bot.parse.worker``: the command line's modules (the rules file
    reader, the store, the reports) and multiprocessing's would sit in its memory unused."""
    code = "import sys, bot.parse.worker; print(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    modules = set(done.stdout.split())
    assert "feedparser" in modules
    assert not modules & {"yaml", "bot.cli.main", "bot.config.load", "bot.store.database", "multiprocessing", "httpx"}


def children() -> dict[int, str]:
    """This process's child processes and their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            if entry.name.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_worker_is_the_only_process_started_and_close_waits_for_it() -> None:
    """No resource-tracker or other helper process beside the worker, and once ``close``
    returns the worker has exited and been collected (its CPU time counts as the bot's)."""
    parser = FeedParser(workers=1, min_batch=1, cpus=2)
    padded = FEED.replace(b"<channel>", b"<channel><!--" + b"x" * LARGE_BODY + b"-->")
    before = set(children())
    try:
        parser.begin_poll(100)
        assert parse_with(parser, padded).stories
        (pid,) = parser.worker_pids
        started = {p: cmd for p, cmd in children().items() if p not in before}
        assert list(started) == [pid] and "bot.parse.worker" in started[pid]
    finally:
        parser.close()
    assert not parser.worker_pids
    assert pid not in children()  # exited and collected: no zombie left


def test_a_worker_killed_mid_parse_fails_that_document_only_and_the_rest_are_parsed() -> None:
    """The worker reads its parses in order: when it dies, the oldest unanswered one is the
    document it was reading (a FeedParseError that says what happened, so the feed is retried
    later), and the parses queued behind it go to a new worker."""
    parser = FeedParser(workers=1, min_batch=1, cpus=2)
    bodies = [
        FEED.replace(b"a-1", b"big-%d" % n).replace(b"<channel>", b"<channel><!--" + b"x" * LARGE_BODY + b"-->")
        for n in range(WORKER_QUEUE + 2)
    ]

    async def go() -> list[ParsedFeed | str]:
        tasks = [asyncio.create_task(parse_or_words(parser, body)) for body in bodies]
        while not parser.worker_pids:
            await asyncio.sleep(0)
        (first,) = parser.worker_pids
        os.kill(first, signal.SIGKILL)
        results = list(await asyncio.gather(*tasks))
        assert parser.worker_pids and parser.worker_pids != [first]  # a new worker took the rest
        return results

    try:
        parser.begin_poll(100)
        results = asyncio.run(go())
    finally:
        parser.close()
    assert results[0] == "the parser process was killed by signal 9 (out of memory?) while reading this document"
    assert results[1:] == [direct(body) for body in bodies[1:]]


def test_where_a_worker_cannot_start_parsing_stays_in_the_thread(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")  # starts, exits 1 before it answers anything
    caplog.set_level(logging.INFO, logger="ethics_bot")
    parser = FeedParser(workers=1, min_batch=1, heavy_parse=0.0, cpus=2)
    bodies = documents(PROCESS_SAMPLE + 10)
    try:
        parser.begin_poll(100)
        poll_with(parser, bodies[:PROCESS_SAMPLE])  # measured in the thread first: heavy
        assert poll_with(parser, bodies) == [direct(body) for body in bodies]
        tried = parser.taken["worker"]
        assert 1 <= tried <= WORKER_QUEUE
        assert parser.workers == 0 and not parser.worker_pids
        parser.begin_poll(100)
        assert poll_with(parser, bodies) == [direct(body) for body in bodies]
        assert parser.taken["worker"] == tried  # not tried again
        said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("parse_workers")]
        assert said.count("parse_workers_unavailable") == 1  # said once
        assert said.count("parse_workers_started") == 1  # and no start of "0 workers" after it
    finally:
        parser.close()
