"""Time and peak memory of one `ethics-bot once` over every hostile route, against the same
command over the good feed alone (the baseline), in the same run.

    .venv/bin/python bench/bench_hostile.py [--repeat 3]

Each run is a fresh subprocess with its own state folder; peak RSS is the child's ru_maxrss.
The hostile routes (drip, hang after headers, endless body, 1 GB gzip bomb, redirect loop,
redirect to 169.254.169.254, HTTP 500, HTML page, empty body, entity bomb) come from
tests/support/feed_server.py. fetch_timeout is 5 s and max_body_bytes 2MB, as in the test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.feed_server import FeedServer  # noqa: E402

RSS = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><title>Police buy facial "
       b"recognition kwzero</title><guid>g1</guid><description>d</description></item></channel></rss>")


def run_once(feeds: dict[str, str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        lines = "".join(f"  - url: {u}\n    name: {n}\n" for n, u in feeds.items())
        rules = Path(tmp) / "rules.yaml"
        rules.write_text(
            "version: 1\nsettings:\n  allow_private_addresses: true\n  fetch_timeout: 5s\n  max_body_bytes: 2MB\n"
            f"feeds:\n{lines}rules:\n  - id: r\n    category: c\n    query: kwzero\n"
        )
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("SLACK_")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "bot", "once", "--rules", str(rules), "--state", f"{tmp}/state",
                        "--drain", "0"], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # ru_maxrss of children is the largest child so far: run the bigger case last
        return wall, max(after.ru_maxrss, before.ru_maxrss) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with FeedServer() as server:
        server.set_feed("/good.xml", RSS)
        good = {"good": server.url("/good.xml")}
        hostile = {name: server.url(path) for name, path in server.add_hostile_routes().items()}
        base = [run_once(good) for _ in range(args.repeat)]
        bad = [run_once({**good, **hostile}) for _ in range(args.repeat)]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.repeat} runs each, median wall time\n")
    print("| case | feeds | wall time (s) | peak RSS (MB) |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| good feed only (baseline) | 1 | {statistics.median(w for w, _ in base):.1f} | "
          f"{max(r for _, r in base):.0f} |")
    print(f"| good feed + {len(hostile)} hostile routes | {len(hostile) + 1} | "
          f"{statistics.median(w for w, _ in bad):.1f} | {max(r for _, r in bad):.0f} |")


if __name__ == "__main__":
    main()
