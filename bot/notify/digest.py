"""Digest and notice messages: many stories (or many facts) in as few Slack messages as Block
Kit allows.

``build_digest`` lists each story of a channel's digest as one section: the headline linked to
the story, its source and time, each category with its severity, and the rules that fired. It
splits into several messages only where Slack's limits force it (50 blocks a message, 3,000
characters a text object, and about 12,000 characters of block text a message, contract §2.3
and §5), and says which alert went in which message so each can record that message's ``ts``.
``build_notice`` does the same for a list of plain-words lines (the ops channel's feed-health
messages). ``plain_text`` renders any of these for the console.

It does not send, store or decide what goes in a digest (``bot.flow.digests`` does).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.models import Alert
from bot.core.text import clean_text
from bot.notify.message import (
    SlackMessage,
    _link,
    categories,
    cut,
    escape_mrkdwn,
    safe_url,
    units,
    when,
)

_LINK = re.compile(r"<([^|>]+)\|([^>]*)>")
_BOLD = re.compile(r"\*([^*\n]+)\*")
MAX_BLOCKS = 50
MESSAGE_UNITS = 10_000  # under Slack's undocumented ~12,000 characters of block text a message
TEXT_UNITS = 2_900  # a text object holds 3,000


@dataclass(frozen=True)
class DigestPart:
    """One message of a digest and the alerts it lists."""

    message: SlackMessage
    alert_ids: tuple[int, ...]


def _inert(text: str) -> str:
    """Story text that cannot close our bold or open a code span (look-alike characters)."""
    return text.replace("*", "∗").replace("`", "'").replace("|", "¦")


def digest_entry(alert: Alert) -> str:
    """One story in mrkdwn: linked headline, then source · time · categories · rules."""
    story = alert.story
    headline = escape_mrkdwn(_inert(cut(clean_text(story.title).strip() or "(untitled)", 200)))
    url = safe_url(story.link)
    head = f"*{_link(url, headline)}*" if url and units(url) <= 1000 else f"*{headline}*"
    source = escape_mrkdwn(_inert(cut(clean_text(story.source).strip() or "unknown source", 80)))
    cats = ", ".join(f"*{escape_mrkdwn(cut(clean_text(sev), 20))}* {escape_mrkdwn(cut(clean_text(cat), 60))}"
                     for cat, sev in categories(alert.matches)[:4])
    rules = ", ".join(f"`{escape_mrkdwn(cut(clean_text(m.rule_id), 64)).replace('`', '')}`"
                      for m in alert.matches[:4])
    more = f" (+{len(alert.matches) - 4} more)" if len(alert.matches) > 4 else ""
    meta = " · ".join(p for p in (source, when(story.published), cats, f"rule {rules}{more}" if rules else "") if p)
    return cut(f"{head}\n{meta}", TEXT_UNITS)


def _split(entries: Sequence[str], overhead: int, room: int) -> list[list[int]]:
    """Indexes of ``entries`` per message: at most ``room`` blocks and MESSAGE_UNITS units each."""
    parts: list[list[int]] = [[]]
    used = overhead
    for i, entry in enumerate(entries):
        size = units(entry)
        if parts[-1] and (len(parts[-1]) >= room or used + size > MESSAGE_UNITS):
            parts.append([])
            used = overhead
        parts[-1].append(i)
        used += size
    return [p for p in parts if p]


def _frame(title: str, subtitle: str, index: int, count: int) -> list[dict[str, Any]]:
    label = title if count == 1 else f"{title} ({index} of {count})"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "block_id": "digest_title", "text": {"type": "plain_text", "text": cut(label, 150)}}
    ]
    if subtitle:
        blocks.append({"type": "context", "block_id": "digest_about",
                       "elements": [{"type": "mrkdwn", "text": escape_mrkdwn(cut(subtitle, 500))}]})
    return blocks


def _messages(title: str, subtitle: str, texts: Sequence[str]) -> list[tuple[SlackMessage, list[int]]]:
    overhead = units(title) + units(subtitle) + 40
    room = MAX_BLOCKS - 2
    groups = _split(texts, overhead, room)
    out = []
    for n, group in enumerate(groups, start=1):
        blocks = _frame(title, subtitle, n, len(groups))
        for j, i in enumerate(group):
            blocks.append({"type": "section", "block_id": f"item_{j}", "text": {"type": "mrkdwn", "text": texts[i]}})
        label = title if len(groups) == 1 else f"{title} ({n} of {len(groups)})"
        out.append((SlackMessage(escape_mrkdwn(cut(label, 300)), tuple(blocks)), group))
    return out


def build_digest(alerts: Sequence[Alert], title: str, subtitle: str = "") -> list[DigestPart]:
    """The digest of ``alerts`` (in the order given): one message, or more only when needed."""
    texts = [digest_entry(a) for a in alerts]
    return [DigestPart(message, tuple(alerts[i].id for i in group))
            for message, group in _messages(title, subtitle, texts)]


def build_notice(title: str, lines: Sequence[str], subtitle: str = "") -> list[SlackMessage]:
    """A notice of plain-words ``lines`` (escaped here), split like a digest when it must be."""
    texts = [cut(escape_mrkdwn(clean_text(line)), TEXT_UNITS) for line in lines]
    return [message for message, _ in _messages(title, subtitle, texts)]


def plain_text(message: SlackMessage) -> str:
    """A digest or notice for the console: its header, context and sections as text lines."""
    lines = []
    for block in message.blocks:
        if block.get("type") == "context":
            lines += [str(e.get("text", "")) for e in block.get("elements", [])]
        elif isinstance(block.get("text"), dict):
            lines.append(str(block["text"].get("text", "")))
    text = _LINK.sub(lambda m: f"{m.group(2)} <{m.group(1)}>", "\n".join(lines))
    text = _BOLD.sub(r"\1", text).replace("`", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
