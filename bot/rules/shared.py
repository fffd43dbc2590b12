"""Query nodes made once per rule set: an equal node made again is the earlier one.

A rule set names the same @lists many times (the shipped rules.yaml: 171 references to 23
lists), and the parser reads a list's items again at every reference. Without sharing, each
reference is a subtree of its own: ~11,800 nodes where ~3,400 differ, and the compiled program
(``bot.rules.program``) compiles each of them. ``Nodes`` gives back, for a node built like one
it has seen (same class, same words, scope and label, the very same children), that earlier
node, so every reference to a list in the same scope is one subtree; the program compiles each
distinct node once.

Sharing changes no verdict and no explanation: nodes are immutable, a clause's truth is kept in
the evaluation's ``Trace`` (keyed by node), and a node evaluated twice on one story has the same
truth both times. It does not parse anything or decide what is equal beyond construction.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TypeVar

from bot.rules.tree import Node

N = TypeVar("N", bound=Node)


class Nodes:
    """The nodes made so far, by class and constructor arguments (children by identity)."""

    def __init__(self) -> None:
        self._made: dict[tuple[object, ...], Node] = {}

    def __call__(self, node: N) -> N:
        key = (type(node), *(getattr(node, f.name) for f in fields(node)))  # type: ignore[arg-type]
        earlier = self._made.setdefault(key, node)
        assert isinstance(earlier, type(node))  # the key starts with the class
        return earlier

    def __len__(self) -> int:
        return len(self._made)
