"""Private feeds, the configuration side: per-feed `headers:` and basic `auth:` with secrets
named by environment variables, validated with their lines, and never printed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config.load import parse_config
from bot.core.access import FeedAccess, FeedAuth, FeedHeader
from bot.core.errors import ConfigError
from tests.conftest import run_cli

PRIVATE = textwrap.dedent(
    """\
    version: 1
    feeds:
      - url: https://intranet.example.org/news.rss
        name: Intranet
        headers:
          User-Agent: "ethics-bot (ops@example.org)"
          X-Api-Key: {env: INTRANET_API_KEY}
        auth:
          username: newsbot
          password_env: INTRANET_FEED_PASSWORD
      - url: https://public.example.org/rss
    rules:
      - {id: r, category: c, query: x}
    """
)


def test_headers_and_auth_are_read_with_the_secrets_left_in_the_environment() -> None:
    config = parse_config(PRIVATE)
    private, public = config.feeds
    assert private.access == FeedAccess(
        headers=(FeedHeader("User-Agent", value="ethics-bot (ops@example.org)"),
                 FeedHeader("X-Api-Key", env="INTRANET_API_KEY")),
        auth=FeedAuth("newsbot", "INTRANET_FEED_PASSWORD"),
    )
    assert public.access is None
    assert private.access.missing_env({"INTRANET_API_KEY": "k"}) == ["INTRANET_FEED_PASSWORD"]


def test_every_access_problem_is_reported_with_its_line() -> None:
    text = textwrap.dedent(
        """\
        version: 1
        feeds:
          - url: https://a.example.org/rss
            headers:
              Host: other.example
              Bad Name: x
              Authorization: "Bearer s3cret"
              X-Key: {env: "not a name"}
            auth: {username: bot}
          - url: https://b.example.org/rss
            headers: [x]
            auth: {username: "a:b", password_env: PW}
        rules:
          - {id: r, category: c, query: x}
        """
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    found = {(p.path, p.line) for p in info.value.problems}
    assert found == {
        ("feeds[0].headers.Host", 5),
        ("feeds[0].headers.Bad Name", 6),
        ("feeds[0].headers.Authorization", 7),
        ("feeds[0].headers.X-Key.env", 8),
        ("feeds[0].auth", 9),
        ("feeds[1].headers", 11),
        ("feeds[1].auth.username", 12),
    }
    assert "s3cret" not in str(info.value)


def test_check_names_a_missing_variable_and_never_prints_a_secret(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(PRIVATE)
    ran = run_cli("check", "--rules", str(rules), env={"INTRANET_API_KEY": "key-SECRET-1234"})
    assert ran.code == 0
    assert "INTRANET_FEED_PASSWORD" in ran.stdout and "INTRANET_API_KEY" not in ran.stdout
    assert "SECRET" not in ran.stdout + ran.stderr
