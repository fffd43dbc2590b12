"""Feeds through a corporate proxy, over real sockets: a forwarding proxy running as its own
process (tests/support/forward_proxy.py) between the fetcher and the local feed server.
HTTP_PROXY/HTTPS_PROXY/NO_PROXY decide the route; the address guard still judges the feed's
own host while the proxy itself may live on a private address; proxy credentials are used and
never shown."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.core.errors import ConfigError, FetchError
from bot.fetch.client import Fetcher, FetchLimits, FetchResult
from bot.fetch.proxy import NoProxy, ProxySettings
from tests.conftest import SEED_SUMMARY, SEED_TITLE, Item, minutes_ago, rss, run_cli, write_rules
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer
from tests.support.forward_proxy import ForwardProxy
from tests.support.logs import captured_logs, json_events
from tests.test_fetch import FEED, LOCAL, self_signed_tls_port  # noqa: F401 (a fixture)

STRICT = FetchLimits(connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0)  # no private feeds


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feed_server:
        feed_server.set_feed("/feed.xml", FEED)
        yield feed_server


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[ForwardProxy]:
    with ForwardProxy(tmp_path) as forward_proxy:
        yield forward_proxy


def fetch(url: str, environ: Mapping[str, str], limits: FetchLimits = LOCAL) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(limits, environ=environ) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(go())


def fetch_error(url: str, environ: Mapping[str, str], limits: FetchLimits = LOCAL) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, environ, limits)
    return info.value


def test_a_feed_goes_through_the_proxy_http_proxy_names(server: FeedServer, proxy: ForwardProxy) -> None:
    url = server.url("/feed.xml")
    result = fetch(url, {"HTTP_PROXY": proxy.url})
    assert result.body == FEED and result.final_url == url
    assert [(r["method"], r["target"], r["status"]) for r in proxy.forwarded()] == [("GET", url, 200)]
    assert len(server.requests_for("/feed.xml")) == 1  # the feed server saw the proxy's request


def test_the_proxy_is_read_from_the_process_environment_lower_case_first(
    server: FeedServer, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    with socket.socket() as probe:  # nothing listens here: using it would fail the fetch
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{probe.getsockname()[1]}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def go() -> FetchResult:
        async with Fetcher(LOCAL) as fetcher:
            return await fetcher.fetch(server.url("/feed.xml"))

    assert asyncio.run(go()).body == FEED
    assert len(proxy.forwarded()) == 1


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "127.0.0.0/8", "example.org, 127.0.0.1:{port}"])
def test_no_proxy_sends_listed_hosts_directly(server: FeedServer, proxy: ForwardProxy, no_proxy: str) -> None:
    environ = {"HTTP_PROXY": proxy.url, "NO_PROXY": no_proxy.format(port=server.port)}
    assert fetch(server.url("/feed.xml"), environ).body == FEED
    assert proxy.forwarded() == []
    assert len(server.requests_for("/feed.xml")) == 1


def test_no_proxy_for_another_port_or_host_still_uses_the_proxy(server: FeedServer, proxy: ForwardProxy) -> None:
    environ = {"HTTP_PROXY": proxy.url, "no_proxy": f"127.0.0.1:{server.port + 1},localhost,.example.org"}
    assert fetch(server.url("/feed.xml"), environ).body == FEED
    assert len(proxy.forwarded()) == 1


@pytest.mark.parametrize(
    ("entries", "host", "port", "bypassed"),
    [
        ("example.org", "example.org", 443, True),
        ("example.org", "news.example.org", 443, True),
        ("example.org", "myexample.org", 443, False),
        (".example.org", "example.org", 80, True),
        ("*.example.org", "a.b.example.org", 80, True),
        ("EXAMPLE.org.", "News.Example.ORG", 80, True),
        ("example.org:8080", "example.org", 8080, True),
        ("example.org:8080", "example.org", 443, False),
        ("*", "anything.test", 1, True),
        ("10.0.0.0/8", "10.2.3.4", 80, True),
        ("10.0.0.0/8", "11.2.3.4", 80, False),
        ("::1", "[::1]", 80, True),
        ("[::1]:8080", "::1", 8080, True),
        ("[::1]:8080", "::1", 80, False),
        ("http://intranet.corp", "intranet.corp", 80, True),
        ("", "example.org", 80, False),
        (" , ,example.org ", "example.org", 80, True),
    ],
)
def test_no_proxy_rules(entries: str, host: str, port: int, bypassed: bool) -> None:
    assert NoProxy.parse(entries).matches(host, port) is bypassed


def test_https_feeds_go_through_a_connect_tunnel_with_tls_end_to_end(
    proxy: ForwardProxy, self_signed_tls_port: int  # noqa: F811
) -> None:
    """The proxy only relays bytes: the TLS handshake is the feed server's own (its self-signed
    certificate for ``localhost`` is refused by name, through the tunnel)."""
    error = fetch_error(f"https://localhost:{self_signed_tls_port}/feed.xml", {"HTTPS_PROXY": proxy.url})
    assert error.kind == "connect" and "certificate of localhost could not be verified" in error.message
    assert [(r["method"], r["target"]) for r in proxy.forwarded()] == [
        ("CONNECT", f"localhost:{self_signed_tls_port}")
    ]


def test_http_proxy_does_not_carry_https_feeds(proxy: ForwardProxy, self_signed_tls_port: int) -> None:  # noqa: F811
    fetch_error(f"https://localhost:{self_signed_tls_port}/feed.xml", {"HTTP_PROXY": proxy.url})
    assert proxy.forwarded() == []


def test_the_guard_judges_the_feed_host_and_allows_a_proxy_on_a_private_address(
    server: FeedServer, proxy: ForwardProxy
) -> None:
    environ = {"HTTP_PROXY": proxy.url}  # the proxy is on loopback; private feeds are refused
    error = fetch_error(server.url("/feed.xml"), environ, STRICT)
    assert error.kind == "blocked_address" and "loopback" in error.message
    metadata = fetch_error("http://169.254.169.254/latest/meta-data/", environ, LOCAL)
    assert metadata.kind == "blocked_address" and "link-local" in metadata.message
    assert proxy.forwarded() == [] and server.requests == []  # nothing went out
    # A public feed host passes the guard and the loopback proxy is dialled (it refuses to go
    # further than loopback, so nothing leaves this machine).
    error = fetch_error("http://93.184.215.14/feed.xml", environ, STRICT)
    assert [(r["target"], r["status"]) for r in proxy.forwarded()] == [("http://93.184.215.14/feed.xml", 403)]
    assert error.kind == "http_status" and "403" in error.message


def test_proxy_credentials_are_sent_and_never_shown(server: FeedServer, tmp_path: Path) -> None:
    secret = "pr0xy-S3CRET"
    with ForwardProxy(tmp_path, auth=f"corp:{secret}") as proxy, captured_logs("json", secrets=()) as out:
        with_login = f"http://corp:{secret}@127.0.0.1:{proxy.port}"
        assert fetch(server.url("/feed.xml"), {"HTTP_PROXY": with_login}).body == FEED
        refused = fetch_error(server.url("/feed.xml"), {"HTTP_PROXY": proxy.url})
        tunnel = fetch_error("https://localhost:9/feed.xml", {"HTTPS_PROXY": proxy.url})
        statuses = [(r["proxy_auth"], r["status"]) for r in proxy.forwarded()]
    assert statuses == [(True, 200), (False, 407), (False, 407)]
    assert "407" in refused.message and "proxy URL" in refused.message
    assert tunnel.kind == "connect" and "refused to open a connection to localhost" in tunnel.message
    assert "http://user:password@host:port" in tunnel.message
    logged = out.getvalue()
    shown = [e for e in json_events(logged) if e["event"] == "fetch_proxies"]
    assert shown[0]["http_proxy"] == f"http://***@127.0.0.1:{proxy.port}"
    assert secret not in logged and "corp" not in logged


def test_a_proxy_that_is_down_is_named_in_the_error(server: FeedServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(server.url("/feed.xml"), {"HTTP_PROXY": f"http://u:hidden@127.0.0.1:{port}"})
    assert error.kind == "connect"
    assert f"could not connect to the proxy http://***@127.0.0.1:{port}" in error.message
    assert "hidden" not in error.message and "HTTP_PROXY" in error.message


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("socks5://u:hush@127.0.0.1:1080", "only http:// and https:// proxies"),
        ("http://u:hush@:3128", "names no proxy host"),
        ("http://u:hush@proxy:port", "not a valid proxy URL"),
    ],
)
def test_a_bad_proxy_url_is_a_config_error_that_hides_the_password(value: str, said: str) -> None:
    with pytest.raises(ConfigError) as info:
        Fetcher(LOCAL, environ={"HTTPS_PROXY": value})
    assert said in str(info.value) and "HTTPS_PROXY" in str(info.value)
    assert "hush" not in str(info.value)


def test_proxy_settings_without_a_scheme_mean_http() -> None:
    settings = ProxySettings.from_env({"https_proxy": "proxy.corp:3128", "NO_PROXY": "intranet"})
    assert settings.https is not None and settings.https.url == "http://proxy.corp:3128"
    assert settings.for_url("https", "news.example", None) == settings.https
    assert settings.for_url("https", "wiki.intranet", None) is None
    assert settings.for_url("http", "news.example", None) is None  # no HTTP_PROXY


def test_a_feed_host_the_bot_cannot_look_up_is_not_handed_to_the_proxy(proxy: ForwardProxy) -> None:
    error = fetch_error("http://feed.invalid/rss", {"HTTP_PROXY": proxy.url})
    assert error.kind in ("connect", "timeout")
    assert "feed.invalid" in error.message and "behind a proxy" in error.message
    assert proxy.forwarded() == []


def test_once_fetches_through_the_proxy_while_slack_on_loopback_stays_direct(tmp_path: Path) -> None:
    seed = Item(SEED_TITLE, SEED_SUMMARY, link="https://example.org/seed", guid="seed-1", published=minutes_ago(1))
    (tmp_path / "state").mkdir()
    with FeedServer() as feeds, FakeSlack() as slack, ForwardProxy(tmp_path) as proxy:
        feeds.set_feed("/tech.xml", rss([seed]))
        by_name = feeds.url("/tech.xml").replace("127.0.0.1", "localhost")  # NO_PROXY lists the IP only
        rules = write_rules(tmp_path / "rules.yaml", [by_name])
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url,
               "HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"}
        ran = run_cli("once", "--rules", str(rules), "--state", str(tmp_path / "state"), "--drain", "5", env=env)
        assert ran.code == 0, ran.stderr
        assert [r["target"] for r in proxy.forwarded()] == [by_name]
        assert len(slack.messages) == 1
    assert "fetch_proxies" in ran.stderr


def test_check_shows_the_proxy_without_its_login_and_refuses_a_bad_one(tmp_path: Path) -> None:
    rules = write_rules(tmp_path / "rules.yaml", ["https://news.example/rss"])
    good = run_cli("check", "--rules", str(rules), env={"HTTPS_PROXY": "http://corp:hush@proxy.corp:3128"})
    assert good.code == 0, good.stderr
    assert "https_proxy=http://***@proxy.corp:3128" in good.stdout
    bad = run_cli("check", "--rules", str(rules), env={"https_proxy": "socks5://corp:hush@proxy.corp:1080"})
    assert bad.code != 0 and "https_proxy" in bad.stdout + bad.stderr
    assert "only http:// and https:// proxies" in bad.stdout + bad.stderr
    for ran in (good, bad):
        assert "hush" not in ran.stdout + ran.stderr
