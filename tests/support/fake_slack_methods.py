"""What the fake Slack answers to each method once the transport is understood.

``call_api`` covers ``auth.test``, ``conversations.list`` and ``chat.postMessage`` (auth, magic
tokens, channels, Block Kit, threads, truncation, rate limits; contract §2 and §4);
``call_webhook`` covers incoming webhooks (§3). Both fill the request's log record. Parsing
HTTP bodies is ``fake_slack_http``'s job, not this module's.
"""

from __future__ import annotations

import base64
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_slack_analysis import analyse_message
from tests.support.fake_slack_blocks import blocks_format_ok, blocks_text_length, validate_blocks
from tests.support.fake_slack_core import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    NEWS_CHANNEL_ID,
    TEAM_ID,
    PostedMessage,
    Reply,
    SlackCore,
    json_reply,
    text_reply,
)

Warning_ = tuple[str, str]
TEXT_LIMIT = 40_000
TRUNCATED = (
    "message_truncated",
    "[WARN] Your message was truncated but still posted. "
    "The `text` field accepts up to 40,000 characters.",
)
_TS = re.compile(r"\d{9,11}\.\d{6}")
_HOOK = re.compile(r"/services/(T[A-Z0-9]+)/(B[A-Z0-9]+)/([A-Za-z0-9]+)")
_HOOK_MAGIC = (
    ("archived", 410, "channel_is_archived"),
    ("removed", 404, "no_service"),
    ("inactive", 404, "no_active_hooks"),
    ("invalid", 403, "invalid_token"),
    ("prohibited", 403, "action_prohibited"),
    ("nochannel", 404, "channel_not_found"),
)
_MAGIC_TOKENS = (("-revoked", "token_revoked"), ("-inactive", "account_inactive"),
                 ("-expired", "token_expired"))
_ids = random.Random()
_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"


class Refusal(Exception):
    """A message Slack would not post: its error code and extra reply fields."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


@dataclass
class Draft:
    """A message that passed every check, ready to be stored."""

    text: str
    blocks: list[dict[str, Any]] | None
    attachments: list[dict[str, Any]] | None
    thread_ts: str | None
    reply_broadcast: bool
    analysis: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)


def truthy(value: object) -> bool:
    return value is True or value == 1 or str(value).lower() in ("1", "true")


def _flag(value: object) -> bool | None:
    return None if value is None else truthy(value)


def _decoded(value: object, code: str) -> object:
    """A JSON-encoded argument (form bodies send blocks as a string)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise Refusal(code) from None
    return value


def _with_warnings(payload: dict[str, Any], warnings: list[Warning_]) -> dict[str, Any]:
    if warnings:
        payload["warning"] = ",".join(code for code, _ in warnings)
        meta = payload.setdefault("response_metadata", {})
        meta.setdefault("warnings", []).extend(code for code, _ in warnings)
        meta.setdefault("messages", []).extend(message for _, message in warnings)
    return payload


def prepare_message(
    core: SlackCore, args: dict[str, Any], channel_id: str, log: dict[str, Any]
) -> Draft:
    """Check a message's content the way chat.postMessage and webhooks both do."""
    text, blocks = args.get("text"), _decoded(args.get("blocks"), "invalid_blocks_format")
    attachments = _decoded(args.get("attachments"), "invalid_attachments")
    if blocks is not None and not blocks_format_ok(blocks):
        raise Refusal("invalid_blocks_format")
    if attachments is not None and not (isinstance(attachments, list)
                                        and all(isinstance(a, dict) for a in attachments)):
        raise Refusal("invalid_attachments")
    analysis = analyse_message({**args, "blocks": blocks, "attachments": attachments})
    log.update(analysis)  # §6: every log line carries the analysis, refused posts included
    text = "" if text is None else str(text)
    if not text and not blocks and not attachments:
        raise Refusal("no_text")
    if isinstance(attachments, list) and len(attachments) > 100:
        raise Refusal("too_many_attachments")
    if isinstance(blocks, list) and blocks:
        problems = validate_blocks(blocks)
        if problems:
            errors = [f"{message} [json-pointer:{ptr}]" for message, ptr in problems]
            meta = {"messages": [f"[ERROR] {e}" for e in errors]}
            raise Refusal("invalid_blocks", errors=errors, response_metadata=meta)
        if 0 < core.blocks_text_budget < blocks_text_length(blocks):
            raise Refusal("msg_blocks_too_long")
    draft = Draft(text, blocks if isinstance(blocks, list) and blocks else None,
                  attachments if isinstance(attachments, list) and attachments else None,
                  None, truthy(args.get("reply_broadcast")), analysis)
    if len(text) > TEXT_LIMIT:
        if core.msg_too_long:
            raise Refusal("msg_too_long")
        draft.text = text[:TEXT_LIMIT]
        draft.warnings.append(TRUNCATED)
        log.update(truncated=True, original_text_length=len(text))
    _check_thread(core, args.get("thread_ts"), channel_id, draft)
    return draft


def _check_thread(core: SlackCore, thread_ts: object, channel_id: str, draft: Draft) -> None:
    """Slack posts replies to bad parents without complaint; the fake flags them (§2.6)."""
    if thread_ts is None or thread_ts == "":
        if draft.reply_broadcast:
            draft.flags.append("reply_broadcast_without_thread")
        return
    draft.thread_ts = str(thread_ts)
    parent = None
    if not isinstance(thread_ts, str):  # a number: never a reliable ts, whatever its digits
        draft.flags.append("thread_ts_not_string")
    elif _TS.fullmatch(thread_ts):
        parent = core.find_message(channel_id, draft.thread_ts)
    if parent is None:
        draft.flags.append("orphan_reply")
    elif parent.thread_ts is not None and parent.thread_ts != parent.ts:
        draft.flags.append("reply_to_reply")


def _with_block_ids(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if blocks is None:
        return None
    taken = {b["block_id"] for b in blocks if isinstance(b.get("block_id"), str)}
    out = []
    for block in blocks:
        block = dict(block)
        while "block_id" not in block:
            candidate = "".join(_ids.choices(_ID_CHARS, k=4))
            if candidate not in taken:
                taken.add(candidate)
                block["block_id"] = candidate
        out.append(block)
    return out


def store_message(core: SlackCore, draft: Draft, args: dict[str, Any], channel_id: str,
                  channel_name: str, via: str, log: dict[str, Any]) -> PostedMessage:
    message = PostedMessage(
        channel_id=channel_id, channel_name=channel_name, ts=core.next_ts(), text=draft.text,
        blocks=_with_block_ids(draft.blocks), thread_ts=draft.thread_ts, via=via,
        unfurl_links=_flag(args.get("unfurl_links")), unfurl_media=_flag(args.get("unfurl_media")),
        analysis=draft.analysis, reply_broadcast=draft.reply_broadcast,
        attachments=draft.attachments, flags=tuple(draft.flags),
    )
    core.store(message)
    log.update(ts=message.ts, thread_ts=message.thread_ts, flags=list(draft.flags),
               unfurl_links=message.unfurl_links, unfurl_media=message.unfurl_media)
    return message


def _auth(core: SlackCore, token: str | None) -> str | None:
    """The auth error for ``token``, or None when it is good."""
    if not token:
        return "not_authed"
    if token.startswith("xoxb-"):
        for marker, code in _MAGIC_TOKENS:
            if marker in token:
                return code
        if "-noscope" in token:
            return None
    return None if token == core.token else "invalid_auth"


def call_api(core: SlackCore, method: str, args: dict[str, Any], token: str | None,
             warnings: list[Warning_], log: dict[str, Any]) -> Reply:
    """One Web API call whose transport was fine."""
    extra = getattr(core, "extra_methods", {}).get(method)  # e.g. fake_slack_socket's methods
    if extra is not None:
        reply: Reply = extra(core, args, token, warnings, log)
        return reply
    handler = _METHODS.get(method)
    if handler is None:
        return json_reply(_with_warnings({"ok": False, "error": "unknown_method"}, warnings))
    problem = _auth(core, token)
    log["authed"] = problem is None
    if problem is not None:
        return json_reply(_with_warnings({"ok": False, "error": problem}, warnings))
    try:
        payload, headers, status = handler(core, args, token or "", warnings, log)
    except Refusal as refusal:
        extra = dict(refusal.extra)
        retry_after = extra.pop("retry_after", None)
        payload = {"ok": False, "error": refusal.code, **extra}
        headers, status = {}, 200
        if retry_after is not None:  # rate limits are the one refusal that is not HTTP 200
            status, headers = 429, {"Retry-After": str(retry_after)}
    return json_reply(_with_warnings(payload, warnings), status, headers)


Answer = tuple[dict[str, Any], dict[str, str], int]


def _auth_test(core: SlackCore, args: dict[str, Any], token: str, warnings: list[Warning_],
               log: dict[str, Any]) -> Answer:
    return {"ok": True, "url": "https://fake-workspace.slack.com/", "team": "Fake Workspace",
            "user": "ethics-bot", "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
            "is_enterprise_install": False}, {}, 200


def _conversations_list(core: SlackCore, args: dict[str, Any], token: str,
                        warnings: list[Warning_], log: dict[str, Any]) -> Answer:
    types = {t.strip() for t in str(args.get("types") or "public_channel").split(",")}
    limit = max(1, min(1000, int(args.get("limit") or 100)))
    cursor = str(args.get("cursor") or "")
    try:
        start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
    except ValueError:
        raise Refusal("invalid_cursor") from None
    listed = [
        c for c in core.channels()
        if ("private_channel" if c.is_private else "public_channel") in types
        and not (c.is_private and not c.is_member)
        and not (truthy(args.get("exclude_archived")) and c.is_archived)
    ]
    page = listed[start:start + limit]
    end = start + len(page)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(listed) else ""
    channels = [{
        "id": c.id, "name": c.name, "name_normalized": c.name, "is_channel": not c.is_private,
        "is_group": c.is_private, "is_im": False, "is_mpim": False, "is_private": c.is_private,
        "is_archived": c.is_archived, "is_member": c.is_member, "is_general": False,
        "created": 1_500_000_000, "creator": "U0FAKEUSER", "num_members": 3,
    } for c in page]
    return {"ok": True, "channels": channels,
            "response_metadata": {"next_cursor": next_cursor}}, {}, 200


def _post_message(core: SlackCore, args: dict[str, Any], token: str, warnings: list[Warning_],
                  log: dict[str, Any]) -> Answer:
    if "-noscope" in token:
        raise Refusal("missing_scope", needed="chat:write", provided="channels:read")
    retry_after = core.ratelimit_turn()
    if retry_after is not None:
        log.update(rate_limited=True, retry_after=retry_after)
        raise Refusal("ratelimited", retry_after=retry_after)
    log["channel"] = args.get("channel")
    channel = core.find_channel(args.get("channel"))
    if channel is None or (channel.is_private and not channel.is_member):
        raise Refusal("channel_not_found")
    log["channel_id"] = channel.id
    if channel.is_archived:
        raise Refusal("is_archived")
    if not channel.is_member:
        raise Refusal("not_in_channel")
    draft = prepare_message(core, args, channel.id, log)
    wait = core.bucket_take(channel.id)
    if wait is not None:
        log.update(rate_limited=True, retry_after=wait)
        raise Refusal("ratelimited", retry_after=wait)
    message = store_message(core, draft, args, channel.id, f"#{channel.name}", "api", log)
    warnings.extend(draft.warnings)
    shown: dict[str, Any] = {
        "type": "message", "subtype": "bot_message", "text": message.text, "ts": message.ts,
        "username": "ethics-bot", "bot_id": BOT_ID, "app_id": APP_ID, "team": TEAM_ID,
        "bot_profile": {"id": BOT_ID, "app_id": APP_ID, "name": "ethics-bot", "deleted": False,
                        "team_id": TEAM_ID},
    }
    if message.blocks is not None:
        shown["blocks"] = message.blocks
    if message.thread_ts is not None:
        shown["thread_ts"] = message.thread_ts
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": shown}, {}, 200


_METHODS = {
    "auth.test": _auth_test,
    "conversations.list": _conversations_list,
    "chat.postMessage": _post_message,
}


def call_webhook(core: SlackCore, path: str, payload: object, log: dict[str, Any]) -> Reply:
    """One incoming-webhook post; ``payload`` is the decoded JSON, or None when unreadable."""
    log["method"] = "webhook"
    if not _HOOK.fullmatch(path):
        return text_reply("no_service", 404)
    if core.webhooks is not None and path not in core.webhooks:
        return text_reply("invalid_token", 403)
    secret = path.rsplit("/", 1)[1]
    for prefix, status, code in _HOOK_MAGIC:
        if secret.startswith(prefix):
            return text_reply(code, status)
    retry_after = core.ratelimit_turn()
    if retry_after is None:
        if not isinstance(payload, dict):
            return text_reply("invalid_payload", 400)
        log["channel_id"] = NEWS_CHANNEL_ID
        try:
            draft = prepare_message(core, payload, NEWS_CHANNEL_ID, log)
        except Refusal as refusal:
            return text_reply(refusal.code, 400)
        retry_after = core.bucket_take(f"webhook:{path}")
        if retry_after is None:
            store_message(core, draft, payload, NEWS_CHANNEL_ID, "#news", "webhook", log)
            return text_reply("ok", 200)
    log.update(rate_limited=True, retry_after=retry_after)
    return text_reply("rate_limited", 429, {"Retry-After": str(retry_after)})
