"""A local fake of Slack's Socket Mode (docs/SLACK-SOCKET-MODE.md), attached to a ``FakeSlack``.

``FakeSocketMode(fake_slack)`` adds two Web API methods to the fake and runs a WebSocket server
on 127.0.0.1 (the ``websockets`` library, threaded):

* ``apps.connections.open`` takes the app-level token (``xapp-…``) from the Authorization
  header and answers ``{"ok": true, "url": "ws://127.0.0.1:PORT/link/?ticket=…&app_id=…"}``; a
  ticket opens one connection, once. A bot token gets ``not_allowed_token_type``, another token
  ``invalid_auth``, none ``not_authed``.
* ``chat.update`` (bot token) replaces a message the bot posted: ``channel`` (ID) and ``ts``
  name it; ``message_not_found``, ``cant_update_message`` (not posted through the API),
  ``msg_too_long`` (text over 4,000 characters), ``no_text`` and the Block Kit checks apply.

On each connection the server first sends ``hello``. ``click(message, action_id, …)`` sends an
``interactive`` envelope carrying a ``block_actions`` payload built from the message as the fake
now shows it, and waits for the app's ``{"envelope_id": …}`` acknowledgement (Slack allows 3
seconds). ``drop()`` breaks every connection without a closing handshake, ``set_refusing(True)``
turns new WebSocket handshakes away (HTTP 503) until it is switched off, and ``disconnect()``
sends Slack's ``disconnect`` message (``refresh_requested``).

Not modelled: retries of unacknowledged envelopes, ``response_url``, events and slash commands,
views and modals, multiple apps.
"""

from __future__ import annotations

import contextlib
import http
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from tests.support.fake_slack import FakeSlack
from tests.support.fake_slack_blocks import validate_blocks
from tests.support.fake_slack_core import APP_ID, BOT_ID, TEAM_ID, PostedMessage, Reply, SlackCore, json_reply
from tests.support.fake_slack_methods import Warning_, _auth, _decoded, _with_block_ids, _with_warnings

APP_TOKEN = "xapp-1-A0FAKEAPP1-1234567890-fakeapplevel"
UPDATE_TEXT_LIMIT = 4000
ACK_DEADLINE = 3.0


@dataclass(frozen=True)
class Delivered:
    """One envelope the fake sent, and when (seconds after sending) the app acknowledged it."""

    envelope_id: str
    ack_seconds: float | None
    ack: dict[str, Any] | None


class FakeSocketMode:
    """See the module docstring. A context manager, like ``FakeSlack``."""

    def __init__(self, slack: FakeSlack, app_token: str = APP_TOKEN) -> None:
        self.slack = slack
        self.app_token = app_token
        self._lock = threading.Condition()
        self._tickets: dict[str, bool] = {}  # ticket -> used
        self._connections: list[ServerConnection] = []
        self._acks: dict[str, tuple[float, dict[str, Any]]] = {}
        self._refusing = False
        self.connections_opened = 0
        self.updates: list[PostedMessage] = []
        self.received: list[dict[str, Any]] = []  # every frame the app sent, parsed
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._check_ticket,
                             ping_interval=None, compression=None)
        self.port: int = self._server.socket.getsockname()[1]
        self._thread: threading.Thread | None = None
        slack.extra_methods = {  # type: ignore[attr-defined]
            "apps.connections.open": self._connections_open,
            "chat.update": self._chat_update,
        }

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeSocketMode:
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"fake-socket:{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.drop()
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ---- Web API methods ------------------------------------------------------------------
    def _connections_open(self, core: SlackCore, args: dict[str, Any], token: str | None,
                          warnings: list[Warning_], log: dict[str, Any]) -> Reply:
        if not token:
            error = "not_authed"
        elif token.startswith("xoxb-") or token.startswith("xoxp-"):
            error = "not_allowed_token_type"
        elif token != self.app_token:
            error = "invalid_auth"
        else:
            ticket = uuid.uuid4().hex
            with self._lock:
                self._tickets[ticket] = False
            url = f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"
            log["authed"] = True
            return json_reply(_with_warnings({"ok": True, "url": url}, warnings))
        log["authed"] = error != "invalid_auth" and error != "not_authed"
        return json_reply(_with_warnings({"ok": False, "error": error}, warnings))

    def _chat_update(self, core: SlackCore, args: dict[str, Any], token: str | None,
                     warnings: list[Warning_], log: dict[str, Any]) -> Reply:
        problem = _auth(core, token)
        if problem is not None:
            return json_reply({"ok": False, "error": problem})
        channel = core.find_channel(args.get("channel"))
        if channel is None:
            return json_reply({"ok": False, "error": "channel_not_found"})
        found = core.find_message(channel.id, str(args.get("ts") or ""))
        if found is None:
            return json_reply({"ok": False, "error": "message_not_found"})
        if found.via != "api":
            return json_reply({"ok": False, "error": "cant_update_message"})
        text = args.get("text")
        try:
            blocks = _decoded(args.get("blocks"), "invalid_blocks_format")
        except Exception:
            return json_reply({"ok": False, "error": "invalid_blocks_format"})
        if not text and not blocks:
            return json_reply({"ok": False, "error": "no_text"})
        if isinstance(text, str) and len(text) > UPDATE_TEXT_LIMIT:
            return json_reply({"ok": False, "error": "msg_too_long"})
        if blocks is not None:
            if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
                return json_reply({"ok": False, "error": "invalid_blocks_format"})
            problems = validate_blocks(blocks)
            if problems:
                errors = [f"{message} [json-pointer:{ptr}]" for message, ptr in problems]
                return json_reply({"ok": False, "error": "invalid_blocks", "errors": errors})
        updated = replace(found, text=str(text) if text is not None else found.text,
                          blocks=_with_block_ids(blocks) if blocks is not None else found.blocks)
        core.replace_message(updated)
        with self._lock:
            self.updates.append(updated)
        log.update(channel_id=channel.id, ts=found.ts)
        shown = {"type": "message", "text": updated.text, "blocks": updated.blocks, "bot_id": BOT_ID,
                 "edited": {"user": "U0FAKEBOT1", "ts": core.next_ts()}}
        return json_reply(_with_warnings({"ok": True, "channel": channel.id, "ts": found.ts,
                                          "text": updated.text, "message": shown}, warnings))

    # ---- the WebSocket server -------------------------------------------------------------
    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        _, _, query = request.path.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        with self._lock:
            if self._refusing:
                return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "unavailable\n")
            ticket = params.get("ticket", "")
            if self._tickets.get(ticket) is not False:
                return connection.respond(http.HTTPStatus.UNAUTHORIZED, "invalid ticket\n")
            self._tickets[ticket] = True
        return None

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self._connections.append(connection)
            self.connections_opened += 1
            self._lock.notify_all()
        try:
            connection.send(json.dumps({
                "type": "hello", "num_connections": 1,
                "debug_info": {"host": "fake-socket-mode", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }))
            for frame in connection:
                try:
                    data = json.loads(frame)
                except ValueError:
                    continue
                with self._lock:
                    self.received.append(data)
                    if isinstance(data, dict) and isinstance(data.get("envelope_id"), str):
                        self._acks.setdefault(data["envelope_id"], (time.monotonic(), data))
                        self._lock.notify_all()
        except (ConnectionClosed, OSError):
            pass
        finally:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._lock.notify_all()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Wait until the app has an open connection."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._connections:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def drop(self) -> None:
        """Break every connection at once, as a network failure would (no closing handshake)."""
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()  # dead from now on, whenever their threads notice
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.socket.shutdown(socket.SHUT_RDWR)
            connection.socket.close()

    def set_refusing(self, refusing: bool) -> None:
        """While refusing, new WebSocket handshakes get HTTP 503."""
        with self._lock:
            self._refusing = refusing

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message on every connection."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.send(json.dumps({"type": "disconnect", "reason": reason,
                                        "debug_info": {"host": "fake-socket-mode"}}))

    # ---- interactions ---------------------------------------------------------------------
    def click(self, message: PostedMessage, action_id: str, *, user_id: str = "U0FAKEUSR1",
              user_name: str = "ada", option: str | None = None, timeout: float = ACK_DEADLINE,
              connect_timeout: float = 10.0) -> Delivered:
        """Click ``action_id`` on ``message`` (as the fake shows it now) and wait up to
        ``timeout`` seconds for the acknowledgement. ``option`` picks a select's option value."""
        current = self.slack.find_message(message.channel_id, message.ts) or message
        block, element = _find_element(current, action_id)
        now = f"{time.time():.6f}"
        action: dict[str, Any] = {"action_id": action_id, "block_id": block["block_id"], "type": element["type"],
                                  "action_ts": now}
        if element["type"] == "button":
            action.update(text=element["text"], value=element.get("value"))
            if "style" in element:
                action["style"] = element["style"]
        else:
            chosen = next((o for o in element.get("options", []) if o.get("value") == option), None)
            if chosen is None:
                raise AssertionError(f"no option {option!r} in {action_id}")
            action.update(selected_option=chosen, placeholder=element.get("placeholder"))
        channel_name = current.channel_name.lstrip("#")
        payload = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "fakeverificationtoken",
            "container": {"type": "message", "message_ts": current.ts, "channel_id": current.channel_id,
                          "is_ephemeral": False},
            "trigger_id": f"1.{int(time.time())}.{uuid.uuid4().hex[:12]}",
            "team": {"id": TEAM_ID, "domain": "fake-workspace"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": current.channel_id, "name": channel_name},
            "message": {"type": "message", "subtype": "bot_message", "text": current.text, "ts": current.ts,
                        "bot_id": BOT_ID, "blocks": current.blocks},
            "state": {"values": {}},
            "response_url": f"{self.slack.base_url}/actions/{TEAM_ID}/{uuid.uuid4().hex[:10]}",
            "actions": [action],
        }
        return self.send_envelope("interactive", payload, timeout=timeout, connect_timeout=connect_timeout)

    def send_envelope(self, kind: str, payload: dict[str, Any], *, timeout: float = ACK_DEADLINE,
                      connect_timeout: float = 10.0) -> Delivered:
        """Send one envelope on the newest connection and wait for its acknowledgement."""
        if not self.wait_connected(connect_timeout):
            raise AssertionError("the app has no Socket Mode connection")
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "accepts_response_payload": False,
                    "payload": payload, "retry_attempt": 0, "retry_reason": ""}
        with self._lock:
            connection = self._connections[-1]
        sent = time.monotonic()
        connection.send(json.dumps(envelope))
        deadline = sent + timeout
        with self._lock:
            while envelope_id not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return Delivered(envelope_id, None, None)
                self._lock.wait(left)
            at, ack = self._acks[envelope_id]
        return Delivered(envelope_id, at - sent, ack)


def _find_element(message: PostedMessage, action_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in message.blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return block, element
    raise AssertionError(f"no element {action_id!r} on the message {message.ts}")
