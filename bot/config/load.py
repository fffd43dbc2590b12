"""Read rules.yaml (schema version 1) into a validated ``Config``: ``load_config`` for a file,
``parse_config`` for its text.

Composes the YAML into a node tree (which keeps line marks), checks the top level and the
version, hands each section to its checker (``sections``, ``semantic``) and raises one
``ConfigError`` listing every problem in file order, so a user fixes a broken edit in one pass.
Nothing is silently skipped: a rule that does not validate makes the whole file invalid. It
defines no records or defaults (``bot.core.settings`` does) and compiles no queries for
matching (``bot.rules.match`` does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.config import values
from bot.config.channels import check_channels
from bot.config.checker import Checker
from bot.config.sections import check_feeds, check_lists, check_rules, check_settings
from bot.config.semantic import check_rules_semantic, check_semantic
from bot.config.yamlerrors import describe
from bot.core.errors import ConfigError, Problem
from bot.core.models import Rule
from bot.core.settings import RULES_FILE, SCHEMA_VERSION, Config, Settings

# libyaml's loader when PyYAML was built with it (it keeps the line marks, and is many times
# faster on a rules.yaml with thousands of feeds); the pure-Python one otherwise.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOP_KEYS = {"version", "settings", "lists", "feeds", "rules", "semantic", "channels"}


def _compose(text: str, source: str) -> yaml.Node:
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([describe(text, exc)], source) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([Problem("(file)", None, f"not valid YAML: {exc}")], source) from exc
    if root is None:
        raise ConfigError(
            [Problem("(file)", None, "the file is empty; start from the rules.yaml shipped with the bot")], source
        )
    return root


def parse_config(text: str, source: str = RULES_FILE) -> Config:
    """Validate rules.yaml text. Raises ConfigError listing every problem found."""
    root = _compose(text, source)
    c = Checker()
    items = c.mapping(root, "")
    if items is None:
        raise ConfigError(c.problems, source)
    c.unknown_keys(items, _TOP_KEYS, "")
    version_node = items.get("version", (None, None))[1]
    if version_node is None:
        c.add("version", root, f"missing version: (write version: {SCHEMA_VERSION})")
    elif c.scalar(version_node, "version") != str(SCHEMA_VERSION):
        c.add("version", version_node, f"this bot reads version {SCHEMA_VERSION} files only")
    settings = check_settings(c, items["settings"][1]) if "settings" in items else Settings()
    lists = check_lists(c, items["lists"][1]) if "lists" in items else {}
    feeds = check_feeds(c, items["feeds"][1], settings) if "feeds" in items else ()
    if "rules" not in items:
        c.add("rules", root, "missing rules: (a list of rules)")
        rules: tuple[Rule, ...] = ()
    else:
        rules = check_rules(c, items["rules"][1], lists, feeds)
    semantic, semantic_off = None, None
    if "semantic" in items:
        semantic, semantic_off = check_semantic(c, items["semantic"][1], Path(source).resolve().parent)
    if "rules" in items:
        check_rules_semantic(c, items["rules"][1], semantic, switched_off=semantic_off is not None)
    channels = check_channels(items["channels"][1], c.add, values.channel) if "channels" in items else {}
    if c.problems:
        c.problems.sort(key=lambda p: p.line or 0)
        raise ConfigError(c.problems, source)
    c.warnings.sort(key=lambda p: p.line or 0)
    return Config(settings=settings, lists=lists, feeds=feeds, rules=rules, path=source, semantic=semantic,
                  semantic_off=semantic_off, channels=channels, warnings=tuple(c.warnings))


def load_config(path: str | Path) -> Config:
    """Read and validate a rules.yaml file. Raises ConfigError (also for a missing file)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [Problem("(file)", None, f"{p} does not exist; pass --rules PATH or set BOT_RULES")], str(p)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem("(file)", None, f"cannot read {p}: {exc}")], str(p)) from exc
    return parse_config(text, str(p))
