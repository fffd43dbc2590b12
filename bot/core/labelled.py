"""Labelled stories, as ``eval`` and the semantic layer read them: JSON lines of
``{"id", "title", "summary", "labels": [slug, ...]}``; empty labels mean "should not alert".

A line may also say where the story came from, for rules with ``feeds:`` or a ``source:``,
``author:``, ``url:`` or ``tag:`` scope: ``source`` (the feed's name), ``feed_url`` (the feed's
address), ``author``, ``url`` (the story's link; ``link`` is read too, as ``feedback export``
writes it) and ``tags`` (a list of the feed item's categories or tags)."""

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
    source: str = "eval"  # the feed's name
    feed_url: str = "eval"
    author: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()


def _text(d: dict[str, object], *keys: str, default: str = "") -> str:
    for key in keys:
        value = d.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise TypeError(f"{key} must be text")
            return value
    return default


def _tags(d: dict[str, object]) -> tuple[str, ...]:
    tags = d.get("tags") or ()
    if isinstance(tags, str) or not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise TypeError("tags must be a list of text")
    return tuple(tags)


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
                    Labelled(
                        str(d.get("id", n)),
                        str(d.get("title", "")),
                        str(d.get("summary", "")),
                        frozenset(labels),
                        source=_text(d, "source", default="eval"),
                        feed_url=_text(d, "feed_url", default="eval"),
                        author=_text(d, "author"),
                        url=_text(d, "url", "link"),
                        tags=_tags(d),
                    )
                )
            except (ValueError, TypeError, AttributeError) as exc:
                raise BotError(f"{path}:{n}: not a labelled story ({exc})") from exc
    return items
