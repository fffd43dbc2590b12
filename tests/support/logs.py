"""Read what the bot's configured log handler really writes.

``captured_logs(fmt)`` calls ``configure_logging`` with a string buffer as the stream (exactly
as the command line does with stderr) and undoes that set-up afterwards, so a test sees the
lines a user would see, in the format they chose. ``json_events`` and ``text_events`` read
those lines back into dicts.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bot.observe.logs import LOGGER_NAME, configure_logging

_LIBRARIES = ("apscheduler", "httpx", "httpcore", "slack_sdk")
_TEXT_LINE = re.compile(r"(?P<ts>\S+) (?P<level>\w+)\s+(?P<event>\S+)(?P<rest>.*)")
_TEXT_FACT = re.compile(r'\s+([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)')


@contextmanager
def captured_logs(
    fmt: str = "text", level: str = "debug", secrets: Sequence[str] = ()
) -> Iterator[io.StringIO]:
    """The bot's logging configured onto a buffer for the duration of the block."""
    buffer = io.StringIO()
    configure_logging(fmt, level, secrets, stream=buffer)
    try:
        yield buffer
    finally:
        for name in (LOGGER_NAME, *_LIBRARIES):
            logger = logging.getLogger(name)
            logger.handlers[:] = []
            logger.setLevel(logging.NOTSET)
            logger.propagate = True


def json_events(output: str) -> list[dict[str, Any]]:
    """Every line as a JSON object; fails the test on a line that is not one."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def text_events(output: str) -> list[dict[str, str]]:
    """Each text-format line as a dict: ts, level, event and every ``key=value`` fact.

    Lines that continue a traceback are skipped."""
    events = []
    for line in output.splitlines():
        found = _TEXT_LINE.fullmatch(line)
        if found is None or not found["ts"][:4].isdigit():
            continue
        record = {"ts": found["ts"], "level": found["level"], "event": found["event"]}
        for key, value in _TEXT_FACT.findall(found["rest"]):
            record[key] = json.loads(value) if value.startswith('"') else value
        events.append(record)
    return events
