"""Labelled stories, as ``eval`` and the semantic layer read them: JSON lines of
``{"id", "title", "summary", "labels": [slug, ...]}``; empty labels mean "should not alert"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import BotError


@dataclass(frozen=True)
class Labelled:
    id: str
    title: str
    summary: str
    labels: frozenset[str]


def read_labelled(path: str | Path) -> list[Labelled]:
    """Read a JSONL file of labelled stories; a bad line is an error naming its line number."""
    items = []
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise BotError(f"cannot read {path}: {exc}") from exc
    with fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                labels = d.get("labels") or ()
                if isinstance(labels, str) or not all(isinstance(x, str) for x in labels):
                    raise TypeError("labels must be a list of category slugs")
                items.append(
                    Labelled(str(d.get("id", n)), str(d.get("title", "")), str(d.get("summary", "")), frozenset(labels))
                )
            except (ValueError, TypeError, AttributeError) as exc:
                raise BotError(f"{path}:{n}: not a labelled story ({exc})") from exc
    return items
