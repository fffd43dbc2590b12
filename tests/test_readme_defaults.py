"""The README states every setting and default the user can rely on; these tests hold it to the
values in bot/core/settings.py, so the docs and the code cannot drift apart."""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import pytest

from bot.config.sections import SETTING_TYPES
from bot.core.settings import (
    DEFAULT_SLACK_API_URL,
    DEFAULT_THRESHOLD,
    DEFAULTS,
    HEALTH_AGE,
    RULES_FILE,
    STATE_DIR,
    Settings,
)
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
_ROW = re.compile(r"^\| `(?P<key>[a-z_]+)` \| (?P<default>[^|]+?) \| (?P<meaning>[^|]+) \|$")


def settings_table() -> dict[str, str]:
    """The README's ``### Settings`` table: setting → its default as written."""
    section = README.split("\n### Settings\n", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = _ROW.match(line)
        if m:
            assert m["key"] not in rows, f"{m['key']} is documented twice"
            rows[m["key"]] = m["default"].strip()
    return rows


def as_value(key: str, written: str) -> Any:
    """A documented default read the way rules.yaml would read it."""
    if written == "none":
        return None
    text = written.strip("`").strip('"')
    return SETTING_TYPES[key](text)


def test_every_setting_is_documented_once_and_nothing_else() -> None:
    assert list(settings_table()) == [f.name for f in fields(Settings)]


@pytest.mark.parametrize("key", [f.name for f in fields(Settings)])
def test_each_documented_default_is_the_one_the_bot_uses(key: str) -> None:
    written = settings_table().get(key)
    assert written is not None, f"README's settings table lacks {key}"
    assert as_value(key, written) == getattr(DEFAULTS, key), f"README says {key} defaults to {written}"


def test_the_other_documented_defaults_are_the_ones_the_bot_uses() -> None:
    assert f"default `{DEFAULT_SLACK_API_URL}`" in README
    assert f"(default `$BOT_RULES` or `./{RULES_FILE}`)" in README
    assert f"(default `$BOT_STATE` or `./{STATE_DIR}`)" in README
    (threshold,) = re.findall(r"per category; default ([0-9.]+)", README)
    assert float(threshold) == DEFAULT_THRESHOLD
    deployment = (REPO / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")
    (age,) = re.findall(r"is less than (\d+) seconds\s+old", deployment)
    assert float(age) == HEALTH_AGE
