"""HTTP transport of the fake Slack: request bodies, content types and tokens (contract §1).

``FakeSlackHandler`` reads every request in full, lets the gateway faults (down, fail_next)
answer first, turns an ``/api/METHOD`` body into arguments plus a token, and an incoming-webhook
body into a payload, then hands them to ``fake_slack_methods``. It records one log entry per
request before answering, so a test that has its reply can already read the log. It holds no
state of its own.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.support.fake_slack_analysis import empty_analysis
from tests.support.fake_slack_core import Reply, SlackCore, json_reply, text_reply
from tests.support.fake_slack_methods import Warning_, call_api, call_webhook

MAX_BODY = 8 * 1024 * 1024
_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data",
          "text/plain")
_CHARSETS = ("utf-8", "utf8", "iso-8859-1")
MISSING_CHARSET = (
    "missing_charset",
    "[WARN] A Content-Type HTTP header was presented but did not declare a charset, "
    "such as a 'utf-8'",
)
SUPERFLUOUS_CHARSET = ("superfluous_charset", "[WARN] A charset was declared for a form body")


class TransportError(Exception):
    """The body cannot be read as Slack arguments; the message is Slack's error code."""


class FakeSlackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], core: SlackCore) -> None:
        super().__init__(address, FakeSlackHandler)
        self.core = core


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    media, *rest = value.split(";")
    params = {}
    for part in rest:
        key, _, val = part.partition("=")
        params[key.strip().lower()] = val.strip().strip('"')
    return media.strip().lower(), params


def _form(text: str) -> dict[str, Any]:
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True)) if text else {}
    except ValueError:
        raise TransportError("invalid_form_data") from None


def _multipart(body: bytes, header: str) -> dict[str, Any]:
    head = b"Content-Type: " + header.encode() + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise TransportError("invalid_form_data")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            raise TransportError("invalid_form_data")
        fields[name] = payload.decode("utf-8", "replace")
    return fields


def parse_api_body(headers: Any, body: bytes) -> tuple[dict[str, Any], str | None, list[Warning_]]:
    """Arguments, the token and warnings for one Web API request body (§1)."""
    auth = headers.get("Authorization") or ""
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    header = headers.get("Content-Type")
    if not header:
        if body:
            raise TransportError("missing_post_type")
        return {}, token, []
    media, params = _content_type(header)
    if media not in _TYPES:
        raise TransportError("invalid_post_type")
    charset = params.get("charset")
    if charset is not None and charset.lower() not in _CHARSETS:
        raise TransportError("invalid_charset")
    warnings: list[Warning_] = []
    if media == "application/json":
        if charset is None:
            warnings.append(MISSING_CHARSET)
        try:
            args = json.loads(body.decode(charset or "utf-8"))
        except ValueError:
            raise TransportError("invalid_json") from None
        if not isinstance(args, dict):
            raise TransportError("json_not_object")
        return args, token, warnings  # a "token" inside JSON is never read (§1)
    if media == "multipart/form-data":
        args = _multipart(body, header)
    else:
        if charset is not None:
            warnings.append(SUPERFLUOUS_CHARSET)
        try:
            args = _form(body.decode(charset or "utf-8"))
        except UnicodeDecodeError:
            raise TransportError("invalid_form_data") from None
    form_token = args.pop("token", None)
    return args, token or form_token, warnings


def parse_webhook_body(headers: Any, body: bytes) -> object:
    """A webhook post's JSON (a JSON body or a ``payload=`` form); None when unreadable."""
    media, _ = _content_type(headers.get("Content-Type") or "")
    try:
        text = body.decode("utf-8")
        if media == "application/x-www-form-urlencoded":
            text = _form(text).get("payload", "")
        return json.loads(text)
    except (ValueError, TransportError):
        return None


class FakeSlackHandler(BaseHTTPRequestHandler):
    server: FakeSlackServer
    timeout = 10  # a client that stops sending mid-body gets request_timeout

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake keeps its own structured log."""

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise TransportError("request_too_large")
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        core = self.server.core
        path, _, query = self.path.partition("?")
        log: dict[str, Any] = {"http_method": self.command, "path": path,
                               "content_type": self.headers.get("Content-Type")}
        is_post = path == "/api/chat.postMessage" or path.startswith("/services/")
        log["method"] = path.removeprefix("/api/") if path.startswith("/api/") else "webhook"
        try:
            body = self._read_body()
        except TimeoutError:
            reply = json_reply({"ok": False, "error": "request_timeout"})
        except (TransportError, ValueError):
            reply = text_reply("request_too_large", 413)
        else:
            reply = core.gateway_fault(is_post, path) or self._route(core, path, query, body, log)
        self._finish(core, log, reply)

    def _route(
        self, core: SlackCore, path: str, query: str, body: bytes, log: dict[str, Any]
    ) -> Reply:
        if path.startswith("/services/"):
            return call_webhook(core, path, parse_webhook_body(self.headers, body), log)
        if not path.startswith("/api/"):
            return text_reply("not found", 404)
        try:
            args, token, warnings = parse_api_body(self.headers, body)
        except TransportError as exc:
            return json_reply({"ok": False, "error": str(exc)})
        query_args = dict(parse_qsl(query, keep_blank_values=True))
        query_args.pop("token", None)  # Slack does not read a token from the query string (§1)
        log["warnings"] = [code for code, _ in warnings]
        return call_api(core, log["method"], {**query_args, **args}, token, warnings, log)

    def _finish(self, core: SlackCore, log: dict[str, Any], reply: Reply) -> None:
        log["status"] = reply.status
        for key, value in {**empty_analysis(), "flags": [], "rate_limited": False}.items():
            log.setdefault(key, value)
        if reply.content_type.startswith("application/json"):
            answer = json.loads(reply.body)
            log["ok"], log["error"] = bool(answer.get("ok")), answer.get("error")
            warning = answer.get("warning")
            if warning:
                log["warnings"] = warning.split(",")
        else:
            text = reply.body.decode("utf-8", "replace")
            log["ok"] = reply.status == 200 and text == "ok"
            log["error"] = None if log["ok"] else (text if reply.status < 500 or len(text) < 40
                                                   else f"http_{reply.status}")
        if reply.status == 429:
            log["rate_limited"], log["retry_after"] = True, int(reply.headers["Retry-After"])
        if reply.status == 0:  # injected: hang up without a word
            log.update(ok=False, error="connection_dropped")
            core.record(log)
            self.close_connection = True
            return
        core.record(log)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client went away; the log already has the answer
