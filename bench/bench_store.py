"""Benchmark: the store's own work for one poll cycle, on SQLite and on PostgreSQL.

What a cycle asks of the store, without fetching or parsing: for N feeds, a cold cycle (each
feed's 20 stories are new: ``known_hashes``, ``save_poll``, ``record_check``) and a warm one
(every feed answered 304: one ``record_check`` each), then the reads of a poll and delivery tick
(``feed_states``, ``due_alerts``, ``pending_count``). PostgreSQL is a throwaway cluster
(tests/support/postgres.py: a Unix socket, ``fsync=off``, so this measures round trips and
server work, not disk flushes); SQLite is a file in a temporary folder (WAL, synchronous=NORMAL).

Client CPU is this process's; server CPU is the PostgreSQL backend's, read after the store closes
its connection (the backend then exits and the postmaster reaps it: /proc/<postmaster>/stat,
cutime + cstime). The bot runs store calls on its event loop, so the wall time here is time the
loop is not fetching.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_store.py            # N = 1,000
    PYTHONPATH=$PWD .venv/bin/python bench/bench_store.py --feeds 5000
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.models import Feed, Story
from bot.store.database import Candidate, Store
from tests.support.postgres import start_server

NOW = datetime(2026, 12, 1, tzinfo=UTC)
STORIES = 20


def server_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def phase(name: str, work: Any, pid: int | None, url: str | None, folder: str) -> dict[str, float]:
    store = Store(folder, url)
    before_cpu, before_db, started = time.process_time(), server_cpu(pid) if pid else 0.0, time.perf_counter()
    statements = work(store)
    wall, cpu = time.perf_counter() - started, time.process_time() - before_cpu
    store.close()
    time.sleep(0.3)  # the backend exits with its connection; let the postmaster reap it
    db = server_cpu(pid) - before_db if pid else 0.0
    return {"phase": name, "wall": wall, "cpu": cpu, "db": db, "calls": statements}


def run(feeds: list[Feed], url: str | None, pid: int | None) -> list[dict[str, float]]:
    folder = tempfile.mkdtemp(prefix="bench-store-")
    try:
        setup = Store(folder, url)
        setup.sync_feeds(feeds, NOW)
        setup.close()

        def cold(store: Store) -> int:
            for f in feeds:
                cands = [Candidate(Story(key=f"k{j}", feed_url=f.url, source="s", title=f"story {j} of {f.url}",
                                         summary="x" * 200, published=NOW), (), f"h{j}") for j in range(STORIES)]
                store.known_hashes(f.url, [c.story.key for c in cands])
                store.save_poll(f.url, cands, now=NOW, alert_since=NOW - timedelta(days=1), alert_undated=False,
                                dedup_window=3600)
                store.record_check(f.url, now=NOW, next_check=NOW + timedelta(minutes=10))
            return len(feeds) * 3

        def warm(store: Store) -> int:
            for f in feeds:
                store.record_check(f.url, now=NOW, next_check=NOW + timedelta(minutes=10))
            return len(feeds)

        def tick(store: Store) -> int:
            for _ in range(100):
                store.feed_states(due_at=NOW + timedelta(hours=1))
                store.due_alerts(NOW)
                store.pending_count()
            return 300

        return [phase(n, w, pid, url, folder) for n, w in (("cold", cold), ("warm (all 304)", warm),
                                                           ("100 ticks of reads", tick))]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--feeds", type=int, default=1000)
    args = p.parse_args()
    feeds = [Feed(f"https://f{i}.example/rss", f"Feed {i}", 600) for i in range(args.feeds)]
    server = start_server()
    try:
        rows = [("SQLite", r) for r in run(feeds, None, None)]
        rows += [("PostgreSQL", r) for r in run(feeds, server.new_database(), server.process.pid)]
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"## Store work per poll cycle, {args.feeds:,} feeds — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print(f"Command: `PYTHONPATH=$PWD .venv/bin/python bench/bench_store.py --feeds {args.feeds}`  ")
    print(f"Load average after: {load}\n")
    print("| backend | phase | store calls | wall s | client CPU s | server CPU s |")
    print("|---|---|---:|---:|---:|---:|")
    for backend, r in rows:
        server_cell = f"{r['db']:.2f}" if backend == "PostgreSQL" else "-"
        print(f"| {backend} | {r['phase']} | {int(r['calls']):,} | {r['wall']:.2f} | {r['cpu']:.2f} | {server_cell} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
