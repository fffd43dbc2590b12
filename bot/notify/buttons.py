"""The feedback buttons on an alert and the clicks that come back (Socket Mode, pure Block Kit).

A new alert gets one more ``actions`` block, ``block_id`` ``feedback:<alert id>``, holding:

=========================  ===============  =============================================
``action_id``              element          ``value`` / selected option
=========================  ===============  =============================================
``feedback_relevant``      button           the alert id
``feedback_not_relevant``  button           the alert id
``feedback_mute``          button           the alert id
``feedback_category``      static_select    an option per category; its value is the slug
=========================  ===============  =============================================

``parse_clicks`` turns a ``block_actions`` payload (contract §8) into ``Click`` records,
ignoring actions that are not ours (``read_story``, the link button). ``with_verdict`` puts the
verdict line (a context block, ``block_id`` ``verdict``) above the buttons of the message as
Slack showed it, for chat.update; the buttons stay, so a person can change their mind.

It sends nothing (``bot.notify.socket`` does) and stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.core.feedback import CATEGORY, MUTE, NOT_RELEVANT, RELEVANT, Click
from bot.core.models import Alert
from bot.core.text import clean_text
from bot.notify.message import SlackMessage, cut

BLOCK_PREFIX = "feedback:"
VERDICT_BLOCK = "verdict"
ACTIONS: Mapping[str, str] = {
    "feedback_relevant": RELEVANT,
    "feedback_not_relevant": NOT_RELEVANT,
    "feedback_mute": MUTE,
    "feedback_category": CATEGORY,
}
_LABELS = {"feedback_relevant": "Relevant", "feedback_not_relevant": "Not relevant",
           "feedback_mute": "Mute this story"}
_STYLES = {"feedback_relevant": "primary", "feedback_not_relevant": "danger"}
_USER = re.compile(r"[UW][A-Z0-9]{2,30}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_OPTIONS = 100  # a static_select holds at most 100 options


def feedback_block(alert: Alert, categories: Iterable[str]) -> dict[str, Any]:
    """The actions block of feedback buttons for ``alert`` (see the table above)."""
    value = str(alert.id)
    elements: list[dict[str, Any]] = []
    for action_id, label in _LABELS.items():
        button: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value,
                                  "text": {"type": "plain_text", "text": label}}
        if action_id in _STYLES:
            button["style"] = _STYLES[action_id]
        elements.append(button)
    names = sorted({c for c in categories if _SLUG.fullmatch(c)} | {m.category for m in alert.matches
                                                                     if _SLUG.fullmatch(m.category)})
    if names:
        options = [{"text": {"type": "plain_text", "text": cut(clean_text(c), 75)}, "value": c}
                   for c in names[:MAX_OPTIONS]]
        elements.append({"type": "static_select", "action_id": "feedback_category",
                         "placeholder": {"type": "plain_text", "text": "Correct the category"},
                         "options": options})
    return {"type": "actions", "block_id": f"{BLOCK_PREFIX}{alert.id}", "elements": elements}


def with_buttons(message: SlackMessage, alert: Alert, categories: Iterable[str]) -> SlackMessage:
    """``message`` with the feedback buttons, for a ``new`` alert; other kinds unchanged."""
    if alert.kind != "new" or alert.id <= 0:
        return message
    return SlackMessage(message.text, (*message.blocks, feedback_block(alert, categories)))


def _alert_id(action: Mapping[str, Any]) -> int | None:
    for candidate in (action.get("value"), str(action.get("block_id") or "").removeprefix(BLOCK_PREFIX)):
        if isinstance(candidate, str) and candidate.isdigit():
            return int(candidate)
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_clicks(payload: Mapping[str, Any]) -> list[Click]:
    """Our clicks in a ``block_actions`` payload; [] for anything else."""
    if not isinstance(payload, Mapping) or payload.get("type") != "block_actions":
        return []
    user = _mapping(payload.get("user"))
    user_id = str(user.get("id") or "")
    if not _USER.fullmatch(user_id):
        return []
    name = str(user.get("username") or user.get("name") or user_id)[:80]
    container = _mapping(payload.get("container"))
    channel = _mapping(payload.get("channel"))
    message = _mapping(payload.get("message"))
    channel_id = container.get("channel_id") or channel.get("id")
    message_ts = container.get("message_ts") or message.get("ts")
    blocks = message.get("blocks")
    shown = tuple(b for b in blocks if isinstance(b, dict)) if isinstance(blocks, list) else ()
    out = []
    for action in payload.get("actions") or ():
        if not isinstance(action, Mapping) or action.get("action_id") not in ACTIONS:
            continue
        alert_id = _alert_id(action)
        verdict = ACTIONS[str(action["action_id"])]
        category = None
        if verdict == CATEGORY:
            selected = action.get("selected_option")
            category = str(selected.get("value") or "") if isinstance(selected, Mapping) else ""
            if not _SLUG.fullmatch(category):
                continue
        if alert_id is None:
            continue
        out.append(Click(alert_id=alert_id, verdict=verdict, user_id=user_id, user_name=name,
                         action_ts=str(action.get("action_ts") or ""), category=category,
                         channel_id=str(channel_id) if channel_id else None,
                         message_ts=str(message_ts) if message_ts else None, blocks=shown,
                         message_text=str(message.get("text") or "")))
    return out


def with_verdict(blocks: Sequence[Mapping[str, Any]], text: str) -> list[dict[str, Any]]:
    """The message's blocks with ``text`` (mrkdwn) as the verdict line above the buttons,
    replacing an earlier verdict line."""
    out = [dict(b) for b in blocks if b.get("block_id") != VERDICT_BLOCK]
    line = {"type": "context", "block_id": VERDICT_BLOCK,
            "elements": [{"type": "mrkdwn", "text": cut(text, 2900)}]}
    at = next((i for i, b in enumerate(out) if str(b.get("block_id", "")).startswith(BLOCK_PREFIX)), len(out))
    out.insert(at, line)
    return out
