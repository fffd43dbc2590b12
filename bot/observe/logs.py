"""Structured logging: one line per event, a constant snake_case event name, the facts as keys.

``event(log, "feed_checked", url=..., new=3)`` prints, in text format::

    2026-11-26T05:40:00Z info  feed_checked url=https://example.org/rss new=3

and in JSON format (``--log-format json``, the container default) one JSON object per line.
Every line passes through a redaction filter that replaces the Slack token and webhook URL
with ``[secret]``, whatever code put them there. Logs go to stderr; stdout is for alerts
printed by the console sink and for command output.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

LOGGER_NAME = "ethics_bot"


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def event(log: logging.Logger, name: str, level: int = logging.INFO, **facts: Any) -> None:
    """Log one event with its facts."""
    log.log(level, name, extra={"facts": facts})


def _iso(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))


def _text_value(value: Any) -> str:
    text = str(value)
    if not text or any(c in text for c in ' ="\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return text


class TextFormatter(_Redacting):
    def format(self, record: logging.LogRecord) -> str:
        facts: dict[str, Any] = getattr(record, "facts", {})
        parts = [_iso(record.created), f"{record.levelname.lower():<5}", record.getMessage()]
        parts += [f"{k}={_text_value(v)}" for k, v in facts.items() if v is not None]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self.redact(line)


class JsonFormatter(_Redacting):
    def format(self, record: logging.LogRecord) -> str:
        facts: dict[str, Any] = getattr(record, "facts", {})
        payload: dict[str, Any] = {
            "ts": _iso(record.created),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        payload.update({k: v for k, v in facts.items() if v is not None})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(payload, ensure_ascii=False, default=str))


def configure_logging(fmt: str = "text", level: str = "info", secrets: Sequence[str] = ()) -> None:
    """Send the bot's logs to stderr in the chosen format, with secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    root = logging.getLogger(LOGGER_NAME)
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    # Library loggers (apscheduler, httpx, slack_sdk) only speak up for warnings, through the
    # same redacting handler.
    for name in ("apscheduler", "httpx", "httpcore", "slack_sdk"):
        lib = logging.getLogger(name)
        lib.handlers[:] = [handler]
        lib.setLevel(logging.WARNING)
        lib.propagate = False
