"""Private feeds, the fetch side, over real sockets: rules.yaml's per-feed ``headers:`` and basic
``auth:`` sent with the secrets read from the environment at request time, only to the feed's
own host, with plain-words errors that name the variable and never the value; and end to end,
``ethics-bot once`` on a feed that answers 401 without the right login."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.core.access import FeedAccess, FeedAuth, FeedHeader
from bot.core.errors import FetchError
from bot.fetch.client import Fetcher, FetchResult
from tests.conftest import Item, minutes_ago, rss, run_cli, write_rules
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer, Handler, Request, Responder
from tests.support.forward_proxy import ForwardProxy
from tests.support.logs import captured_logs
from tests.test_fetch import FEED, LOCAL

PASSWORD = "pa55-W0RD-s3cret"
API_KEY = "key-0f-S3CRET-k1nd"
ENV = {"FEED_PASSWORD": PASSWORD, "FEED_API_KEY": API_KEY}
ACCESS = FeedAccess(
    headers=(FeedHeader("X-Team", value="ethics"), FeedHeader("X-Api-Key", env="FEED_API_KEY")),
    auth=FeedAuth("newsbot", "FEED_PASSWORD"),
)
EXPECTED = "Basic " + base64.b64encode(f"newsbot:{PASSWORD}".encode()).decode()


def members_only(body: bytes, expected: str = EXPECTED) -> Handler:
    """A route that answers 401 unless the request carries the right Authorization."""

    def serve(request: Request, responder: Responder) -> None:
        if request.headers.get("authorization") != expected:
            responder.send(401, b"login first\n", {"WWW-Authenticate": 'Basic realm="feeds"'})
        else:
            responder.send(200, body, {"Content-Type": "application/rss+xml"})

    return serve


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feed_server:
        feed_server.set_route("/private.xml", members_only(FEED))
        yield feed_server


def fetch(url: str, environ: Mapping[str, str], **kwargs: object) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(LOCAL, environ=environ) as fetcher:
            return await fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def fetch_error(url: str, environ: Mapping[str, str], **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, environ, **kwargs)
    return info.value


def test_a_feed_behind_basic_auth_is_fetched_with_the_password_from_the_environment(server: FeedServer) -> None:
    assert fetch(server.url("/private.xml"), ENV, access=ACCESS).body == FEED
    seen = server.requests_for("/private.xml")[0].headers
    assert seen["authorization"] == EXPECTED
    assert (seen["x-api-key"], seen["x-team"]) == (API_KEY, "ethics")


def test_the_environment_is_read_at_request_time(server: FeedServer) -> None:
    environ = dict(ENV, FEED_PASSWORD="old")

    async def twice() -> list[str]:
        async with Fetcher(LOCAL, environ=environ) as fetcher:
            errors = []
            try:
                await fetcher.fetch(server.url("/private.xml"), access=ACCESS)
            except FetchError as exc:
                errors.append(exc.kind)
            environ["FEED_PASSWORD"] = PASSWORD  # rotated while the daemon runs
            await fetcher.fetch(server.url("/private.xml"), access=ACCESS)
            return errors

    assert asyncio.run(twice()) == ["http_status"]


def test_without_auth_a_401_says_how_to_add_a_login(server: FeedServer) -> None:
    error = fetch_error(server.url("/private.xml"), ENV)
    assert error.kind == "http_status" and "401" in error.message
    assert "add headers: or auth: to the feed in rules.yaml" in error.message


def test_a_wrong_password_names_auth_and_the_variable_never_the_value(server: FeedServer) -> None:
    wrong = dict(ENV, FEED_PASSWORD="not-the-one-XYZ")
    with captured_logs("json") as out:
        error = fetch_error(server.url("/private.xml"), wrong, access=ACCESS)
    assert error.kind == "http_status" and "401 Unauthorized" in error.message
    assert "check the feed's auth: in rules.yaml" in error.message
    assert "FEED_PASSWORD" in error.message
    for secret in ("not-the-one-XYZ", API_KEY):
        assert secret not in error.message and secret not in out.getvalue()


def test_a_missing_variable_is_named_before_anything_is_sent(server: FeedServer) -> None:
    error = fetch_error(server.url("/private.xml"), {"FEED_API_KEY": API_KEY}, access=ACCESS)
    assert error.kind == "config"
    assert "FEED_PASSWORD is not set" in error.message and "auth:" in error.message
    assert API_KEY not in error.message
    assert server.requests == []
    header_only = FeedAccess(headers=(FeedHeader("X-Api-Key", env="FEED_API_KEY"),))
    error = fetch_error(server.url("/private.xml"), {"FEED_API_KEY": ""}, access=header_only)
    assert "FEED_API_KEY is not set" in error.message and "X-Api-Key" in error.message


def test_a_secret_with_a_line_break_is_refused_without_showing_it(server: FeedServer) -> None:
    environ = dict(ENV, FEED_API_KEY="abc\r\nX-Injected: 1")
    error = fetch_error(server.url("/private.xml"), environ, access=ACCESS)
    assert error.kind == "config" and "FEED_API_KEY" in error.message
    assert "abc" not in error.message and server.requests == []


def test_secrets_stay_with_the_feeds_own_host_across_redirects(server: FeedServer) -> None:
    server.set_redirect("/moved.xml", "/private.xml", 302)  # same host: credentials follow
    assert fetch(server.url("/moved.xml"), ENV, access=ACCESS).body == FEED
    assert server.requests_for("/private.xml")[-1].headers["authorization"] == EXPECTED
    with FeedServer() as elsewhere:  # another port is another site
        elsewhere.set_feed("/feed.xml", FEED)
        server.set_redirect("/away.xml", elsewhere.url("/feed.xml"), 302)
        server.set_redirect("/away-host.xml", server.url("/private.xml").replace("127.0.0.1", "localhost"), 302)
        assert fetch(server.url("/away.xml"), ENV, access=ACCESS).body == FEED
        error = fetch_error(server.url("/away-host.xml"), ENV, access=ACCESS)
        (hop,) = elsewhere.requests_for("/feed.xml")
    assert "authorization" not in hop.headers and "x-api-key" not in hop.headers
    assert hop.headers["x-team"] == "ethics"  # literal headers are not secrets
    assert server.requests_for("/away.xml")[0].headers["authorization"] == EXPECTED
    assert "redirected to localhost" in error.message and "did not send it the credentials" in error.message
    assert "authorization" not in server.requests_for("/private.xml")[-1].headers


def test_a_stored_move_to_another_host_gets_no_credentials(server: FeedServer) -> None:
    moved_to = server.url("/private.xml").replace("127.0.0.1", "localhost")
    own = server.url("/private.xml")
    error = fetch_error(moved_to, ENV, access=ACCESS, own_url=own)
    assert error.kind == "http_status"
    assert "authorization" not in server.requests_for("/private.xml")[0].headers


def test_basic_auth_through_the_proxy(server: FeedServer, tmp_path: Path) -> None:
    with ForwardProxy(tmp_path) as proxy:
        result = fetch(server.url("/private.xml"), dict(ENV, HTTP_PROXY=proxy.url), access=ACCESS)
        (forwarded,) = proxy.forwarded()
    assert result.body == FEED and forwarded["auth"] and forwarded["status"] == 200


# -- end to end --------------------------------------------------------------------------------


def test_once_fetches_a_feed_with_auth_from_rules_yaml_and_never_prints_the_password(workdir: Path) -> None:
    story = Item(
        "Staff letter protests police facial recognition contract",
        "Employees signed a letter after Rekognition was sold to police.",
        link="https://intranet.example/story-1",
        guid="private-1",
        published=minutes_ago(1),
    )
    with FeedServer() as feeds, FakeSlack() as slack:
        feeds.set_route("/private.xml", members_only(rss([story])))
        rules = write_rules(workdir / "rules.yaml", [feeds.url("/private.xml")])
        text = rules.read_text().replace(
            "    name: Outlet 0",
            "    name: Outlet 0\n    auth:\n      username: newsbot\n      password_env: FEED_PASSWORD",
        )
        rules.write_text(text)
        args = ("once", "--rules", str(rules), "--state", str(workdir / "state"), "--drain", "5",
                "--log-level", "debug")
        slack_env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url}
        missing = run_cli(*args, env=slack_env)
        assert "FEED_PASSWORD is not set" in missing.stderr + missing.stdout
        assert feeds.requests == [] and slack.messages == []
        ran = run_cli(*args, env=dict(slack_env, FEED_PASSWORD=PASSWORD))
        assert ran.code == 0, ran.stderr
        (post,) = slack.messages
        assert "Staff letter protests police" in json.dumps(post.blocks)
        assert feeds.requests_for("/private.xml")[0].headers["authorization"] == EXPECTED
        feeds_report = run_cli("feeds", "--rules", str(rules), "--state", str(workdir / "state"))
        assert feeds_report.code == 0 and "Outlet 0" in feeds_report.stdout
    for output in (missing, ran, feeds_report):
        assert PASSWORD not in output.stdout + output.stderr
        assert EXPECTED.split()[1] not in output.stdout + output.stderr
