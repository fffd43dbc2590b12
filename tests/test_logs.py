"""The bot's logs as a user reads them: what the configured handler writes, in both formats.

Every test configures logging onto a buffer (``tests.support.logs.captured_logs``, the same
``configure_logging`` the command line calls with stderr) and parses what was written: a fact
that a formatter drops, or a line logged to a logger outside the bot's tree, fails here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import httpx
import pytest

from bot.core.errors import FetchError
from bot.fetch.client import Fetcher, FetchLimits
from bot.fetch.failures import translate
from bot.notify.slack import make_notifier
from bot.observe.logs import event, get_logger
from tests.support.feed_server import METADATA_URL, FeedServer
from tests.support.logs import captured_logs, json_events, text_events

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
QUICK = {"connect_timeout": 2.0, "read_timeout": 2.0, "total_timeout": 5.0}


def fetch_error(url: str, limits: FetchLimits) -> FetchError:
    async def go() -> None:
        async with Fetcher(limits) as fetcher:
            await fetcher.fetch(url)

    with pytest.raises(FetchError) as info:
        asyncio.run(go())
    return info.value


def only(events: list[dict[str, str]], name: str) -> dict[str, str]:
    found = [e for e in events if e["event"] == name]
    assert len(found) == 1, f"expected one {name} line, got {found} in {events}"
    return found[0]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feed_server:
        feed_server.set_feed("/feed.xml", FEED)
        yield feed_server


def test_a_refused_private_address_is_a_json_line_with_the_url_and_the_address(
    server: FeedServer,
) -> None:
    url = server.url("/feed.xml")
    with captured_logs("json") as out:
        error = fetch_error(url, FetchLimits(**QUICK))  # private addresses not allowed
    assert error.kind == "blocked_address"
    line = only(json_events(out.getvalue()), "address_blocked")
    assert line["url"] == url
    assert line["address"] == "127.0.0.1"
    assert line["host"] == "127.0.0.1"
    assert line["reason"] == "loopback address"
    assert line["level"] == "info"


def test_a_refused_private_address_is_a_text_line_with_the_url_and_the_address(
    server: FeedServer,
) -> None:
    url = server.url("/feed.xml").replace("127.0.0.1", "localhost")
    with captured_logs("text") as out:
        fetch_error(url, FetchLimits(**QUICK))
    line = only(text_events(out.getvalue()), "address_blocked")
    assert line["url"] == url
    assert line["host"] == "localhost"
    assert line["address"] in ("127.0.0.1", "::1")
    assert line["reason"] == "loopback address"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_redirect_to_the_metadata_address_is_logged_with_the_hop_it_refused(
    server: FeedServer, fmt: str
) -> None:
    server.set_redirect("/hop", METADATA_URL, 302)
    with captured_logs(fmt) as out:
        fetch_error(server.url("/hop"), FetchLimits(allow_private=True, **QUICK))
    read = json_events if fmt == "json" else text_events
    line = only(read(out.getvalue()), "address_blocked")
    assert line["url"] == METADATA_URL
    assert line["address"] == "169.254.169.254"
    assert line["reason"] == "link-local address"


def test_an_unexpected_fetch_error_is_one_json_object_with_the_url_and_the_traceback() -> None:
    url = httpx.URL("https://news.example/feed")
    try:
        raise ValueError("a bug somewhere in the HTTP stack")
    except ValueError as exc:
        with captured_logs("json") as out:
            error = translate(exc, url, FetchLimits())
    assert error.kind == "protocol"
    lines = out.getvalue().splitlines()
    assert len(lines) == 1  # the traceback inside the object, not on lines of its own
    line = json_events(out.getvalue())[0]
    assert line["event"] == "fetch_unexpected_error" and line["level"] == "error"
    assert line["url"] == "https://news.example/feed"
    assert line["error"] == "ValueError: a bug somewhere in the HTTP stack"
    assert "Traceback" in line["exception"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_facts_given_the_plain_logging_way_are_printed_too(fmt: str) -> None:
    with captured_logs(fmt) as out:
        get_logger("anywhere").warning("library_style", extra={"host": "a.example", "n": 3})
        event(get_logger("anywhere"), "event_style", host="b.example", skipped=None)
    read = json_events if fmt == "json" else text_events
    lines = read(out.getvalue())
    assert [(e["event"], e["host"]) for e in lines] == [
        ("library_style", "a.example"), ("event_style", "b.example")
    ]
    assert str(lines[0]["n"]) == "3"
    assert "skipped" not in lines[1]  # None means "no such fact"


def test_modules_log_into_the_configured_tree_only() -> None:
    """A logger outside ``ethics_bot`` would print through no configured handler."""
    import bot.fetch.client
    import bot.fetch.transport
    import bot.notify.slack
    import bot.semantic.model

    for module in (bot.fetch.client, bot.fetch.transport, bot.notify.slack, bot.semantic.model):
        assert module.log.name.startswith("ethics_bot."), module.__name__
    assert not logging.getLogger("bot").handlers


def test_a_proxied_local_slack_url_is_warned_about_with_its_facts() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1-2-token", "SLACK_API_URL": "http://127.0.0.1:9/api/",
           "HTTPS_PROXY": "http://proxy.example:3128"}
    with captured_logs("json", secrets=["xoxb-1-2-token"]) as out:
        make_notifier(env)
    line = only(json_events(out.getvalue()), "slack_local_url_via_proxy")
    assert line["level"] == "warning"
    assert line["host"] == "127.0.0.1"
    assert line["hint"] == "add 127.0.0.1,localhost to NO_PROXY"
