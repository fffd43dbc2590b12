"""What a delivery attempt returns, and the protocol every notifier (Slack API, webhook, console,
digest and notice senders) follows. Pure records: no Slack, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.models import Alert
from bot.notify.message import SlackMessage


@dataclass(frozen=True)
class DeliveryResult:
    """How one attempt went. ``permanent`` failures need a person (see ``remedy``); the others
    may be retried, after ``retry_after`` seconds when Slack asked for that."""

    ok: bool
    ts: str | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None
    remedy: str | None = None
    channel_id: str | None = None
    detail: str | None = None


class Notifier(Protocol):
    name: str

    def send(self, alert: Alert, message: SlackMessage) -> DeliveryResult: ...
