"""Validation of the ``settings:``, ``lists:``, ``feeds:`` and ``rules:`` sections of rules.yaml.

Each ``check_*`` function reads one section's YAML node with a ``Checker``, records every problem
with its path and line, and returns the records it could build (``Settings``, term lists,
``Feed``s, ``Rule``s). Every setting has a converter in ``SETTING_TYPES``; every number there
must be greater than 0. Queries are parsed only to report their syntax errors, every one of them,
the likely mistakes ``bot.rules.lint`` warns about, and a query that matches a story without any of
its words (an error: it would alert on nearly everything); ``bot.rules.match`` compiles them. A
rule's ``feeds:`` is checked against the configured feeds. The ``semantic:`` section and
rule-level ``semantic:`` are in ``semantic``; reading the file and the top level are in ``load``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.config import values
from bot.config.access import check_access
from bot.config.checker import Checker, is_null, line_of
from bot.core.models import SEVERITIES, Feed, Rule, RuleSemantic
from bot.core.settings import Settings
from bot.rules.lint import matches_without_terms, query_warnings
from bot.rules.query import Query, check_query
from bot.rules.sources import feed_matches

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SLUG_HINT = "use a lower-case slug like facial-recognition"
_LIST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

SETTING_TYPES: dict[str, Callable[[str], Any]] = {
    "poll_interval": values.positive_duration,
    "lookback": values.positive_duration,
    "default_channel": values.channel,
    "ops_channel": values.channel,
    "min_interval": values.positive_duration,
    "max_interval": values.positive_duration,
    "retention": values.positive_duration,
    "allow_private_addresses": values.boolean,
    "max_body_bytes": values.positive_size,
    "fetch_timeout": values.positive_duration,
    "concurrency": values.positive_int,
    "per_host": values.positive_int,
    "dedup_window": values.positive_duration,
    "title_similarity": values.fraction,
    "retry_base": values.positive_duration,
    "retry_max": values.positive_duration,
    "channel_rate": values.positive_number,
    "channel_burst": values.positive_int,
    "metrics_port": values.port,
    "match_body": values.boolean,
    "match_lede": values.boolean,
    "digest_over": values.count_or_off,
    "feed_alert_after": values.positive_int,
    "flood_share": values.share,
    "flood_allow": values.boolean,
    "lease_expiry": values.positive_duration,
}


def check_settings(c: Checker, node: yaml.Node) -> Settings:
    items = c.mapping(node, "settings")
    if items is None:
        return Settings()
    c.unknown_keys(items, set(SETTING_TYPES), "settings")
    found: dict[str, Any] = {}
    for key, (_, value_node) in items.items():
        if key in SETTING_TYPES:
            if is_null(value_node):
                continue
            value = c.convert(value_node, f"settings.{key}", SETTING_TYPES[key])
            if value is not None:
                found[key] = value
    settings = Settings(**found)
    if settings.min_interval > settings.max_interval:
        c.add("settings.min_interval", items.get("min_interval", (None, node))[1], "must not exceed max_interval")
    return settings


def check_lists(c: Checker, node: yaml.Node) -> dict[str, tuple[str, ...]]:
    items = c.mapping(node, "lists")
    lists: dict[str, tuple[str, ...]] = {}
    for name, (key_node, value_node) in (items or {}).items():
        path = f"lists.{name}"
        if not _LIST_NAME.match(name):
            c.add(path, key_node, "a list name uses letters, digits and _ only (it is written @name in queries)")
            continue
        if not isinstance(value_node, yaml.SequenceNode) or not value_node.value:
            c.add(path, value_node, "must be a non-empty list of terms")
            continue
        strings = [c.string(t, f"{path}[{i}]") for i, t in enumerate(value_node.value)]
        lists[name] = tuple(t for t in strings if t is not None)
    for name, terms in lists.items():
        for i, term in enumerate(terms):
            term_node = items[name][1].value[i] if items else None
            for exc in sorted(check_query(term, lists)[1], key=lambda e: e.column):
                c.add(f"lists.{name}[{i}]", term_node, f"term {term!r} does not parse: {exc}")
            for found in query_warnings(term):
                c.warn(f"lists.{name}[{i}]", term_node, f"list @{name}, term {term!r}: {found.message}")
    return lists


_FEED_KEYS = {"url", "name", "interval", "headers", "auth"}


def check_feeds(c: Checker, node: yaml.Node, settings: Settings) -> tuple[Feed, ...]:
    if not isinstance(node, yaml.SequenceNode):
        c.add("feeds", node, "must be a list of feeds (each with url: and name:)")
        return ()
    feeds: list[Feed] = []
    seen: set[str] = set()
    for i, feed_node in enumerate(node.value):
        path = f"feeds[{i}]"
        items = c.mapping(feed_node, path)
        if items is None:
            continue
        c.unknown_keys(items, _FEED_KEYS, path)
        if "url" not in items:
            c.add(path, feed_node, "missing url:")
            continue
        url = c.string(items["url"][1], f"{path}.url")
        if url is None:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            c.add(f"{path}.url", items["url"][1], f"{url!r} is not an http(s) URL")
            continue
        if url in seen:
            c.add(f"{path}.url", items["url"][1], f"feed {url} is listed twice")
            continue
        seen.add(url)
        name = c.string(items["name"][1], f"{path}.name") if "name" in items else None
        interval = settings.poll_interval
        if "interval" in items:
            interval = c.convert(items["interval"][1], f"{path}.interval", values.positive_duration) or interval
        access = check_access(items, path, c.add)
        feeds.append(Feed(url=url, name=name or parts.netloc, interval=interval, access=access))
    return tuple(feeds)


_RULE_KEYS = {
    "id", "category", "description", "query", "exclude", "severity", "channel", "enabled", "semantic", "feeds"
}
_RULE_SEMANTIC_KEYS = {"category", "min", "veto_below"}


def _check_rule_semantic(c: Checker, node: yaml.Node, path: str) -> RuleSemantic | None:
    items = c.mapping(node, path)
    if items is None:
        return None
    c.unknown_keys(items, _RULE_SEMANTIC_KEYS, path)
    category = c.string(items["category"][1], f"{path}.category") if "category" in items else None
    if category is not None and not SLUG.match(category):
        c.add(f"{path}.category", items["category"][1], f"{category!r}: {SLUG_HINT}")
        category = None
    minimum = c.convert(items["min"][1], f"{path}.min", values.score) if "min" in items else None
    veto = c.convert(items["veto_below"][1], f"{path}.veto_below", values.score) if "veto_below" in items else None
    if minimum is None and veto is None and "min" not in items and "veto_below" not in items:
        c.add(path, node, "say what the score does: min: 0.6 (require it), veto_below: 0.1 (0 turns the veto off)")
        return None
    return RuleSemantic(category=category, min=minimum, veto_below=veto)


def _check_rule_feeds(
    c: Checker, node: yaml.Node, path: str, feeds: Sequence[Feed], rule_id: str | None
) -> tuple[str, ...] | None:
    """``feeds:`` of a rule: feed names or URL globs; one that names no configured feed is a warning."""
    if isinstance(node, yaml.ScalarNode):
        nodes = [node]
    elif isinstance(node, yaml.SequenceNode) and node.value:
        nodes = list(node.value)
    else:
        c.add(path, node, "must be a feed name or URL glob, or a list of them (feeds: [ZDNet, 'https://*.gov/*'])")
        return None
    patterns: list[str] = []
    for i, item in enumerate(nodes):
        pattern = c.string(item, f"{path}[{i}]")
        if pattern is None:
            continue
        patterns.append(pattern)
        if not any(feed_matches(pattern, f.name, f.url) for f in feeds):
            names = ", ".join(f.name for f in feeds[:5]) + (", ..." if len(feeds) > 5 else "")
            c.warn(
                f"{path}[{i}]",
                item,
                f"rule {rule_id!r} feeds: {pattern!r} is the name of no feed under feeds: and matches none of "
                "their URLs, so the rule "
                f"never sees a story from it; write a feed's name as under feeds: ({names or 'none yet'}) "
                "or a URL pattern with * ('https://*.example.org/*')",
            )
    return tuple(patterns) if len(patterns) == len(nodes) else None


def _check_rule(
    c: Checker, node: yaml.Node, path: str, lists: Mapping[str, tuple[str, ...]], feeds: Sequence[Feed] = ()
) -> Rule | None:
    items = c.mapping(node, path)
    if items is None:
        return None
    c.unknown_keys(items, _RULE_KEYS, path)
    for required in ("id", "category", "query"):
        if required not in items:
            c.add(path, node, f"missing {required}:")
    if any(r not in items for r in ("id", "category", "query")):
        return None
    found: dict[str, Any] = {}
    compiled: Query | None = None
    for key in ("id", "category", "description", "query", "exclude"):
        if key in items:
            found[key] = c.string(items[key][1], f"{path}.{key}")
    rule_id, category = found.get("id"), found.get("category")
    if rule_id is not None and not SLUG.match(rule_id):
        c.add(f"{path}.id", items["id"][1], f"{rule_id!r}: use lower-case letters, digits, - and _")
    if category is not None and not SLUG.match(category):
        c.add(f"{path}.category", items["category"][1], f"{category!r}: {SLUG_HINT}")
    for key in ("query", "exclude"):
        text = found.get(key)
        if text is None:
            continue
        query, errors = check_query(text, lists)
        for exc in sorted(errors, key=lambda e: e.column):
            c.add(f"{path}.{key}", items[key][1], f"rule {rule_id!r}: {key} does not parse at {exc}")
        for finding in query_warnings(text):
            where = f"rule {rule_id!r} {key}, column {finding.column}"
            c.warn(f"{path}.{key}", items[key][1], f"{where}: {finding.message}")
        if query is None:
            found[key] = None
        elif key == "query":
            compiled = query
    if "severity" in items:
        severity = c.scalar(items["severity"][1], f"{path}.severity")
        if severity not in SEVERITIES:
            c.add(f"{path}.severity", items["severity"][1], f"{severity!r}: use one of {', '.join(SEVERITIES)}")
        else:
            found["severity"] = severity
    if "channel" in items:
        found["channel"] = c.convert(items["channel"][1], f"{path}.channel", values.channel)
    if "enabled" in items:
        found["enabled"] = c.convert(items["enabled"][1], f"{path}.enabled", values.boolean)
    if "semantic" in items:
        found["semantic"] = _check_rule_semantic(c, items["semantic"][1], f"{path}.semantic")
    if "feeds" in items:
        found["feeds"] = _check_rule_feeds(c, items["feeds"][1], f"{path}.feeds", feeds, rule_id)
    if compiled is not None and found.get("enabled", True) is not False and matches_without_terms(compiled):
        c.add(
            f"{path}.query",
            items["query"][1],
            f"rule {rule_id!r}: query {found['query']!r} matches a story that contains none of its words "
            "(NOT only says what must be absent), so it would alert on nearly every story; give it a "
            "word the story must contain, as in 'spyware AND NOT Pegasus', and put what must be absent "
            "in exclude: if you like",
        )
    if any(found.get(k) is None for k in ("id", "category", "query")):
        return None
    return Rule(**{k: v for k, v in found.items() if v is not None})


def check_rules(
    c: Checker, node: yaml.Node, lists: Mapping[str, tuple[str, ...]], feeds: Sequence[Feed] = ()
) -> tuple[Rule, ...]:
    if not isinstance(node, yaml.SequenceNode):
        c.add("rules", node, "must be a list of rules (each with id:, category: and query:)")
        return ()
    rules: list[Rule] = []
    first_line: dict[str, int] = {}
    for i, rule_node in enumerate(node.value):
        rule = _check_rule(c, rule_node, f"rules[{i}]", lists, feeds)
        if rule is None:
            continue
        if rule.id in first_line:
            c.add(
                f"rules[{i}].id", rule_node, f"duplicate rule id {rule.id!r} (first used on line {first_line[rule.id]})"
            )
            continue
        first_line[rule.id] = line_of(rule_node)
        rules.append(rule)
    return tuple(rules)
