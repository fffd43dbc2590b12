"""Slack interactivity over Socket Mode: the feedback buttons' clicks, acknowledged at once and
handed to the flow, and the message updated to show the verdict.

``make_feedback(env, notifier, categories)`` turns the feature on when ``SLACK_APP_TOKEN`` (an
app-level ``xapp-`` token) is set beside ``SLACK_BOT_TOKEN``: it returns a notifier that adds the
buttons to each new alert (``bot.notify.buttons``) and a ``SocketListener``. Without an app
token it returns the notifier unchanged and no listener: no buttons, nothing else changes.

``SocketListener`` runs slack-sdk's built-in ``SocketModeClient`` (no extra dependency) on its
own threads. ``apps.connections.open`` goes to ``SLACK_API_URL`` like every other Web API call,
so a test double can answer it with a ``ws://`` URL on loopback (the built-in client speaks
plain WebSocket to any port but 443). Every envelope is acknowledged with its ``envelope_id``
before anything else happens, well within Slack's 3 seconds; clicks then wait in a queue for
``take_clicks`` (the store is not thread-safe, so the flow drains the queue on its own loop).
The client reconnects on its own when Slack asks (``disconnect``) or the socket breaks; the
first connection is retried with backoff. Nothing here blocks polling or delivery: a broken
socket only delays feedback. The tokens never appear in a log line or a repr.

It decides nothing about what a click means (``bot.flow.feedback`` does).
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.feedback import Click
from bot.core.models import Alert
from bot.notify.buttons import parse_clicks, with_buttons, with_verdict
from bot.notify.slack import DeliveryResult, Notifier, SlackApiNotifier, SlackMessage, _api_base
from bot.observe.logs import event, get_logger

log = get_logger("socket")
_SDK_LOG = get_logger("socket.slack_sdk")
_SDK_LOG.setLevel(logging.CRITICAL)  # its lines name sessions and URLs; ours say what matters
FIRST_RETRY = 1.0
MAX_RETRY = 60.0


class FeedbackNotifier:
    """A notifier that adds the feedback buttons to every new alert, then sends as ``inner``."""

    def __init__(self, inner: Notifier, categories: Iterable[str]) -> None:
        self.inner = inner
        self.name = inner.name
        self.categories = tuple(categories)

    def __repr__(self) -> str:
        return f"FeedbackNotifier({self.inner!r})"

    def send(self, alert: Alert, message: SlackMessage) -> DeliveryResult:
        return self.inner.send(alert, with_buttons(message, alert, self.categories))


class SocketListener:
    """Receives Socket Mode envelopes; see the module docstring."""

    def __init__(self, app_token: str, bot_token: str, base_url: str, *, ping_interval: float = 5.0,
                 timeout: float = 15.0) -> None:
        from slack_sdk import WebClient

        self._app_token = app_token
        self._web = WebClient(token=bot_token, base_url=base_url, timeout=max(1, math.ceil(timeout)),
                              logger=_SDK_LOG)
        self._ping_interval = ping_interval
        self._clicks: queue.SimpleQueue[Click] = queue.SimpleQueue()
        self._client: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.acknowledged = 0

    def __repr__(self) -> str:
        return f"SocketListener(base_url={self._web.base_url!r})"

    def start(self) -> None:
        """Connect in the background (retrying with backoff until the first connection)."""
        from slack_sdk.socket_mode.builtin.client import SocketModeClient

        self._client = SocketModeClient(app_token=self._app_token, web_client=self._web, logger=_SDK_LOG,
                                        ping_interval=self._ping_interval, auto_reconnect_enabled=True)
        self._client.socket_mode_request_listeners.append(self._on_request)
        self._thread = threading.Thread(target=self._connect, name="socket-mode", daemon=True)
        self._thread.start()

    def _connect(self) -> None:
        delay = FIRST_RETRY
        while not self._stop.is_set():
            try:
                self._client.connect()
                event(log, "socket_mode_started")
                return
            except Exception as exc:  # the SDK raises SlackApiError, OSError and its own types
                event(log, "socket_mode_connect_failed", logging.WARNING, error=_describe(exc),
                      retry_in=round(delay, 1), action="alerts keep flowing; feedback waits")
            self._stop.wait(delay)
            delay = min(MAX_RETRY, delay * 2)

    @property
    def connected(self) -> bool:
        return bool(self._client is not None and self._client.is_connected())

    def _on_request(self, client: Any, request: Any) -> None:
        from slack_sdk.socket_mode.response import SocketModeResponse

        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))  # first
        self.acknowledged += 1
        if request.type != "interactive":
            return
        for click in parse_clicks(request.payload or {}):
            self._clicks.put(click)

    def take_clicks(self) -> list[Click]:
        """The clicks received since the last call, in arrival order."""
        out: list[Click] = []
        while True:
            try:
                out.append(self._clicks.get_nowait())
            except queue.Empty:
                return out

    def show_verdict(self, click: Click, text: str) -> str | None:
        """chat.update the clicked message with ``text`` as its verdict line. Returns None on
        success, else Slack's error code (e.g. ``message_not_found``). Blocking: run it in a
        worker thread."""
        from slack_sdk.errors import SlackApiError, SlackClientError

        if not (click.channel_id and click.message_ts and click.blocks):
            return "no_message"
        try:
            self._web.chat_update(channel=click.channel_id, ts=click.message_ts,
                                  text=click.message_text or text, blocks=with_verdict(click.blocks, text))
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            return str(data.get("error") or f"http_{exc.response.status_code}")
        except (OSError, SlackClientError) as exc:
            return _describe(exc)
        return None

    def close(self) -> None:
        self._stop.set()
        if self._client is not None:
            with contextlib.suppress(Exception):  # a half-open socket must never stop the shutdown
                self._client.close()


def _describe(exc: BaseException) -> str:
    """An error in plain words, without the exception text of the SDK (it may carry URLs)."""
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError):
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        return str(data.get("error") or f"http_{exc.response.status_code}")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def make_feedback(env: Mapping[str, str], notifier: Notifier, categories: Iterable[str],
                  ) -> tuple[Notifier, SocketListener | None]:
    """The notifier with feedback buttons and its listener when ``SLACK_APP_TOKEN`` is set and
    alerts go through the bot token; ``(notifier, None)`` otherwise."""
    app_token = (env.get("SLACK_APP_TOKEN") or "").strip()
    if not app_token:
        return notifier, None
    bot_token = (env.get("SLACK_BOT_TOKEN") or "").strip()
    if not isinstance(notifier, SlackApiNotifier) or not bot_token:
        event(log, "feedback_buttons_off", logging.WARNING,
              reason="SLACK_APP_TOKEN needs SLACK_BOT_TOKEN: buttons need chat.update on the bot's messages")
        return notifier, None
    if not app_token.startswith("xapp-"):
        event(log, "feedback_buttons_off", logging.WARNING,
              reason="SLACK_APP_TOKEN must be an app-level token (xapp-…) with the connections:write scope")
        return notifier, None
    listener = SocketListener(app_token, bot_token, _api_base(env.get("SLACK_API_URL")))
    return FeedbackNotifier(notifier, categories), listener
