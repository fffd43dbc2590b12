"""People's labels in the training set: a verdict given with the feedback buttons replaces
the shipped example on the same story (same headline) and weighs ``PERSON_WEIGHT`` per person.

Holds the labels every model built from now on trains with (``use_feedback``); it trains
nothing itself (``bot.semantic.model`` does) and reads no database (``bot.semantic.learn`` is
handed the examples by the flow).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from bot.core.labelled import Labelled

PERSON_WEIGHT = 1.0  # each person's verdict counts as much as one shipped example ...
_FEEDBACK: tuple[tuple[Labelled, float], ...] = ()  # people's labels, with their weight
_LOCK = threading.Lock()


def _same(title: str) -> str:
    return " ".join(title.casefold().split())


def with_feedback(
    shipped: Sequence[Labelled], feedback: Sequence[tuple[Labelled, float]]
) -> tuple[list[Labelled], list[float]]:
    """The training set: the shipped examples, except those on a story people labelled (same
    headline), then people's labels with their weights. ... and replaces the shipped one."""
    judged = {_same(item.title) for item, _ in feedback}
    kept = [e for e in shipped if _same(e.title) not in judged]
    return kept + [item for item, _ in feedback], [1.0] * len(kept) + [w for _, w in feedback]


def use_feedback(feedback: Sequence[tuple[Labelled, float]]) -> None:
    """Train every model built from now on with these labelled stories (see ``with_feedback``)."""
    global _FEEDBACK
    with _LOCK:
        _FEEDBACK = tuple(feedback)


def current_feedback() -> tuple[tuple[Labelled, float], ...]:
    """The labels ``use_feedback`` last set (empty at start)."""
    with _LOCK:
        return _FEEDBACK
