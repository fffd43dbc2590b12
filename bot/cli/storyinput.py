"""Where ``ethics-bot test`` gets its stories: a story JSON file, a feed file, a URL, or text on
stdin (first line the headline, the rest the summary). Story JSON has ``title`` and may have
``summary``, ``body``, ``link`` (or ``url``), ``source`` (a feed's name), ``feed_url``, ``author``
and ``tags``. Reads only; matches nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, TextIO

from bot.core.errors import BotError
from bot.core.models import Story
from bot.fetch.client import Fetcher, FetchLimits
from bot.parse.feed import parse_feed, to_plain_text


def _story_from_json(d: dict[str, Any], n: int) -> Story:
    tags = d.get("tags") or ()
    return Story(
        key=str(d.get("id", n)),
        feed_url=str(d.get("feed_url", "test")),
        source=str(d.get("source", "test")),
        title=to_plain_text(str(d.get("title", ""))),
        summary=to_plain_text(str(d.get("summary", ""))),
        link=d.get("link") or d.get("url"),
        body=to_plain_text(str(d.get("body", ""))),
        author=str(d.get("author") or ""),
        tags=(tags,) if isinstance(tags, str) else tuple(str(t) for t in tags if t),
    )


def stories_from_bytes(data: bytes, name: str) -> list[Story]:
    """Story JSON (an object, a list, or JSON lines) or else a feed document."""
    text = data.decode("utf-8", "replace").strip()
    if text.startswith(("{", "[")):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
            try:
                rows = [json.loads(line) for line in text.splitlines() if line.strip()]
                if all(isinstance(r, dict) and "title" in r for r in rows):
                    return [_story_from_json(r, i) for i, r in enumerate(rows)]
            except ValueError:
                pass
        if isinstance(parsed, dict) and "title" in parsed and "version" not in parsed:
            return [_story_from_json(parsed, 0)]
        if isinstance(parsed, list) and all(isinstance(r, dict) for r in parsed):
            return [_story_from_json(r, i) for i, r in enumerate(parsed)]
    return list(parse_feed(data, feed_url=name, source=name).stories)


def load_story(*, file: str | None, url: str | None, stdin: TextIO | None) -> list[Story]:
    if file:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise BotError(f"cannot read {file}: {exc}") from exc
        return stories_from_bytes(data, file)
    if url:

        async def get() -> bytes:
            async with Fetcher(FetchLimits(allow_private=True)) as fetcher:
                result = await fetcher.fetch(url)
            return result.body or b""

        return stories_from_bytes(asyncio.run(get()), url)
    if stdin is None:
        raise BotError("give a story with --file, --url or on standard input")
    text = stdin.read().strip()
    if not text:
        raise BotError("no story on standard input: type a headline, then the summary, then Ctrl-D")
    if text.startswith(("{", "[", "<")):
        return stories_from_bytes(text.encode(), "stdin")
    title, _, summary = text.partition("\n")
    return [Story(key="stdin", feed_url="stdin", source="stdin", title=title.strip(), summary=summary.strip())]
