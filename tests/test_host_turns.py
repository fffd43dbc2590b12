"""A poll takes its feeds in turns over their hosts, so that ``per_host`` does not leave the
overall ``concurrency`` idle when one publisher's feeds stand together in rules.yaml (and in the
store, which lists feeds in address order). Through a real poll over loopback sockets."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.flow.pipeline import host_turns
from bot.store.feeds import FeedState
from tests.conftest import SEED_SUMMARY, SEED_TITLE, Item, minutes_ago, rss, write_rules
from tests.support.feed_server import FeedServer, Request, Responder
from tests.support.polling import poll_context, poll_once

ANSWER_DELAY = 0.3  # long enough that a second request to a busy host cannot slip in first


def test_two_hosts_are_fetched_side_by_side_when_one_hosts_feeds_come_first(tmp_path: Path) -> None:
    body = rss([Item(SEED_TITLE, SEED_SUMMARY, link="https://news.example/seed", published=minutes_ago(5))])

    def slow(_request: Request, responder: Responder) -> None:
        responder.sleep(ANSWER_DELAY)
        responder.send(200, body, {"Content-Type": "application/rss+xml"})

    with FeedServer() as feeds:
        paths = [f"/a{i}.xml" for i in range(3)]
        for path in paths:
            feeds.set_route(path, slow)
        # "127.0.0.1" and "localhost" are two hosts to the fetcher; the store lists 127.0.0.1 first
        urls = [feeds.url(p) for p in paths] + [feeds.url(p).replace("127.0.0.1", "localhost") for p in paths]
        settings = "concurrency: 2\nper_host: 1"
        ctx = poll_context(write_rules(tmp_path / "rules.yaml", urls, settings), tmp_path / "state")
        poll_once(ctx)
        arrivals = sorted(
            (request.time, request.headers["host"].split(":")[0])
            for path in paths
            for request in feeds.requests_for(path)
        )
        ctx.store.close()
    assert len(arrivals) == 6
    first_two = {host for _, host in arrivals[:2]}
    # in address order, the second slot would wait for 127.0.0.1's one connection while localhost idled
    assert first_two == {"127.0.0.1", "localhost"}, arrivals


def feed(url: str) -> FeedState:
    return FeedState(
        url=url, fetch_url=url, name=url, interval=900.0, active=True, etag=None, last_modified=None,
        body_hash=None, next_check_at=0.0, last_check_at=None, last_success_at=None, first_polled_at=None,
        last_error=None, last_error_kind=None, error_count=0, stories_seen=0, last_new_story_at=None,
    )


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 99)), max_size=30, unique=True))
def test_turns_lose_nothing_and_keep_each_hosts_order(pairs: list[tuple[str, int]]) -> None:
    feeds = [feed(f"https://{host}.example/{n}") for host, n in pairs]
    turned = host_turns(feeds)
    assert sorted(f.url for f in turned) == sorted(f.url for f in feeds)
    for host in "abcd":
        mine = [f.url for f in feeds if f.url.startswith(f"https://{host}.")]
        assert [f.url for f in turned if f.url.startswith(f"https://{host}.")] == mine
    # no host gets a second turn before every host has had its first
    hosts = [f.url.split("//")[1].split(".")[0] for f in turned]
    distinct = len(set(hosts))
    assert len(set(hosts[:distinct])) == distinct
