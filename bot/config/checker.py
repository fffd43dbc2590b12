"""The walker over a composed YAML node tree that collects every problem with its path and line.

``Checker`` reads mappings, scalars and strings off PyYAML nodes and turns a converter's
``ValueError`` into a ``Problem`` located at the node's line, then carries on, so one pass reports
everything that is wrong; likely mistakes that are not errors go to ``warnings`` the same way.
It knows no section of rules.yaml (``sections`` and ``semantic`` do) and converts no values
itself (``values`` does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from difflib import get_close_matches
from typing import Any

import yaml

from bot.core.errors import Problem

Items = dict[str, tuple[yaml.Node, yaml.Node]]  # key → (key node, value node)


def is_null(node: yaml.Node) -> bool:
    """``key:`` with nothing after it (or ``~``, ``null``)."""
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class Checker:
    """Walks the composed YAML node tree, collecting problems with their lines."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # likely mistakes: reported, not refused (check --strict refuses)

    def add(self, path: str, node: yaml.Node | None, message: str) -> None:
        line = line_of(node) if node is not None else None
        self.problems.append(Problem(path, line, message))

    def warn(self, path: str, node: yaml.Node | None, message: str) -> None:
        line = line_of(node) if node is not None else None
        self.warnings.append(Problem(path, line, message))

    def mapping(self, node: yaml.Node, path: str) -> Items | None:
        if not isinstance(node, yaml.MappingNode):
            self.add(path, node, "must be a mapping of keys to values")
            return None
        out: Items = {}
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
