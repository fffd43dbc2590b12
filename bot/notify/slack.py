"""Alerts to Slack: one delivery attempt per call, classified for the outbox.

Three notifiers share one protocol: ``SlackApiNotifier`` (bot token, chat.postMessage to each
rule's channel), ``WebhookNotifier`` (one incoming webhook) and ``ConsoleNotifier`` (readable
plain text on stdout: the default without Slack settings, in ``bot.notify.console``);
``make_notifier`` picks one from the environment. The result record and the protocol are in
``bot.notify.result``. ``send`` makes exactly one attempt (the SDK's own retry handlers are switched off)
and says how it went: success (with Slack's ``ts``), transient (try again later, after
``retry_after`` seconds when Slack said so) or permanent (with a ``remedy`` in plain words).
It does not retry, queue or pace: the outbox does. The token and the webhook URL never appear
in a result, a repr or a log line. The message itself comes from ``bot.notify.message``
(``build_message``, ``SlackMessage`` and ``escape_mrkdwn`` are re-exported here).

Proxies: slack_sdk sends through ``HTTPS_PROXY``/``HTTP_PROXY`` when they are set, and urllib
skips the proxy for hosts listed in ``NO_PROXY``. A local ``SLACK_API_URL`` (a test fake, a
sidecar) therefore needs ``NO_PROXY=127.0.0.1,localhost`` when a proxy is configured;
``make_notifier`` logs a warning when it is missing.
"""

from __future__ import annotations

import http.client
import logging
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.core.errors import ConfigError, Problem
from bot.core.models import Alert
from bot.core.settings import DEFAULT_SLACK_API_URL, SLACK_TIMEOUT
from bot.notify.console import ConsoleNotifier
from bot.notify.message import (
    SlackMessage,
    build_message,
    escape_mrkdwn,
    safe_url,
)
from bot.notify.result import DeliveryResult, Notifier
from bot.observe.logs import event, get_logger

__all__ = [
    "ConsoleNotifier", "DeliveryResult", "Notifier", "SlackApiNotifier", "SlackMessage",
    "WebhookNotifier", "build_message", "escape_mrkdwn", "make_notifier",
]

log = get_logger("notify")
# The logger handed to the SDK's clients: inside the bot's tree (so whatever it prints goes
# through the redacting handler) and silenced, as the SDK's own lines can carry the webhook URL.
_SDK_LOG = get_logger("notify.slack_sdk")
_SDK_LOG.setLevel(logging.CRITICAL)
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TRANSIENT = {"ratelimited", "rate_limited", "service_unavailable", "request_timeout",
              "internal_error", "fatal_error", "rollup_error"}
_NETWORK_ERRORS = (OSError, http.client.HTTPException)  # URLError, timeouts, resets, bad replies


_BUG = "Slack rejected the message layout: this is a bug in ethics-bot, please report it"
_TOKEN_REMEDIES = {
    "not_authed": "no token reached Slack: set SLACK_BOT_TOKEN to the app's bot token (xoxb-…)",
    "invalid_auth": "Slack does not accept the token: check SLACK_BOT_TOKEN (a bot token, xoxb-…)",
    "token_revoked": "the token was revoked: create a new bot token and set SLACK_BOT_TOKEN",
    "token_expired": "the token expired: create a new bot token and set SLACK_BOT_TOKEN",
    "account_inactive": "the app or its workspace was removed: reinstall the app and set the new "
                        "bot token in SLACK_BOT_TOKEN",
    "missing_scope": "the bot token lacks the chat:write scope: add it under OAuth & Permissions, "
                     "reinstall the app and set the new token in SLACK_BOT_TOKEN",
}
_HOOK_REMEDIES = {
    "no_service": "the webhook URL no longer exists: create a new incoming webhook and set "
                  "SLACK_WEBHOOK_URL",
    "invalid_token": "Slack does not recognise the webhook URL: copy it again from the app's "
                     "Incoming Webhooks page into SLACK_WEBHOOK_URL",
    "no_active_hooks": "incoming webhooks are turned off for the app: turn them on, create a new "
                       "webhook and set SLACK_WEBHOOK_URL",
    "action_prohibited": "a workspace admin restricted posting to the webhook's channel: ask an "
                         "admin, or use another channel's webhook",
    "channel_not_found": "the webhook's channel was deleted: create a new incoming webhook and "
                         "set SLACK_WEBHOOK_URL",
    "channel_is_archived": "the webhook's channel is archived: unarchive it, or create a webhook "
                           "for another channel and set SLACK_WEBHOOK_URL",
}
_LAYOUT = {"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "no_text",
           "msg_too_long", "too_many_attachments", "invalid_payload", "invalid_attachments"}


def _channel_label(channel: str) -> str:
    """``#name`` for a name (with or without ``#``), the ID as it is for an ID."""
    if channel.startswith("#") or re.fullmatch(r"[CGD][A-Z0-9]{6,}", channel):
        return channel
    return f"#{channel}"


def _remedy(code: str, channel: str | None, webhook: bool = False) -> str:
    if webhook:
        return _HOOK_REMEDIES.get(code) or _HOOK_REMEDIES["invalid_token" if code == "http_403"
                                                          else "no_service"]
    where = _channel_label(channel) if channel else "the channel"
    channel_remedies = {
        "not_in_channel": f"the bot is not in {where}: "
                          f"invite the bot to {where} with /invite @yourbot",
        "channel_not_found": f"Slack has no channel {where} the bot can see: check the channel in "
                             "rules.yaml, or invite the bot if the channel is private",
        "is_archived": f"{where} is archived: unarchive it or point the rule at another channel",
    }
    if channel is not None and code in channel_remedies:
        return channel_remedies[code]
    if code.startswith("restricted_action"):
        return f"workspace settings forbid the bot to post in {where}: ask a Slack admin"
    if code in _LAYOUT:
        return _BUG
    if code in ("http_404", "http_405"):
        return f"no Slack Web API at SLACK_API_URL: it must end in /api/ ({DEFAULT_SLACK_API_URL})"
    return (_TOKEN_REMEDIES.get(code)
            or f"Slack refused the message ({code}): see Slack's documentation for this error")


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                return None
    return None


def _failure(code: str, status: int, headers: Mapping[str, Any] | None, channel: str | None,
             detail: str | None = None, webhook: bool = False) -> DeliveryResult:
    """Transient: Slack or the network is struggling. Permanent: a person must act."""
    if code in _TRANSIENT or status == 429 or status >= 500 or code == "non_json_response":
        return DeliveryResult(False, error=code, retry_after=_retry_after(headers), detail=detail)
    remedy = _BUG if code in _LAYOUT else _remedy(code, channel, webhook)
    return DeliveryResult(False, error=code, permanent=True, remedy=remedy, detail=detail)


def _connection_failure(exc: BaseException) -> DeliveryResult:
    """A network failure, described without the exception text (it may name the URL)."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError):
        detail = "timed out"
    elif isinstance(reason, OSError) and reason.strerror:
        detail = reason.strerror
    else:
        detail = type(reason).__name__
    return DeliveryResult(False, error="connection_error", detail=detail)


class SlackApiNotifier:
    """chat.postMessage with a bot token; alerts go to their rule's channel (name or ID)."""

    name = "slack-api"

    def __init__(self, token: str, base_url: str = DEFAULT_SLACK_API_URL, timeout: float = SLACK_TIMEOUT) -> None:
        from slack_sdk import WebClient  # imported when needed: the console sink never loads it

        self._client = WebClient(token=token, base_url=base_url, timeout=max(1, math.ceil(timeout)),
                                 retry_handlers=[], logger=_SDK_LOG)

    def __repr__(self) -> str:
        return f"SlackApiNotifier(base_url={self._client.base_url!r})"

    def send(self, alert: Alert, message: SlackMessage) -> DeliveryResult:
        from slack_sdk.errors import SlackApiError, SlackClientError

        try:
            reply = self._client.chat_postMessage(
                channel=alert.channel, text=message.text, blocks=list(message.blocks),
                thread_ts=alert.thread_ts, unfurl_links=False, unfurl_media=False,
                # a follow-up is a new development: shown in the channel as well as the thread
                reply_broadcast=bool(alert.thread_ts) and alert.kind == "followup",
            )
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            code = str(data.get("error") or f"http_{exc.response.status_code}")
            if not _CODE.fullmatch(code):  # "Received a response in a non-JSON format: ..."
                status = exc.response.status_code
                code = "non_json_response" if status == 200 else f"http_{status}"
            errors = data.get("errors")
            detail = "; ".join(map(str, errors))[:1000] if isinstance(errors, list) else None
            return _failure(code, exc.response.status_code, exc.response.headers, alert.channel,
                            detail or f"HTTP {exc.response.status_code}")
        except _NETWORK_ERRORS as exc:
            return _connection_failure(exc)
        except SlackClientError as exc:
            return DeliveryResult(False, error="client_error", permanent=True,
                                  remedy="check SLACK_API_URL: it must be an http(s) URL ending "
                                         "in /api/", detail=type(exc).__name__)
        warning = reply.get("warning")
        if warning:
            event(log, "slack_warning", logging.WARNING, warning=warning, channel=alert.channel)
        return DeliveryResult(True, ts=reply.get("ts"), channel_id=reply.get("channel"))


class WebhookNotifier:
    """One incoming webhook: the channel is fixed by Slack; there is no ``ts`` to thread on."""

    name = "slack-webhook"

    def __init__(self, url: str, timeout: float = SLACK_TIMEOUT) -> None:
        if not safe_url(url):
            raise ConfigError([Problem("SLACK_WEBHOOK_URL", None,
                                       "must be the https:// URL of a Slack incoming webhook")],
                              source="environment")
        from slack_sdk import WebhookClient

        self._client = WebhookClient(url=url, timeout=max(1, math.ceil(timeout)),
                                     retry_handlers=[], logger=_SDK_LOG)

    def __repr__(self) -> str:
        return "WebhookNotifier(url='[redacted]')"

    def send(self, alert: Alert, message: SlackMessage) -> DeliveryResult:
        body: dict[str, Any] = {"text": message.text, "blocks": list(message.blocks),
                                "unfurl_links": False, "unfurl_media": False}
        if alert.thread_ts:
            body["thread_ts"] = alert.thread_ts
        from slack_sdk.errors import SlackClientError

        try:
            reply = self._client.send_dict(body)
        except _NETWORK_ERRORS as exc:
            return _connection_failure(exc)
        except SlackClientError as exc:
            return DeliveryResult(False, error="client_error", permanent=True,
                                  remedy=_HOOK_REMEDIES["invalid_token"], detail=type(exc).__name__)
        text = (reply.body or "").strip()
        if reply.status_code == 200 and text == "ok":
            return DeliveryResult(True)
        code = text if _CODE.fullmatch(text) else f"http_{reply.status_code}"
        if reply.status_code == 200:  # not Slack's answer (a portal page?): try again later
            return DeliveryResult(False, error="unexpected_reply", detail="HTTP 200 without ok")
        return _failure(code, reply.status_code, reply.headers, None, f"HTTP {reply.status_code}",
                        webhook=True)


def _api_base(value: str | None) -> str:
    url = (value or "").strip() or DEFAULT_SLACK_API_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError([Problem("SLACK_API_URL", None, "must be an http(s) URL such as "
                                   f"{DEFAULT_SLACK_API_URL}")], source="environment")
    if parts.path in ("", "/"):
        url = url.rstrip("/") + "/api/"
    return url if url.endswith("/") else url + "/"


def _warn_if_proxied(url: str, env: Mapping[str, str]) -> None:
    """Warn when a loopback Slack URL would go through a proxy (slack_sdk reads the env)."""
    host = (urlsplit(url).hostname or "").lower()
    proxied = any(env.get(k) for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"))
    if host not in ("127.0.0.1", "localhost", "::1") or not proxied:
        return
    bypass = [n.strip().lstrip(".").lower() for n in
              (env.get("NO_PROXY") or env.get("no_proxy") or "").split(",")]
    if "*" not in bypass and not any(n and (host == n or host.endswith("." + n)) for n in bypass):
        event(log, "slack_local_url_via_proxy", logging.WARNING, host=host,
              hint="add 127.0.0.1,localhost to NO_PROXY")


def make_notifier(env: Mapping[str, str]) -> Notifier:
    """SLACK_BOT_TOKEN (+ SLACK_API_URL) → API; else SLACK_WEBHOOK_URL → webhook; else console."""
    token = (env.get("SLACK_BOT_TOKEN") or "").strip()
    if token:
        base = _api_base(env.get("SLACK_API_URL"))
        _warn_if_proxied(base, env)
        return SlackApiNotifier(token, base_url=base)
    hook = (env.get("SLACK_WEBHOOK_URL") or "").strip()
    if hook:
        _warn_if_proxied(hook, env)
        return WebhookNotifier(hook)
    return ConsoleNotifier()
