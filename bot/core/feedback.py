"""Feedback from the people reading the alerts: the verdicts a click can carry and the record
of one click as it crosses from ``notify`` (Slack) through ``flow`` into ``store``.

A verdict is ``relevant``, ``not_relevant``, ``category`` (the story belongs to another
category, named in ``category``) or ``mute`` (no more thread notes or updates for the story;
not a judgement of relevance). Pure records, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

RELEVANT = "relevant"
NOT_RELEVANT = "not_relevant"
CATEGORY = "category"
MUTE = "mute"
VERDICTS: tuple[str, ...] = (RELEVANT, NOT_RELEVANT, CATEGORY, MUTE)


@dataclass(frozen=True)
class Click:
    """One feedback click on an alert, as Slack reported it.

    ``alert_id`` is the outbox id the button carried; ``channel_id`` and ``message_ts`` say
    which message to update; ``action_ts`` (Slack's time of the click) makes a redelivered
    click the same click; ``blocks`` are the message's blocks as Slack showed them."""

    alert_id: int
    verdict: str
    user_id: str
    user_name: str
    action_ts: str
    channel_id: str | None = None
    message_ts: str | None = None
    category: str | None = None
    blocks: tuple[dict[str, object], ...] = ()
    message_text: str = ""


def verdict_text(verdict: str, category: str | None, user_id: str) -> str:
    """``marked not relevant by <@U…>`` (mrkdwn; ``user_id`` must be a Slack user ID)."""
    who = f"<@{user_id}>"
    if verdict == RELEVANT:
        return f"Marked relevant by {who}"
    if verdict == NOT_RELEVANT:
        return f"Marked not relevant by {who}"
    if verdict == CATEGORY:
        name = (category or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"Category corrected to *{name}* by {who}"
    return f"Muted by {who}: no more thread notes or updates for this story"


@dataclass(frozen=True)
class FeedbackExample:
    """A story as people labelled it in Slack: the ``eval`` / ``semantic.examples`` record
    (``id``, ``title``, ``summary``, ``labels``; empty labels mean "should not alert") plus how
    many people gave the winning label (``votes``), the rules that alerted, the link and when
    the last verdict came (ISO 8601, UTC)."""

    id: str
    title: str
    summary: str
    labels: tuple[str, ...]
    votes: int
    rules: tuple[str, ...] = ()
    link: str | None = None
    last_at: str = ""

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "summary": self.summary, "labels": list(self.labels),
                "votes": self.votes, "rules": list(self.rules), "link": self.link, "last_feedback": self.last_at}
