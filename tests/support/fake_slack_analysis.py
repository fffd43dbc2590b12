"""What a posted message would do once Slack renders it (contract §6), for the fake's log.

``analyse_message`` reads the message arguments (text, blocks, attachments, parse, link_names)
and reports broadcast mentions, user and user-group mentions, links, bare @-words that notify
nobody, and ampersands that are not part of ``&amp;``/``&lt;``/``&gt;``. Each finding says where
it was found (``text`` or a JSON pointer). It never rejects anything: Slack posts such messages.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"<([^<>]*)>")
_BARE_AT = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.\-]*)")
_LOOSE_AMP = re.compile(r"&(?!amp;|lt;|gt;)")
_BROADCASTS = {"here": "here", "channel": "channel", "everyone": "everyone", "group": "channel"}
_ATTACHMENT_TEXT_KEYS = ("pretext", "text", "footer")


def empty_analysis() -> dict[str, Any]:
    return {
        "broadcast_mention": False,
        "broadcast_mentions": [],
        "user_mentions": [],
        "usergroup_mentions": [],
        "links": [],
        "channel_links": [],
        "bare_at_words": [],
        "unescaped_ampersand": [],
    }


def _truthy(value: object) -> bool:
    return value is True or value == 1 or str(value).lower() in ("1", "true")


class _Scanner:
    def __init__(self, link_names: bool, parse_full: bool) -> None:
        self.out = empty_analysis()
        self.link_names = link_names
        self.parse_full = parse_full

    def markup(self, text: str, where: str, *, top_level: bool = False, amp: bool = True) -> None:
        """Text where Slack parses markup: top-level text, mrkdwn objects, attachments."""
        controls = not (top_level and self.parse_full)
        rest = text
        if controls:
            for found in _CONTROL.finditer(text):
                self._control(found.group(1), where)
            rest = _CONTROL.sub(lambda m: " " * len(m.group(0)), text)
        how = "parse_full" if self.parse_full and top_level else "link_names"
        bare_links = top_level and (self.parse_full or self.link_names)
        self.bare_words(rest, where, broadcast_how=how if bare_links else None)
        if amp:
            for found in _LOOSE_AMP.finditer(text):
                self.out["unescaped_ampersand"].append({"where": where, "offset": found.start()})

    def bare_words(self, text: str, where: str, broadcast_how: str | None = None) -> None:
        for found in _BARE_AT.finditer(text):
            word = found.group(1)
            if broadcast_how and word.lower() in ("here", "channel", "everyone"):
                self._broadcast(word.lower(), where, broadcast_how)
            else:
                self.out["bare_at_words"].append({"word": "@" + word, "where": where})

    def _control(self, inner: str, where: str) -> None:
        target, _, label = inner.partition("|")
        if target.startswith("!"):
            name, _, arg = target[1:].partition("^")
            if name in _BROADCASTS:
                self._broadcast(_BROADCASTS[name], where, "control_sequence")
            elif name == "subteam":
                self.out["usergroup_mentions"].append({"id": arg, "where": where})
        elif target.startswith("@"):
            self.out["user_mentions"].append({"id": target[1:], "where": where})
        elif target.startswith("#"):
            self.out["channel_links"].append({"id": target[1:], "where": where})
        elif target:
            self.out["links"].append({"url": target, "label": label or None, "where": where})

    def _broadcast(self, range_: str, where: str, how: str) -> None:
        self.out["broadcast_mention"] = True
        self.out["broadcast_mentions"].append({"range": range_, "where": where, "how": how})

    def walk(self, node: object, ptr: str) -> None:
        """Every text-bearing object in a block tree."""
        if isinstance(node, list):
            for i, item in enumerate(node):
                self.walk(item, f"{ptr}/{i}")
            return
        if not isinstance(node, dict):
            return
        kind, text = node.get("type"), node.get("text")
        if kind == "mrkdwn" and isinstance(text, str):
            self.markup(text, ptr)
        elif kind == "plain_text" and isinstance(text, str):
            self.bare_words(text, ptr)
        elif kind == "markdown" and isinstance(text, str):
            self.markup(text, f"{ptr}/text", amp=False)
        elif kind in ("broadcast", "user", "usergroup", "link", "channel"):
            self._rich(node, ptr)
        for key, value in node.items():
            if isinstance(value, list | dict):
                self.walk(value, f"{ptr}/{key}")

    def _rich(self, node: dict[str, Any], ptr: str) -> None:
        kind = node.get("type")
        if kind == "broadcast" and isinstance(node.get("range"), str):
            self._broadcast(node["range"], ptr, "rich_text_element")
        elif kind == "user":
            self.out["user_mentions"].append({"id": node.get("user_id"), "where": ptr})
        elif kind == "usergroup":
            self.out["usergroup_mentions"].append({"id": node.get("usergroup_id"), "where": ptr})
        elif kind == "channel":
            self.out["channel_links"].append({"id": node.get("channel_id"), "where": ptr})
        elif kind == "link":
            label = node.get("text")
            self.out["links"].append({"url": node.get("url"), "label": label, "where": ptr})


def analyse_message(args: dict[str, Any]) -> dict[str, Any]:
    """Mentions, links, bare @-words and loose ampersands in one message's arguments."""
    scanner = _Scanner(_truthy(args.get("link_names")), args.get("parse") == "full")
    text = args.get("text")
    if isinstance(text, str):
        scanner.markup(text, "text", top_level=True)
    blocks = args.get("blocks")
    if isinstance(blocks, list):
        scanner.walk(blocks, "/blocks")
    attachments = args.get("attachments")
    if isinstance(attachments, list):
        for i, attachment in enumerate(attachments):
            if not isinstance(attachment, dict):
                continue
            ptr = f"/attachments/{i}"
            for key in _ATTACHMENT_TEXT_KEYS:
                if isinstance(attachment.get(key), str):
                    scanner.markup(attachment[key], f"{ptr}/{key}", top_level=True)
            for j, field in enumerate(attachment.get("fields") or []):
                if isinstance(field, dict) and isinstance(field.get("value"), str):
                    scanner.markup(field["value"], f"{ptr}/fields/{j}/value")
            if isinstance(attachment.get("blocks"), list):
                scanner.walk(attachment["blocks"], f"{ptr}/blocks")
    return scanner.out
