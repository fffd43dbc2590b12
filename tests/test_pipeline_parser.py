"""FeedParser: parses in worker processes for big polls and in a thread for small ones, with the
same results and errors either way."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import FeedParseError
from bot.parse import ParsedFeed, parse_feed
from bot.pipeline import FeedParser

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example</title><link>https://example.org/</link>
<item><title>Workers sign an open letter</title><link>https://example.org/a?utm_source=x</link>
<guid>a-1</guid><pubDate>Tue, 10 Sep 2024 12:00:00 GMT</pubDate>
<description>&lt;p&gt;Staff &lt;b&gt;object&lt;/b&gt; to the contract.&lt;/p&gt;</description></item>
<item><title>Second story</title><link>https://example.org/b</link></item>
</channel></rss>"""
HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}


def parse_with(parser: FeedParser, body: bytes) -> ParsedFeed:
    async def go() -> ParsedFeed:
        return await parser.parse(body, feed_url="https://example.org/feed", source="Example", headers=HEADERS)

    return asyncio.run(go())


def test_a_big_poll_parses_in_worker_processes_with_the_same_result() -> None:
    parser = FeedParser(workers=2, min_batch=10)
    try:
        parser.begin_poll(10)
        parsed = parse_with(parser, FEED)
        assert parser._pool is not None  # the worker pool was used
        assert parsed == parse_feed(FEED, feed_url="https://example.org/feed", source="Example", headers=HEADERS)
        with pytest.raises(FeedParseError, match="HTML page"):
            parse_with(parser, b"<!doctype html><html><body>Not a feed</body></html>")
        parser.begin_poll(9)  # a small poll: back to a thread, the pool is shut down
        assert parser._pool is None
        assert parse_with(parser, FEED) == parsed
        assert parser._pool is None
    finally:
        parser.close()


def test_one_cpu_parses_in_a_thread_whatever_the_poll_size() -> None:
    parser = FeedParser(workers=1, min_batch=1)
    parser.begin_poll(10_000)
    assert parse_with(parser, FEED).stories
    assert parser._pool is None
