"""Benchmark: the daemon's memory and CPU over many polls (does anything grow?).

Runs ``ethics-bot run`` for ``--minutes`` against ``--feeds`` feeds of the polling benchmark's
server (``bench/poll_server.py``, 50 ms per answer), each with a short polling interval
(``--interval`` seconds) so that the daemon makes in minutes the polls it would make in weeks.
Every ``--round-every`` seconds the server moves to its next round: 20% of the feeds gain 1-3
new stories (about 1% of stories match a rule and alert, printed to the console sink), 70%
answer 304, 5% answer slowly and 5% answer HTTP 500, as in ``bench_poll.py``. Every 10 s it
samples the daemon's resident memory (``VmRSS``, with its worker processes if any) and CPU time
from /proc, and the number of stories in its database.

Prints a markdown table of the samples, then RSS after the first minute (start-up and the first
full poll), at half time and at the end, and the trend over the second half.

    .venv/bin/python bench/bench_soak.py                      # 300 feeds, 5 minutes
    .venv/bin/python bench/bench_soak.py --feeds 1000 --minutes 20
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_poll import child_env, rules_yaml  # noqa: E402
from poll_server import KEYWORDS, PollServer  # noqa: E402

BOT = ROOT / ".venv" / "bin" / "ethics-bot"
TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / TICKS


def stories(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM stories").fetchone()[0])
    except sqlite3.Error:
        return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--feeds", type=int, default=300)
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--interval", type=int, default=5, help="each feed's polling interval, seconds")
    p.add_argument("--round-every", type=float, default=10.0, help="seconds between server rounds")
    args = p.parse_args(argv)

    server = PollServer(args.feeds).start()
    samples: list[tuple[float, float, float, int]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
            work = Path(tmp)
            text = rules_yaml(server.urls, KEYWORDS).replace(
                "  poll_interval: 15m\n",
                f"  poll_interval: {args.interval}s\n  min_interval: {args.interval}s\n"
                f"  max_interval: {args.interval * 4}s\n",
            )
            (work / "rules.yaml").write_text(text)
            cmd = [str(BOT), "run", "--rules", str(work / "rules.yaml"), "--state", str(work / "state"),
                   "--poll-tick", "1", "--log-format", "json", "--log-level", "warning"]
            with open(work / "bot.log", "w") as log, open(os.devnull, "w") as devnull:
                proc = subprocess.Popen(cmd, env=child_env(), stdout=devnull, stderr=log, cwd=ROOT)
                started = time.monotonic()
                next_round, next_sample, number = started + args.round_every, started + 10, 0
                end = started + args.minutes * 60
                while time.monotonic() < end and proc.poll() is None:
                    now = time.monotonic()
                    if now >= next_round:
                        number += 1
                        server.set_round(number)
                        next_round += args.round_every
                    if now >= next_sample:
                        pids = [proc.pid, *descendants(proc.pid)]
                        samples.append((now - started, sum(rss_mb(q) for q in pids),
                                        sum(cpu_seconds(q) for q in pids), stories(work / "state" / "bot.sqlite3")))
                        next_sample += 10
                    time.sleep(0.2)
                crashed = proc.poll()
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(30)
                time.sleep(1)  # let the server see the bot's connections close before it stops
            errors = [line for line in (work / "bot.log").read_text().splitlines() if '"critical"' in line]
    finally:
        server.stop()

    print(f"## Soak: `ethics-bot run`, {args.feeds} feeds every {args.interval} s, {args.minutes:g} min\n")
    print(f"Server rounds: {number} (one every {args.round_every:g} s). Exit code after SIGTERM: {code}"
          f"{' (it had stopped on its own!)' if crashed is not None else ''}; critical log lines: {len(errors)}.\n")
    print("| time s | RSS MB (with workers) | CPU s | stories stored |")
    print("|---:|---:|---:|---:|")
    for at, rss, cpu, count in samples:
        print(f"| {at:.0f} | {rss:.1f} | {cpu:.1f} | {count} |")
    after_minute = [s for s in samples if s[0] >= 60]
    if len(after_minute) >= 4:
        first, middle, last = after_minute[0], after_minute[len(after_minute) // 2], after_minute[-1]
        hours = (last[0] - middle[0]) / 3600
        trend = (last[1] - middle[1]) / hours
        peak = max(s[1] for s in samples)
        print(f"\nRSS at {first[0]:.0f} s {first[1]:.1f} MB, at {middle[0]:.0f} s {middle[1]:.1f} MB, "
              f"at {last[0]:.0f} s {last[1]:.1f} MB; over the second half {trend:+.1f} MB per hour at "
              f"this pace; peak {peak:.1f} MB (with workers). CPU after the first minute: "
              f"{last[2] - first[2]:.1f} s.")
    return 0 if code == 0 and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
