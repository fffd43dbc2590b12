"""Structured logging: one line per event, a constant snake_case event name, the facts as keys.

``event(log, "feed_checked", url=..., new=3)`` prints, in text format::

    2026-11-26T05:40:00Z info  feed_checked url=https://example.org/rss new=3

and in JSON format (``--log-format json``, the container default) one JSON object per line.
Every module logs through ``get_logger`` (the ``ethics_bot`` tree, the only one configured) and
``event``; both formats print every fact, and a fact passed the plain ``logging`` way
(``extra={"host": ...}``, as library code might) is printed too, never dropped.
``configure_logging`` is called once, by the command line, before anything else logs.
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
from typing import Any, TextIO

LOGGER_NAME = "ethics_bot"


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def event(
    log: logging.Logger,
    name: str,
    level: int = logging.INFO,
    *,
    exc_info: BaseException | bool | None = None,
    **facts: Any,
) -> None:
    """Log one event with its facts (``exc_info``: the exception whose traceback to add)."""
    log.log(level, name, exc_info=exc_info, extra={"facts": facts})


# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "facts"}


def record_facts(record: logging.LogRecord) -> dict[str, Any]:
    """The facts of one record: ``event``'s, then any other ``extra=`` keys, None values left out."""
    facts: dict[str, Any] = dict(getattr(record, "facts", None) or {})
    for key, value in vars(record).items():
        if key not in _RECORD_ATTRIBUTES and key not in facts:
            facts[key] = value
    return {key: value for key, value in facts.items() if value is not None}


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
        parts = [_iso(record.created), f"{record.levelname.lower():<5}", record.getMessage()]
        parts += [f"{k}={_text_value(v)}" for k, v in record_facts(record).items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self.redact(line)


class JsonFormatter(_Redacting):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": _iso(record.created),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        payload.update(record_facts(record))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(payload, ensure_ascii=False, default=str))


def configure_logging(
    fmt: str = "text",
    level: str = "info",
    secrets: Sequence[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Send the bot's logs to ``stream`` (default stderr) in the chosen format, secrets redacted.

    Calling it again replaces the previous set-up (one handler, never two)."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
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
