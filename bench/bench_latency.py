"""Benchmark: poll-to-Slack latency of the running daemon, against the local fake Slack.

Starts, in this process, the bench feed server (``bench/poll_server.py``) with one live feed and
the fake Slack (``tests/support/fake_slack.py``), then runs ``ethics-bot run --poll-tick 0.5`` as a
subprocess with a bot token pointed at the fake. The live feed gains a new matching story every
``--every`` seconds (``--stories`` in all), each story matching one of ``--channels`` rules with
its own channel, round-robin. The feed has ``interval: 1s`` (``min_interval: 1s``), so each poll
tick that finds it due fetches it; each answer is delayed 50 ms like the other benchmarks.

For each story, latency = the moment the fake Slack accepted its message minus the moment the
feed server served the first body that contained it; both clocks are ``time.monotonic`` in this
process. It therefore leaves out the time a story waits on the server before a poll asks for it
(the polling interval), and counts everything after: the rest of the HTTP exchange, parsing,
matching, storing, the wait for the delivery tick, and the Slack call. Also reported: the
daemon's own ``ethics_bot_delivery_latency_seconds`` histogram (alert queued to Slack accepted),
scraped from its metrics port at the end.

    .venv/bin/python bench/bench_latency.py                 # 60 stories, one every 1.5 s
    .venv/bin/python bench/bench_latency.py --stories 20    # a quicker look
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_server import KEYWORDS, PollServer  # noqa: E402

from tests.support.fake_slack import FakeSlack, PostedMessage  # noqa: E402

BOT = ROOT / ".venv" / "bin" / "ethics-bot"
MARK = re.compile(r"LIVE-(\d{4})")


class TimedSlack(FakeSlack):
    """The fake Slack, noting when (time.monotonic) it accepted each message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accepted: list[tuple[float, PostedMessage]] = []

    def store(self, message: PostedMessage) -> None:
        self.accepted.append((time.monotonic(), message))
        super().store(message)


class LiveFeed:
    """A feed that gains story k at ``start + k * every``; notes when each was first served."""

    def __init__(self, stories: int, every: float, channels: int) -> None:
        self.stories = stories
        self.every = every
        self.channels = channels
        self.start = 0.0
        self.first_served: dict[int, float] = {}
        self.request_times: list[float] = []
        self._lock = threading.Lock()

    def visible(self, now: float) -> int:
        if not self.start:
            return 0
        return min(self.stories, int((now - self.start) / self.every) + 1)

    def __call__(self, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        now = time.monotonic()
        count = self.visible(now)
        self.request_times.append(now)
        etag = f'"live-{count}"'
        if headers.get("if-none-match") == etag:
            return 304, {"ETag": etag}, b""
        shown = list(range(count - 1, max(count - 21, -1), -1))
        with self._lock:
            for k in shown:
                self.first_served.setdefault(k, now)
        return 200, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag}, self.render(shown)

    def render(self, shown: list[int]) -> bytes:
        stamp = format_datetime(datetime.now(UTC), usegmt=True)
        items = []
        for k in shown:
            keyword = KEYWORDS[k % self.channels]
            items.append(
                f"<item><title>LIVE-{k:04d} {keyword} report number {k}</title>"
                f"<link>https://live.example/{k}</link><guid isPermaLink=\"false\">live-{k}</guid>"
                f"<pubDate>{stamp}</pubDate><description>Story {k} of the live feed mentions "
                f"{keyword} in its summary.</description></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Live</title>'
            "<link>https://live.example/</link><description>live bench feed</description>"
            + "".join(items)
            + "</channel></rss>"
        ).encode()


def rules_yaml(url: str, channels: int) -> str:
    lines = [
        "version: 1",
        "settings:",
        "  poll_interval: 1s",
        "  min_interval: 1s",
        "  lookback: 24h",
        '  default_channel: "#bench-lat-0"',
        "  allow_private_addresses: true",
        "feeds:",
        f"  - url: {url}",
        "    name: Live bench feed",
        "rules:",
    ]
    for c in range(channels):
        lines += [
            f"  - id: live-{c}",
            f"    category: live-{c}",
            f"    query: '{KEYWORDS[c]}'",
            f'    channel: "#bench-lat-{c}"',
        ]
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape_histogram(port: int) -> dict[str, float]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("ethics_bot_delivery_latency_seconds"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[rank]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stories", type=int, default=60)
    p.add_argument("--every", type=float, default=1.5, help="seconds between new stories (default 1.5)")
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--poll-tick", type=float, default=0.5)
    args = p.parse_args(argv)
    if not BOT.exists():
        raise SystemExit(f"{BOT} not found: run `make test` or `pip install -e .` in .venv first")
    started = datetime.now(UTC)
    feed = LiveFeed(args.stories, args.every, args.channels)
    server = PollServer(0, hosts=1).start()
    url = server.route("/live.xml", feed)
    metrics_port = free_port()
    with TimedSlack() as slack, tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        for c in range(args.channels):
            slack.add_channel(f"bench-lat-{c}")
        rules = Path(tmp) / "rules.yaml"
        rules.write_text(rules_yaml(url, args.channels))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOT_"))}
        env.update(SLACK_BOT_TOKEN=slack.token, SLACK_API_URL=slack.api_url, NO_PROXY="127.0.0.1,localhost")
        log_path = Path(tmp) / "daemon.log"
        cmd = [
            str(BOT), "run", "--rules", str(rules), "--state", str(Path(tmp) / "state"),
            "--poll-tick", str(args.poll_tick), "--metrics-port", str(metrics_port), "--log-format", "json",
        ]
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
            try:
                time.sleep(2.0)  # let the daemon start and poll the (still empty) feed once
                feed.start = time.monotonic()
                deadline = feed.start + args.stories * args.every + 15
                while time.monotonic() < deadline and len(slack.accepted) < args.stories:
                    if proc.poll() is not None:
                        raise SystemExit(f"the daemon exited early:\n{log_path.read_text()[-3000:]}")
                    time.sleep(0.2)
                histogram = scrape_histogram(metrics_port)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        accepted = list(slack.accepted)
    server.stop()

    latencies: list[float] = []
    per_channel: dict[str, int] = {}
    seen: set[int] = set()
    for at, message in accepted:
        found = MARK.search(message.text or "") or MARK.search(str(message.blocks))
        if not found:
            continue
        k = int(found.group(1))
        if k in seen or k not in feed.first_served:
            continue
        seen.add(k)
        latencies.append(at - feed.first_served[k])
        per_channel[message.channel_name] = per_channel.get(message.channel_name, 0) + 1
    missing = args.stories - len(latencies)

    print(f"## Poll-to-Slack latency — {started:%Y-%m-%d %H:%M} UTC\n")
    shown_args = " ".join(argv if argv is not None else sys.argv[1:])
    command = " ".join([".venv/bin/python bench/bench_latency.py", shown_args]).strip()
    print(f"Command: `{command}`  ")
    system = f"{platform.system()} {platform.release()}"
    print(f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {system}  ")
    times = feed.request_times
    period = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else 0.0
    print(
        f"Daemon: `ethics-bot run --poll-tick {args.poll_tick:g}`, feed `interval: 1s` (fetched {len(times)} times, "
        f"every {period:.2f} s on average), a new matching story every {args.every:g} s, {args.stories} stories "
        f"over {args.channels} channels, fake Slack in-process.\n"
    )
    if not latencies:
        print("No story reached the fake Slack: see the daemon log.")
        print(log_path.read_text()[-3000:] if log_path.exists() else "")
        return 1
    print("| stories delivered | median s | p95 s | max s | min s | per channel |")
    print("|---:|---:|---:|---:|---:|---|")
    channels = ", ".join(f"{k}: {v}" for k, v in sorted(per_channel.items()))
    median, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(
        f"| {len(latencies)} of {args.stories} | {median:.3f} | {p95:.3f} "
        f"| {max(latencies):.3f} | {min(latencies):.3f} | {channels} |"
    )
    buckets: dict[float, int] = {}
    for value in latencies:
        key = int(value * 10) / 10
        buckets[key] = buckets.get(key, 0) + 1
    spread = ", ".join(f"{k:.1f}-{k + 0.1:.1f} s: {v}" for k, v in sorted(buckets.items()))
    print(f"\nDistribution: {spread}.")
    count = histogram.get("ethics_bot_delivery_latency_seconds_count")
    total = histogram.get("ethics_bot_delivery_latency_seconds_sum")
    if count:
        print(
            f"\nThe daemon's own histogram (alert queued -> Slack accepted): {count:.0f} alerts, "
            f"mean {total / count:.3f} s." if total is not None else ""
        )
    print(f"\nTarget p95 < 1 s: {p95:.3f} s, {'met' if p95 < 1 else 'MISSED'}.")
    if missing:
        print(f"\n{missing} stories were not delivered in time (counted as missing, not in the figures).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
