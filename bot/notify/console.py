"""Alerts printed as readable plain text: the notifier used when no Slack is configured (``make
run`` on a fresh machine prints its alerts here). One message per alert, digest or notice;
all story text is cleaned of invisible characters. It never talks to Slack."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.core.models import Alert
from bot.core.text import clean_text
from bot.notify.digest import plain_text
from bot.notify.message import NOTE_KINDS, SlackMessage, categories, note_lead, safe_url, snippet, when
from bot.notify.result import DeliveryResult


class ConsoleNotifier:
    """Prints each alert as readable plain text (the default when Slack is not configured)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, alert: Alert, message: SlackMessage) -> DeliveryResult:
        story = alert.story
        headline = clean_text(story.title) or "(untitled)"
        source = clean_text(story.source) or "unknown source"
        url = safe_url(story.link)
        if alert.kind in ("digest", "notice"):  # many stories or facts in one message
            lines = ["─" * 72, f"→ {clean_text(alert.channel)}", plain_text(message)]
        elif alert.kind in NOTE_KINDS:
            lead = note_lead(alert.kind, source)
            lines = [f"  ↳ {lead}: {headline}"] + ([f"    {url}"] if url else [])
        else:
            cats = categories(alert.matches)
            top = f"[{cats[0][1].upper()}] " if cats else ""
            lines = [
                "─" * 72,
                f"{top}{', '.join(clean_text(c, trim=False) for c, _ in cats)} → "
                f"{clean_text(alert.channel, trim=False)}",
                headline,
                f"{source} · {when(story.published)}",
            ]
            excerpt = snippet(alert, mrkdwn=False)
            lines += [excerpt] if excerpt else []
            for match in alert.matches:
                terms = ", ".join(clean_text(t, trim=False) for t in match.terms)
                about = f" ({clean_text(match.description, trim=False)})" if match.description else ""
                lines.append(f"Why: {clean_text(match.rule_id, trim=False)}{about}: {terms}")
                lines += [f"     {clean_text(note, trim=False)}" for note in match.note.splitlines()]  # semantic layer
            lines += [f"Read: {url}"] if url else []
        stream = self._stream or sys.stdout
        try:
            stream.write("\n".join(lines) + "\n")
            stream.flush()
        except OSError:
            return DeliveryResult(False, error="console_error", detail="stdout is not writable")
        return DeliveryResult(True)
