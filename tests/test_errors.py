"""The exception tree drawn in bot/core/errors.py's docstring is the tree in the code: every
class drawn exists under the parent drawn, and every exception class of the module is drawn
(a class drawn but never defined, or defined but not drawn, fails here)."""

from __future__ import annotations

import inspect
import re

from bot.core import errors

_NODE = re.compile(r"^(?P<indent>[\s│]*)(?:[├└]── )?(?P<name>[A-Z]\w+)\b")


def drawn_tree() -> dict[str, str | None]:
    """Class name -> parent name, read from the box drawing in the module docstring."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    doc = errors.__doc__ or ""
    for line in doc.splitlines():
        found = _NODE.match(line)
        if found is None or not ("──" in line or line.strip() == "BotError"):
            continue
        depth = len(found["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[found["name"]] = stack[-1][1] if stack else None
        stack.append((depth, found["name"]))
    return parents


def test_the_drawn_exception_tree_is_the_real_one() -> None:
    defined = {
        name: cls.__base__.__name__ if cls is not errors.BotError else None
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    }
    assert drawn_tree() == defined


def test_address_blocked_is_a_fetch_error_with_its_facts() -> None:
    refused = errors.AddressBlocked("metadata.example", "169.254.169.254", "link-local address", "m")
    assert isinstance(refused, errors.FetchError) and refused.kind == "blocked_address"
    assert (refused.host, refused.address, refused.reason) == (
        "metadata.example", "169.254.169.254", "link-local address"
    )
