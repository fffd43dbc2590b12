"""The Slack message for an alert: Block Kit blocks and a notification ``text`` fallback.

``build_message`` lays out a ``new`` alert as a header (the headline), a context line (source,
UTC time, categories with severity, highest first), a snippet of the story with the matched
terms in bold, the rules and words that fired (with the semantic layer's score, nearest labelled
example and vetoes when it took part), and a "Read the story" button; ``also`` and
``update`` alerts become one short line for the story's thread. Every piece of story text is
cleaned of invisible, bidi and control characters and escaped for mrkdwn (``escape_mrkdwn``),
so a story can never mention ``@channel`` or a user, or forge a link; and every block stays
inside Slack's limits (contract §5) whatever the input, measuring length in UTF-16 units so
emoji keep a margin.

It does not send anything (``bot.notify.slack`` does), nor decide which channel or thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.core.models import SEVERITIES, Alert, Match
from bot.core.text import INVISIBLE, clean_text

SNIPPET_UNITS = 2900  # a text object holds 3000 characters
SECTION_UNITS = 2900
HEADER_UNITS = 150


@dataclass(frozen=True)
class SlackMessage:
    """What we post: the notification ``text`` and the Block Kit ``blocks``."""

    text: str
    blocks: tuple[dict[str, Any], ...]


def escape_mrkdwn(text: str) -> str:
    """Escape Slack's three control characters ``& < >``, and only those (contract §6)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def units(text: str) -> int:
    """Length in UTF-16 code units: never less than Slack's count of characters."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-16 units, ending in an ellipsis when shortened."""
    if units(text) <= limit:
        return text
    out, used = [], 1
    for char in text:
        used += units(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip(" \u200d\ufe0f") + "…"


def _has_space(text: str) -> bool:
    return any(char.isspace() for char in text)


def safe_url(link: str | None) -> str | None:
    """The link when it is a plain http(s) URL that fits a button (≤ 3000), else None."""
    if not link or len(link) > 3000 or not INVISIBLE.isdisjoint(link) or _has_space(link):
        return None
    parts = urlsplit(link)
    return link if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _link(url: str, label: str) -> str:
    """A mrkdwn link to a ``safe_url``; ``label`` must already be escaped."""
    target = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{escape_mrkdwn(target)}|{label}>"


def categories(matches: tuple[Match, ...]) -> list[tuple[str, str]]:
    """(category, its highest severity) for every category, highest severity first."""
    def rank(severity: str) -> int:
        return SEVERITIES.index(severity) if severity in SEVERITIES else -1

    best: dict[str, str] = {}
    for match in matches:
        if match.category not in best or rank(match.severity) > rank(best[match.category]):
            best[match.category] = match.severity
    return sorted(best.items(), key=lambda item: -rank(item[1]))


def when(published: datetime | None) -> str:
    """A readable UTC time, e.g. ``21 Jun 2018, 14:05 UTC``."""
    if published is None:
        return "time unknown"
    moment = published if published.tzinfo else published.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def _spans(alert: Alert, field: str, text: str) -> list[tuple[int, int]]:
    """The hits' spans in one field, widened to whole words, merged, in order."""
    found = []
    for hit in (h for m in alert.matches for h in m.hits if h.span.field == field):
        start, end = hit.span.start, hit.span.end
        if not 0 <= start < end <= len(text) or text[start:end].casefold() != hit.text.casefold():
            start = text.casefold().find(hit.text.casefold()) if hit.text else -1  # stale span
            end = start + len(hit.text)
        if start < 0:
            continue
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
        found.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _plain(piece: str, mrkdwn: bool) -> str:
    """Unbolded story text; ``*`` and backticks swapped for look-alikes so they cannot pair
    with our bold markers or swallow them in a code span."""
    piece = clean_text(piece, trim=False).replace("*", "∗").replace("`", "'")
    return escape_mrkdwn(piece) if mrkdwn else piece


def _gap(piece: str, after_bold: bool, before_bold: bool) -> str:
    """Plain text between bold runs, with the word boundaries Slack needs around ``*``."""
    if after_bold and (not piece or piece[0].isalnum() or piece[0] in "_~"):
        piece = " " + piece[1:] if piece[:1] in ("_", "~") else " " + piece
    if before_bold and piece and (piece[-1].isalnum() or piece[-1] in "_~"):
        piece = piece[:-1] + " " if piece[-1] in "_~" else piece + " "
    return piece


def _render(text: str, spans: list[tuple[int, int]], width: int, mrkdwn: bool) -> str:
    """A window of about ``width`` characters from a little before the first hit."""
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 4)
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    for s, e in spans:
        if s < end < e:
            end = e if e - start <= width * 2 else s
    pieces, pos, after_bold = ["…" if start > 0 else ""], start, False
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, pos), min(e, end)
        bold = _plain(text[s:e], mrkdwn).strip(" _~'")
        pieces.append(_gap(_plain(text[pos:s], mrkdwn), after_bold, bool(bold)))
        if bold:
            pieces.append(f"*{bold}*" if mrkdwn else f"**{bold}**")
        pos, after_bold = e, bool(bold)
    pieces.append(_gap(_plain(text[pos:end], mrkdwn), after_bold, False))
    if end < len(text):
        pieces.append("…")
    return "".join(pieces).strip()


def snippet(alert: Alert, mrkdwn: bool = True) -> str:
    """The summary (or, without one, the title) around the first hit, terms in bold.
    ``mrkdwn=False`` gives plain text with ``**term**`` for the console."""
    story = alert.story
    if clean_text(story.summary):
        field, text = "summary", story.summary
    else:
        field, text = "title", story.title
    spans = _spans(alert, field, text)
    width = 600
    while width >= 8:
        rendered = _render(text, spans, width, mrkdwn)
        if units(rendered) <= SNIPPET_UNITS:
            return rendered
        width //= 2
    return ""


def _within(parts: list[str], sep: str, limit: int) -> str:
    """``parts`` joined while they fit in ``limit`` units, then "…and N more"."""
    out: list[str] = []
    for i, part in enumerate(parts):
        if units(sep.join([*out, part])) > limit - 30:
            out.append(f"…and {len(parts) - i} more")
            break
        out.append(part)
    return sep.join(out)


def _why(matches: tuple[Match, ...]) -> str:
    """One mrkdwn line per rule: its id, description and the story words that fired."""
    lines = []
    for match in matches:
        rule = escape_mrkdwn(cut(clean_text(match.rule_id, trim=False), 64)).replace("`", "'")
        about = clean_text(match.description)
        about = f" ({escape_mrkdwn(cut(about, 120))})" if about else ""
        words = [_plain(cut(t, 40), True).strip(" _~'") for t in match.terms[:6]]
        shown = ", ".join(f"*{w}*" for w in words if w)
        lines.append(f"• `{rule}`{about}" + (f": {shown}" if shown else ""))
        for note in match.note.splitlines()[:4]:  # the semantic layer's score, example, vetoes
            text = clean_text(note)
            if text:
                lines.append(f"    _{_plain(cut(text, 400), True).strip(' _~')}_")
    return _within(lines, "\n", SECTION_UNITS - 10)


NOTE_KINDS = ("also", "followup", "update")


def note_lead(kind: str, source: str) -> str:
    """How a thread reply starts: another outlet's report, a later development, or an edit."""
    if kind == "also":
        return f"Also reported by {source}"
    if kind == "followup":
        return f"Follow-up from {source}"
    return "Updated"


def _note(alert: Alert, headline: str, source: str, url: str | None) -> SlackMessage:
    """The short thread reply for ``also``, ``followup`` and ``update`` alerts."""
    lead = note_lead(alert.kind, source)
    title = cut(headline, 300)
    label = escape_mrkdwn(title)
    body = f"{escape_mrkdwn(lead)}: {_link(url, label) if url else label}"
    block = {"type": "section", "block_id": "note", "text": {"type": "mrkdwn", "text": body}}
    return SlackMessage(escape_mrkdwn(f"{lead}: {title}"), (block,))


def build_message(alert: Alert) -> SlackMessage:
    """The Slack message for one alert (``new``, or a threaded ``also``/``followup``/``update`` note)."""
    story = alert.story
    headline = clean_text(story.title) or "(untitled)"
    source = cut(clean_text(story.source) or "unknown source", 100)
    url = safe_url(story.link)
    if alert.kind in NOTE_KINDS:
        return _note(alert, headline, source, url)
    cats = categories(alert.matches)
    meta = [escape_mrkdwn(source), when(story.published)]
    meta += [f"*{escape_mrkdwn(cut(clean_text(sev, trim=False), 20))}* "
             f"{escape_mrkdwn(cut(clean_text(cat, trim=False), 60))}" for cat, sev in cats]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "block_id": "headline",
         "text": {"type": "plain_text", "text": cut(headline, HEADER_UNITS)}},
        {"type": "context", "block_id": "meta",
         "elements": [{"type": "mrkdwn", "text": _within(meta, " · ", 1500)}]},
    ]
    text = snippet(alert)
    if text:
        blocks.append({"type": "section", "block_id": "snippet",
                       "text": {"type": "mrkdwn", "text": text}})
    why = _why(alert.matches)
    if why:
        blocks.append({"type": "section", "block_id": "rules",
                       "text": {"type": "mrkdwn", "text": f"*Why:*\n{why}"}})
    if url:
        button = {"type": "button", "action_id": "read_story", "url": url,
                  "text": {"type": "plain_text", "text": "Read the story"}}
        blocks.append({"type": "actions", "block_id": "actions", "elements": [button]})
    top = ""
    if cats:
        top = f"[{cut(clean_text(cats[0][1], trim=False), 20)}] "
        top += f"{cut(clean_text(', '.join(c for c, _ in cats[:3]), trim=False), 120)}: "
    fallback = escape_mrkdwn(f"{top}{cut(headline, 300)} — {source}")
    return SlackMessage(fallback, tuple(blocks))
