"""Converters from one rules.yaml scalar (its text) to a value: durations, sizes, numbers, scores,
booleans, ports and Slack channels.

Each takes the text as written and returns the value, or raises ``ValueError`` with a message in
plain words that the checker shows after the setting's path and line. A rate, size, count or
interval that is zero or negative is refused here ("must be greater than 0"), so nothing
downstream divides by it or polls in a busy loop. This module knows nothing of YAML nodes, paths
or sections (``checker`` and ``sections`` do).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TypeVar

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmg]?b?)$", re.IGNORECASE)
_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$")
POSITIVE = "must be greater than 0"
_N = TypeVar("_N", int, float)


def parse_duration(text: str) -> float:
    """``"15m"`` → 900.0. Raises ValueError with a plain message."""
    m = _DURATION.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a duration: write a number and a unit, like 30s, 15m, 2h or 1d")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_size(text: str) -> int:
    """``"10MB"`` → 10485760. Raises ValueError with a plain message."""
    m = _SIZE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a size: write a number and a unit, like 512KB or 10MB")
    unit = m.group(2).lower()
    if unit and not unit.endswith("b"):
        unit += "b"
    return int(float(m.group(1)) * _SIZE_UNITS[unit])


def _above_zero(text: str, parse: Callable[[str], _N], hint: str) -> _N:
    """``parse(text)``, refusing zero and (written with a minus sign) negative amounts."""
    stripped = text.strip()
    if stripped.startswith("-"):
        try:
            parse(stripped[1:])
        except ValueError:
            parse(stripped)  # not an amount at all: say how to write one, quoting the text as written
        raise ValueError(f"{POSITIVE} (write a {hint})")
    value = parse(stripped)
    if value <= 0:
        raise ValueError(f"{POSITIVE} (write a {hint})")
    return value


def positive_duration(text: str) -> float:
    """A duration above 0 (``poll_interval``, ``retry_base``, a feed's ``interval``)."""
    return _above_zero(text, parse_duration, "duration like 30s, 15m, 2h or 1d")


def positive_size(text: str) -> int:
    """A size above 0 bytes (``max_body_bytes``)."""
    return _above_zero(text, parse_size, "size like 512KB or 10MB")


def positive_number(text: str) -> float:
    """A finite number greater than 0 (a rate: ``channel_rate: 0.5``)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a number")
    if value <= 0:
        raise ValueError(POSITIVE)
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise ValueError(POSITIVE)
    return value


def count_or_off(text: str) -> int:
    """A positive whole number, or ``off`` (0: never)."""
    if text.lower() in ("off", "false", "no", "never", "0"):
        return 0
    return positive_int(text)


def port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise ValueError("a port is between 1 and 65535")
    return value


def fraction(text: str) -> float:
    """A number above 0 and at most 1 (``title_similarity``)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise ValueError("must be between 0 and 1 (more than 0, at most 1)")
    return value


def share(text: str) -> float:
    """A share of stories: ``5%`` or ``0.05``, above 0 and at most 100% (``flood_share``)."""
    stripped = text.strip()
    if stripped.endswith("%"):
        try:
            value = float(stripped[:-1]) / 100
        except ValueError:
            raise ValueError(f"{text!r} is not a percentage: write it like 5%") from None
    else:
        try:
            value = float(stripped)
        except ValueError:
            raise ValueError(f"{text!r} is not a share: write it like 5% or 0.05") from None
    if not 0 < value <= 1:
        raise ValueError("must be more than 0% and at most 100%")
    return value


def score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise ValueError("a score is between 0 and 1")
    return value


def boolean(text: str) -> bool:
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not true or false")


def channel(text: str) -> str:
    if not _CHANNEL.match(text):
        raise ValueError(
            f"{text!r} is not a Slack channel: write '#name' (lower case, no spaces) or a channel ID like C0123ABCD"
        )
    return text
