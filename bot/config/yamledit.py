"""Add feeds to rules.yaml without disturbing anything else in it.

The new entries are spliced into the text at the end of the ``feeds:`` list, located with the
YAML parser's marks, and written in the list's own indentation; every other byte of the file
(comments, blank lines, quoting, the wrapping of long flow lists) stays as it was. The result
is parsed again and must hold exactly the old feeds followed by the new ones, or nothing is
changed. (A load-and-dump round trip, even with a comment-keeping library such as
ruamel.yaml, re-flows the multi-line ``[...]`` lists the shipped rules.yaml is full of.)

It does not decide which feeds to add (``bot.cli.opml`` does) nor validate the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from bot.core.errors import BotError

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class NewFeed:
    url: str
    name: str
    comment: str = ""  # written after the url, e.g. the reader's folder


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when that reads back the same, quoted otherwise."""
    text: str = yaml.safe_dump({"k": value}, width=10**6, allow_unicode=True, default_flow_style=False)
    return text[3:].rstrip("\n")


def _comment(text: str) -> str:
    clean = " ".join(text.split())
    return f"  # {clean}" if clean else ""


def _entry(feed: NewFeed, dash: int, key: int) -> str:
    return (f"{' ' * dash}-{' ' * (key - dash - 1)}url: {_scalar(feed.url)}{_comment(feed.comment)}\n"
            f"{' ' * key}name: {_scalar(feed.name)}\n")


def _content_end(node: yaml.Node) -> yaml.Mark:
    """Where a node's own text ends (a block collection: where its last value ends)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    return node.end_mark


def _line_end(text: str, index: int) -> int:
    """The offset just after the line containing ``index`` (a newline is added when missing)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _splice(text: str, feeds: Sequence[NewFeed]) -> str:
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # its marks count characters; libyaml's may not
    if not isinstance(root, yaml.MappingNode):
        raise BotError("rules.yaml is not a mapping of sections; fix it first (ethics-bot check)")
    found = [(k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "feeds"]
    if not found:
        body = "".join(_entry(f, 2, 4) for f in feeds)
        return text + ("" if text.endswith("\n") or not text else "\n") + "feeds:\n" + body
    key, value = found[-1]
    if isinstance(value, yaml.SequenceNode) and value.value and not value.flow_style:
        first = value.value[0]
        line_start = text.rfind("\n", 0, first.start_mark.index) + 1
        dash = text.index("-", line_start) - line_start
        key_col = first.start_mark.column if isinstance(first, yaml.MappingNode) and not first.flow_style else dash + 2
        end = _content_end(value)
        at = end.index if end.column == 0 and end.index > 0 else _line_end(text, end.index)
        prefix = text[:at] if text[:at].endswith("\n") else text[:at] + "\n"
        return prefix + "".join(_entry(f, dash, key_col) for f in feeds) + text[at:]
    if isinstance(value, yaml.SequenceNode) and value.flow_style:  # feeds: [...]
        close = text.rindex("]", 0, value.end_mark.index)
        items = ", ".join(f"{{url: {_scalar(f.url)}, name: {_scalar(f.name)}}}" for f in feeds)
        sep = ", " if value.value else ""
        return text[:close] + sep + items + text[close:]
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null"):  # feeds: (nothing) or ~
        head = text[: value.start_mark.index] + text[value.end_mark.index:]
        at = _line_end(head, key.end_mark.index)
        prefix = head[:at] if head[:at].endswith("\n") else head[:at] + "\n"
        indent = key.start_mark.column + 2
        return prefix + "".join(_entry(f, indent, indent + 2) for f in feeds) + head[at:]
    raise BotError("feeds: in rules.yaml is not a list; fix it first (ethics-bot check)")


def _feed_urls(text: str) -> list[str]:
    data = yaml.load(text, Loader=_LOADER)
    feeds = (data or {}).get("feeds") if isinstance(data, dict) else None
    return [str(f.get("url")) for f in feeds or [] if isinstance(f, dict)]


def add_feeds(text: str, feeds: Sequence[NewFeed]) -> str:
    """``text`` with ``feeds`` appended to its feeds: list, everything else untouched.
    Raises BotError when the file cannot be edited that way."""
    if not feeds:
        return text
    try:
        before = _feed_urls(text)
        after_text = _splice(text, feeds)
        after = _feed_urls(after_text)
    except yaml.YAMLError as exc:
        raise BotError(f"rules.yaml is not valid YAML; fix it first (ethics-bot check): {exc}") from exc
    if after != before + [f.url for f in feeds]:
        raise BotError("could not add the feeds without disturbing rules.yaml; add them by hand under feeds:")
    return after_text
