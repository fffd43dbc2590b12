"""The ``channels:`` section of rules.yaml: how each Slack channel receives its alerts.

    channels:
      "#ethics-alerts":
        mode: digest            # immediate (default) | digest
        digest: daily           # daily (default) | hourly
        at: "08:00"             # daily: the local time; hourly: the minute (":15" or "00:15")
        timezone: Europe/Berlin # an IANA zone (default UTC)
        quiet_hours: "22:00-07:00"
        always_immediate: [critical]   # default [critical]; [] lets nothing skip the queue

Every problem is reported with its path and line, through the ``add`` callback the loader
passes in (the same list as the rest of the file). This module validates only; when an alert
goes is decided in ``bot.flow.modes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from difflib import get_close_matches
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.core.delivery import DIGEST_EVERY, MODES, ChannelDelivery, QuietHours
from bot.core.models import SEVERITIES

Add = Callable[[str, "yaml.Node | None", str], None]
_KEYS = ("mode", "digest", "at", "timezone", "quiet_hours", "always_immediate")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_MINUTE = re.compile(r"^:([0-5]\d)$")


def parse_clock(text: str) -> time:
    """``"08:00"`` → 08:00. Raises ValueError in plain words."""
    m = _CLOCK.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a time of day: write HH:MM on a 24-hour clock, like \"08:00\"")
    return time(int(m.group(1)), int(m.group(2)))


def parse_quiet_hours(text: str) -> QuietHours:
    """``"22:00-07:00"`` → a window that wraps midnight."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not a time window: write start-end, like \"22:00-07:00\"")
    window = QuietHours(parse_clock(start), parse_clock(end))
    if window.start == window.end:
        raise ValueError(f"{text!r} starts and ends at the same time: quiet hours need a length")
    return window


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{text!r} is not a time zone: use an IANA name like Europe/Berlin or UTC") from None
    return text


def _scalar(node: yaml.Node, path: str, add: Add) -> str | None:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        add(path, node, "must be a single value")
        return None
    return str(node.value).strip()


def _one_channel(node: yaml.Node, path: str, add: Add) -> ChannelDelivery | None:
    if not isinstance(node, yaml.MappingNode):
        add(path, node, "must be a mapping such as {mode: digest, digest: daily, at: \"08:00\"}")
        return None
    values: dict[str, Any] = {}
    ok = True
    at_node: yaml.Node | None = None
    key_nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key, where = str(key_node.value), f"{path}.{key_node.value}"
        key_nodes[key] = key_node
        if key not in _KEYS:
            hint = get_close_matches(key, _KEYS, n=1)
            add(where, key_node, f"unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint
                                                            else f"; known keys: {', '.join(_KEYS)}"))
            ok = False
            continue
        if key == "always_immediate":
            if not isinstance(value_node, yaml.SequenceNode):
                add(where, value_node, "must be a list of severities, like [critical] (or [] for none)")
                ok = False
                continue
            severities = []
            for i, item in enumerate(value_node.value):
                text = _scalar(item, f"{where}[{i}]", add)
                if text is not None and text not in SEVERITIES:
                    add(f"{where}[{i}]", item, f"{text!r}: use one of {', '.join(SEVERITIES)}")
                    text = None
                ok = ok and text is not None
                severities.append(text)
            values[key] = tuple(s for s in severities if s)
            continue
        text = _scalar(value_node, where, add)
        if text is None:
            ok = False
            continue
        try:
            if key == "mode" and text not in MODES:
                raise ValueError(f"{text!r}: use one of {', '.join(MODES)}")
            if key == "digest" and text not in DIGEST_EVERY:
                raise ValueError(f"{text!r}: use one of {', '.join(DIGEST_EVERY)}")
            if key == "at":
                at_node = value_node
                values[key] = text  # read below, once the digest period is known
                continue
            values[key] = {"timezone": _zone, "quiet_hours": parse_quiet_hours}.get(key, str)(text)
        except ValueError as exc:
            add(where, value_node, str(exc))
            ok = False
    if "at" in values:
        text = values.pop("at")
        try:
            minute = _MINUTE.match(text)
            if values.get("digest") == "hourly" and minute:
                values["at"] = time(0, int(minute.group(1)))
            else:
                values["at"] = parse_clock(text)
        except ValueError as exc:
            add(f"{path}.at", at_node, str(exc))
            ok = False
    if values.get("mode", "immediate") == "immediate":
        for key in ("digest", "at"):
            if key in values:
                add(f"{path}.{key}", key_nodes.get(key, node), f"{key}: only applies with mode: digest")
                ok = False
    return ChannelDelivery(**values) if ok else None


def check_channels(node: yaml.Node, add: Add, channel: Callable[[str], str]) -> dict[str, ChannelDelivery]:
    """Validate ``channels:``; ``channel`` checks a channel name (raises ValueError)."""
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return {}
    if not isinstance(node, yaml.MappingNode):
        add("channels", node, "must be a mapping of channels, like \"#ethics-alerts\": {mode: digest}")
        return {}
    out: dict[str, ChannelDelivery] = {}
    for key_node, value_node in node.value:
        name = str(key_node.value)
        path = f"channels.{name}"
        try:
            channel(name)
        except ValueError as exc:
            add(path, key_node, f"{exc} (quote it: \"#name\", since # starts a comment in YAML)")
            continue
        if name in out:
            add(path, key_node, "channel appears twice")
            continue
        delivery = _one_channel(value_node, path, add)
        if delivery is not None:
            out[name] = delivery
    return out
