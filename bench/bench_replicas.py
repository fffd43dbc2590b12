"""Benchmark: one poll cycle of N local feeds with 1, 2 and 3 ``ethics-bot run`` replicas sharing
one PostgreSQL database, and how the feeds spread over the replicas.

For each replica count K in ``--replicas`` (default 1,2,3), on a fresh database of a throwaway
PostgreSQL cluster (initdb in a temporary folder, Unix socket only, ``fsync=off``, the test
suite's ``tests/support/postgres.py``; or ``--database-url``, where each run gets a new database)
and a fresh ``bench/poll_server.py`` (N generated feeds on 64 loopback addresses, every answer
delayed ``--latency`` s):

Baseline (unless ``--no-baseline``): the same with one process on a SQLite state folder, the
single-container setup (no ``BOT_DATABASE_URL``), measured in the same run.

1. K replicas start (``ethics-bot run --poll-tick 0.5``, JSON logs to a file, console sink,
   ``--metrics-port``) with the bench rules of bench_poll.py (``poll_interval: 15m``, so nothing
   is polled twice unasked) and poll every feed once (the cold cycle: every feed 200, every story
   new). Its time includes the replicas' start-up, so it is shown but not the figure to size by.
2. The server switches to its re-poll round (70% of feeds 304, 20% with 1-3 new stories, 5% slow
   (``--slow`` s), 5% HTTP 500), and every feed is made due at one instant T0 (an UPDATE of
   ``next_check_at``). **Warm cycle** = the last ``last_check_at`` minus T0: how long K replicas
   take to check every feed once. **Feeds per replica** = each replica's ``ethics_bot_feed_checks``
   delta on its /metrics over that cycle.

The K replicas, the feed server, PostgreSQL and this harness share the machine's cores, so a
replica on a machine of its own would do better than these figures; "load" is the 1-minute load
average before and after each run (other people's jobs slow every figure).

    .venv/bin/python bench/bench_replicas.py                        # N = 1,000, K = 1, 2, 3
    .venv/bin/python bench/bench_replicas.py --feeds 3000 --latency 0.3 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from bench_poll import rules_yaml  # noqa: E402
from poll_server import KEYWORDS, PollServer  # noqa: E402


@dataclass
class Run:
    replicas: int
    cold: float
    warm: float
    per_replica: list[int]
    load: tuple[float, float]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def checks(port: int) -> int:
    """The replica's ``ethics_bot_feed_checks_total``, summed over outcomes."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return int(sum(float(line.split()[-1]) for line in text.splitlines()
                   if line.startswith("ethics_bot_feed_checks_total{")))


def query(url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement on the run's database: PostgreSQL, or a SQLite file (``sqlite:PATH``)."""
    if url.startswith("sqlite:"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:"), timeout=30, isolation_level=None)
        try:
            return list(conn.execute(sql.replace("%s", "?"), params).fetchall())
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return list(cur.fetchall()) if cur.description else []


def wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return
        except Exception:  # the replicas have not created the tables yet
            pass
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def one_run(k: int, args: argparse.Namespace, new_database: object, work: Path, sqlite: bool = False) -> Run:
    """K replicas on a new PostgreSQL database, or (``sqlite``) one process on a SQLite state
    folder, the single-container setup, as the baseline."""
    url = f"sqlite:{work / f's{k}-0' / 'bot.sqlite3'}" if sqlite else new_database()  # type: ignore[operator]
    work.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()[0]
    with PollServer(args.feeds, latency=args.latency, slow_latency=args.slow) as server:
        rules = work / f"rules-{k}.yaml"
        rules.write_text(rules_yaml(server.urls, KEYWORDS, args.concurrency), encoding="utf-8")
        env = {key: v for key, v in os.environ.items() if not key.startswith(("SLACK_", "BOT_"))}
        env |= {"PYTHONPATH": str(ROOT), "NO_PROXY": "*"} | ({} if sqlite else {"BOT_DATABASE_URL": url})
        ports = [free_port() for _ in range(k)]
        procs = []
        started = time.time()
        for i, port in enumerate(ports):
            log = open(work / f"replica-{k}-{i}.log", "ab")  # noqa: SIM115 (the child writes it)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--rules", str(rules), "--state", str(work / f"s{k}-{i}"),
                 "--poll-tick", "0.5", "--metrics-port", str(port), "--log-format", "json"],
                cwd=ROOT, env=env | {"BOT_REPLICA_ID": f"replica-{i + 1}"}, stdout=subprocess.DEVNULL, stderr=log))
        try:
            n = args.feeds
            wait(lambda: query(url, "SELECT COUNT(last_check_at) FROM feeds")[0][0] == n, 600, "the cold cycle")
            cold = float(query(url, "SELECT MAX(last_check_at) FROM feeds")[0][0]) - started  # type: ignore[arg-type]
            wait(lambda: all(_up(p) for p in ports), 60, "the metrics endpoints")
            server.set_round(1)
            before = [checks(p) for p in ports]
            t0 = time.time() + 1.0
            query(url, "UPDATE feeds SET next_check_at = %s", (t0,))
            wait(lambda: query(url, "SELECT COUNT(*) FROM feeds WHERE last_check_at >= %s", (t0,))[0][0] == n,
                 600, "the warm cycle")
            warm = float(query(url, "SELECT MAX(last_check_at) FROM feeds")[0][0]) - t0  # type: ignore[arg-type]
            time.sleep(0.5)
            per = [checks(p) - b for p, b in zip(ports, before, strict=True)]
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
    return Run(0 if sqlite else k, cold, warm, per, (load0, os.getloadavg()[0]))


def _up(port: int) -> bool:
    try:
        checks(port)
    except OSError:
        return False
    return True


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--replicas", default="1,2,3")
    p.add_argument("--latency", type=float, default=0.25, help="seconds every answer waits (default 0.25)")
    p.add_argument("--slow", type=float, default=2.0, help="seconds the 5%% slow feeds wait (default 2)")
    p.add_argument("--concurrency", type=int, default=None, help="settings.concurrency (default: the bot's, 100)")
    p.add_argument("--repeat", type=int, default=1, help="runs per replica count; medians are shown")
    p.add_argument("--database-url", help="a PostgreSQL server to use (default: a throwaway cluster)")
    p.add_argument("--no-baseline", dest="baseline", action="store_false",
                   help="skip the baseline: one process on SQLite (the single-container setup)")
    args = p.parse_args()
    server = None
    if args.database_url:
        import psycopg

        numbers = iter(range(1, 10_000))

        def new_database() -> str:
            name = f"bench_replicas_{os.getpid()}_{next(numbers)}"
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            return str(args.database_url).rsplit("/", 1)[0] + "/" + name
    else:
        from tests.support.postgres import start_server

        server = start_server()
        new_database = server.new_database
    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
            plan = ([(1, True)] if args.baseline else []) + [(int(x), False) for x in args.replicas.split(",")]
            for k, sqlite in plan:
                for r in range(args.repeat):
                    run = one_run(k, args, new_database, Path(tmp) / f"{k}-{sqlite}-{r}", sqlite)
                    runs.append(run)
                    print(f"K={run.replicas or 'sqlite'}: cold {run.cold:.1f}s, warm {run.warm:.1f}s, "
                          f"per replica {run.per_replica}, load {run.load[0]:.1f}->{run.load[1]:.1f}", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.folder, ignore_errors=True)
    print(f"\n{args.feeds} feeds, answers delayed {args.latency}s (5% {args.slow}s, 5% HTTP 500), "
          f"concurrency {args.concurrency or 100} per replica, {os.cpu_count()} cores, medians of {args.repeat}\n")
    print("| replicas | warm cycle (s) | feeds/s | feeds per replica (warm cycle) | cold cycle incl. start (s) "
          "| load avg |")
    print("| --- | --- | --- | --- | --- | --- |")
    for k in sorted({r.replicas for r in runs}):
        mine = [r for r in runs if r.replicas == k]
        warm = statistics.median(r.warm for r in mine)
        cold = statistics.median(r.cold for r in mine)
        per = " / ".join(str(x) for x in mine[len(mine) // 2].per_replica)
        load = f"{mine[0].load[0]:.1f}->{mine[-1].load[1]:.1f}"
        print(f"| {k or '1 (SQLite, baseline)'} | {warm:.1f} | {args.feeds / warm:.0f} | {per} | {cold:.1f} | {load} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
