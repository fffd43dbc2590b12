"""Benchmark: one poll cycle of ``ethics-bot once`` over N local feeds, against the sequential loop.

For each N in ``--sizes``, against ``bench/poll_server.py`` (N generated RSS feeds of ~10 KB and
20 items, spread over ``--hosts`` loopback addresses, every answer delayed ``--latency`` s):

* **baseline**: what people run today, as a subprocess: for each feed in turn ``httpx.get``,
  ``feedparser.parse`` on the bytes, and a loop of the 20 bench keywords over every entry's title
  and summary. It sees the server's first-poll answers (all 200), the same as the cold cycle; on a
  re-poll it would be slower, since it would also wait out every slow feed in turn, so the warm
  ratio below is a lower bound.
* **cold**: ``ethics-bot once`` on an empty state folder (every feed 200, every story new, the
  stories that match alert).
* **warm**: ``ethics-bot once`` again on that state, after ``set_round(1)``: 70% of feeds answer
  304 to the ETag, 20% have 1-3 new stories, 5% answer after ``--slow`` s, 5% answer HTTP 500.

Each run is a subprocess; wall time is measured around it, CPU seconds are the
``getrusage(RUSAGE_CHILDREN)`` delta (user + system, including the parser worker processes the
bot reaps), and peak RSS is the child's own high-water mark (``VmHWM``, sampled every 50 ms; its
``ru_maxrss`` would include this harness's RSS, which Linux carries into a forked child), next to
the peak summed RSS of the child and its worker processes. "Other CPU" is what the rest of the
machine burned meanwhile (from /proc/stat): other people's jobs make every figure slower.

The bot runs with the bench rules (the 20 keywords in 4 rules over 3 channels),
``allow_private_addresses: true``, default ``concurrency`` (100, or ``--concurrency``) and
``per_host`` (4), JSON logs to a file, no Slack settings (console sink, stdout to /dev/null) and a
pacing of 1,000 messages/s per channel, since the console has no rate limit to respect. The bot
package is whatever the venv imports (``PYTHONPATH`` can point it at another checkout to compare
versions); the output names it.

``--corpus real`` serves the real feed documents of ``../shared/feeds/real`` instead
(``poll_server.RealPollServer``, ``real_feeds.py``; skipped with a message when the folder is
absent): N feeds, each one document of the corpus in turn (113 documents, so each about N/113
times), its items' guids, ids and links marked with the feed number so the copies are distinct
stories and links, with the document's own Content-Type and ETag + Last-Modified. Cold: every
feed 200. Warm: the same 70/20/5/5 behaviours, a changed feed showing 1-3 more of the document's
own items. The bot runs the SHIPPED rules.yaml (its settings, lists and 66 rules, feeds replaced)
without its ``semantic:`` section (``--semantic`` keeps it: with every real item able to alert
here, the layer would embed all ~25,000 stories, which measures the model, not polling) and with
``REAL_SETTINGS`` on top (loopback allowed; lookback and retention of 100 years so that every
real item counts as a new story that may alert, as a new feed's items would; no Slack pacing); the
baseline runs the same sequential loop with the shipped rules' strong terms
(``real_feeds.strong_terms``: the 138 single-term alternatives of the ``*-terms`` rules) instead
of the 20 bench keywords. ``--corpus generated,real`` runs both, one table each.

Why many loopback addresses: all feeds on 127.0.0.1 would be one host, which ``per_host`` (4)
serialises. Spreading them over 64 addresses (~N/64 feeds each) keeps per-host limits real but
lets 64 x 4 = 256 requests through, more than the overall limit of 100, as with many publishers.

    .venv/bin/python bench/bench_poll.py                       # N = 100 and 1,000
    .venv/bin/python bench/bench_poll.py --sizes 100,1000 --repeat 3   # medians of 3 bot runs
    .venv/bin/python bench/bench_poll.py --sizes 100,1000,10000
    .venv/bin/python bench/bench_poll.py --corpus generated,real --sizes 1000   # both corpora
    .venv/bin/python bench/bench_poll.py --sizes 1000 --postgres   # the state in a throwaway PostgreSQL

When N exceeds ``--baseline-sample`` (1,000), the baseline polls every k-th feed only (a sample of
that size) and its wall and CPU figures are multiplied by k; the table says so on those rows.
Prints a markdown table; ``--json FILE`` also saves the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
BOT = ROOT / ".venv" / "bin" / "ethics-bot"
CHANNELS = ("#bench-a", "#bench-b", "#bench-c")


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    label: str
    feeds: int  # feeds polled
    wall: float
    cpu: float
    rss_mb: float
    exit_code: int
    tree_rss_mb: float = 0.0  # peak of the summed RSS of the child and its descendants (sampled)
    tree_pss_mb: float = 0.0  # the same for PSS: each shared page split among the processes mapping it
    other_cpu: float = 0.0  # CPU seconds the rest of the machine used meanwhile (not us, not the child)
    scale: float = 1.0  # > 1 when extrapolated from a sample
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu / self.feeds * 1000 if self.feeds else 0.0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRss:
    """Samples, every 50 ms, the child's own peak RSS (VmHWM), and the summed RSS and summed PSS
    of the child and its descendants (worker processes, multiprocessing's resource tracker).
    Summed RSS counts a page shared by several of them (the interpreter, its libraries) once per
    process; summed PSS splits it among them, so it is what the processes together keep in
    memory, as a container's memory accounting sees it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.hwm_kb = 0
        self.tree_kb = 0
        self.pss_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.hwm_kb = max(self.hwm_kb, _status_kb(self.pid, "VmHWM:"))
            tree = _descendants(self.pid)
            self.tree_kb = max(self.tree_kb, sum(_status_kb(p, "VmRSS:") for p in tree))
            self.pss_kb = max(self.pss_kb, sum(_pss_kb(p) for p in tree))

    def stop(self) -> tuple[float, float, float]:
        self._stop.set()
        self._thread.join()
        return self.hwm_kb / 1024, self.tree_kb / 1024, self.pss_kb / 1024


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all CPUs; /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    steal = fields[7] if len(fields) > 7 else 0
    return (sum(fields[:8]) - idle - steal) / os.sysconf("SC_CLK_TCK")


def measure(label: str, cmd: list[str], feeds: int, *, env: dict[str, str], stdout: Any, stderr: Any) -> Run:
    """Run ``cmd`` as a child; wall time, RUSAGE_CHILDREN CPU delta (which includes the child's
    own reaped children, such as parser worker processes) and the child's peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    me_before = time.process_time()
    busy_before = _machine_busy()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=stderr, cwd=ROOT)
    sampler = TreeRss(proc.pid)
    _, status, _usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = _machine_busy() - busy_before
    hwm, tree, pss = sampler.stop()
    me = time.process_time() - me_before
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    other = max(0.0, busy - cpu - me)
    # Not usage.ru_maxrss: Linux folds the parent's RSS at fork time into the child's ru_maxrss
    # (exec records the old mm's high-water mark), and this harness holds every feed body.
    return Run(label, feeds, wall, cpu, hwm, proc.returncode, tree_rss_mb=tree, tree_pss_mb=pss, other_cpu=other)


# --------------------------------------------------------------------------- the baseline child


def baseline_main(urls_file: str, terms_file: str) -> int:
    """The sequential loop people run today (run as a child process by ``run_baseline``): the
    terms are (text, case_sensitive) pairs, lower-cased unless case-sensitive."""
    import feedparser
    import httpx

    terms = json.loads(Path(terms_file).read_text())
    folded = [t for t, exact in terms if not exact]
    exact_terms = [t for t, exact in terms if exact]
    urls = Path(urls_file).read_text().split()
    entries = matched = errors = 0
    for url in urls:
        try:
            response = httpx.get(url)
            response.raise_for_status()
        except httpx.HTTPError:
            errors += 1
            continue
        parsed = feedparser.parse(response.content)
        for entry in parsed.entries:
            entries += 1
            text = f"{entry.get('title', '')} {entry.get('summary', '')}"
            lowered = text.lower()
            if any(t in lowered for t in folded) or any(t in text for t in exact_terms):
                matched += 1
    print(json.dumps({"feeds": len(urls), "entries": entries, "matched": matched, "errors": errors}))
    return 0


# --------------------------------------------------------------------------- the driver


def rules_yaml(urls: list[str], keywords: tuple[str, ...], concurrency: int | None = None) -> str:
    lines = [
        "version: 1",
        "settings:",
        "  poll_interval: 15m",
        "  lookback: 24h",
        '  default_channel: "#bench-a"',
        "  allow_private_addresses: true  # the bench feeds live on loopback addresses",
        "  channel_rate: 1000  # the console sink has no Slack rate limit to respect",
        "  channel_burst: 1000",
    ]
    if concurrency:
        lines.append(f"  concurrency: {concurrency}")
    lines.append("rules:")
    for n in range(4):
        terms = " OR ".join(keywords[n * 5 : n * 5 + 5])
        lines += [
            f"  - id: bench-rule-{n}",
            f"    category: bench-{n}",
            f"    description: bench keywords {n * 5}-{n * 5 + 4}",
            f"    query: '{terms}'",
            f'    channel: "{CHANNELS[n % len(CHANNELS)]}"',
        ]
    lines.append("feeds:")
    for i, url in enumerate(urls):
        lines += [f"  - url: {url}", f"    name: Bench feed {i}"]
    return "\n".join(lines) + "\n"


SHIPPED_RULES = ROOT / "rules.yaml"
# What the real mode changes in the shipped settings: the served feeds are on loopback; real
# items are months or years old, so lookback and retention are wide enough that every item
# counts as a new story that may alert, as a fresh feed's items would in the daemon; the console
# sink has no Slack rate limit to wait for.
REAL_SETTINGS: dict[str, Any] = {
    "allow_private_addresses": True,
    "lookback": "36500d",
    "retention": "36500d",
    "channel_rate": 1000,
    "channel_burst": 1000,
}


def real_rules_yaml(
    urls: list[str], documents: list[str], concurrency: int | None = None, *, semantic: bool = False
) -> str:
    """The shipped rules.yaml (its settings, lists and rules) with the served feeds instead of
    its own and ``REAL_SETTINGS`` on top; without its ``semantic:`` section unless ``semantic``."""
    import yaml

    data = yaml.safe_load(SHIPPED_RULES.read_text(encoding="utf-8"))
    if not semantic:
        data.pop("semantic", None)
    data["settings"] = {**(data.get("settings") or {}), **REAL_SETTINGS}
    if concurrency:
        data["settings"]["concurrency"] = concurrency
    pairs = enumerate(zip(urls, documents, strict=True))
    data["feeds"] = [{"url": url, "name": f"Real feed {i}: {doc}"} for i, (url, doc) in pairs]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOT_"))}
    env["PYTHONUNBUFFERED"] = "0"
    return env


class Postgres:
    """``--postgres``: the state in a throwaway PostgreSQL (tests/support/postgres.py), a fresh
    database per state folder, so a cold run starts empty and the warm run continues it. The
    server's CPU is not the child's (it is this harness's child): each run reads it apart, as
    the postmaster's own and its reaped backends' ticks (/proc/<pid>/stat)."""

    server: Any = None
    urls: ClassVar[dict[str, str]] = {}

    @classmethod
    def start(cls) -> None:
        sys.path.insert(0, str(ROOT))
        from tests.support.postgres import start_server

        cls.server = start_server()

    @classmethod
    def env(cls, state: Path) -> dict[str, str]:
        env = child_env()
        if cls.server is not None:
            if str(state) not in cls.urls:
                cls.urls[str(state)] = cls.server.new_database()
            env["BOT_DATABASE_URL"] = cls.urls[str(state)]
        return env

    @classmethod
    def cpu(cls) -> float:
        if cls.server is None:
            return 0.0
        with open(f"/proc/{cls.server.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def log_events(path: Path, names: set[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    warnings = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") in names:
            out[record["event"]] = record
        if record.get("level") in ("error", "critical"):
            warnings += 1
    out["_errors"] = {"count": warnings}
    return out


def run_bot(label: str, n: int, rules: Path, state: Path, work: Path) -> Run:
    log_path = work / f"{label}.log"
    cmd = [str(BOT), "once", "--rules", str(rules), "--state", str(state), "--log-format", "json", "--drain", "30"]
    db_cpu = Postgres.cpu()
    with open(log_path, "w") as log, open(os.devnull, "w") as devnull:
        run = measure(label, cmd, n, env=Postgres.env(state), stdout=devnull, stderr=log)
    time.sleep(0.5)  # the backend exits when the bot disconnects; let the postmaster reap it
    events = log_events(log_path, {"poll_done", "once_done"})
    poll, done = events.get("poll_done", {}), events.get("once_done", {})
    run.facts = {
        "failed": poll.get("failed"),
        "new": poll.get("new"),
        "alerts": poll.get("alerts"),
        "sent": done.get("sent"),
        "pending": done.get("pending"),
        "log_errors": events["_errors"]["count"],
    }
    if Postgres.server is not None:
        run.facts["db_cpu"] = Postgres.cpu() - db_cpu
    if run.exit_code != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise SystemExit(f"ethics-bot once failed ({run.exit_code}) for {label}:\n{tail}")
    return run


def run_baseline(n: int, urls: list[str], sample: int, work: Path, terms: list[tuple[str, bool]]) -> Run:
    step = max(1, -(-n // sample)) if sample and n > sample else 1
    chosen = urls[::step]
    urls_file = work / "baseline-urls.txt"
    urls_file.write_text("\n".join(chosen) + "\n")
    terms_file = work / "baseline-terms.json"
    terms_file.write_text(json.dumps(terms))
    out_path = work / "baseline.out"
    cmd = [sys.executable, str(Path(__file__).resolve()), "_baseline", str(urls_file), str(terms_file)]
    with open(out_path, "w") as out:
        run = measure("baseline", cmd, len(chosen), env=child_env(), stdout=out, stderr=subprocess.STDOUT)
    if run.exit_code != 0:
        raise SystemExit(f"the baseline failed:\n{out_path.read_text()[-2000:]}")
    run.facts = json.loads(out_path.read_text().strip().splitlines()[-1])
    if step > 1:
        scale = n / len(chosen)
        run.scale = scale
        run.wall *= scale
        run.cpu *= scale
        run.feeds = n
    return run


def median_run(runs: list[Run]) -> dict[str, Any]:
    """One row for repeated runs: the median of each figure, the range of wall times."""
    last = runs[-1]
    row = asdict(last)
    for name in ("wall", "cpu", "rss_mb", "tree_rss_mb", "tree_pss_mb", "other_cpu"):
        row[name] = statistics.median(getattr(r, name) for r in runs)
    row["cpu_per_1000"] = row["cpu"] / last.feeds * 1000 if last.feeds else 0.0
    row["walls"] = [round(r.wall, 2) for r in runs]
    return row


def bench_size(n: int, args: argparse.Namespace, corpus: str) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from poll_server import ITEMS, KEYWORDS, NEW, PollServer, RealPollServer, behaviour

    options: dict[str, Any] = {"hosts": args.hosts, "latency": args.latency, "slow_latency": args.slow}
    real = corpus == "real"
    if real:
        from real_feeds import strong_terms

        server: PollServer = RealPollServer(n, args.documents, **options).start()
        terms = strong_terms(SHIPPED_RULES)
    else:
        server = PollServer(n, **options).start()
        terms = [(k.lower(), False) for k in KEYWORDS]
    try:
        # Render every body the runs will ask for before timing, so the server (this process)
        # spends as little CPU as possible while a child is measured.
        for i in range(n):
            server.body(i, 0)
            if behaviour(i) == NEW:
                server.body(i, 1)
        if isinstance(server, RealPollServer):
            expected: dict[str, int | None] = {"cold": None, "warm": None}  # no oracle for real stories
            items = {
                "cold": sum(server.items_served(i, 0) for i in range(n)),
                "warm": sum(server.items_served(i, 1) - server.items_served(i, 0) for i in range(n)),
            }
            sample = range(n)
            names = [server.document(i).name for i in range(n)]
            rules_text = real_rules_yaml(server.urls, names, args.concurrency, semantic=args.semantic)
        else:
            expected = {
                "cold": sum(len(server.matching_stories(i, 0)) for i in range(n)),
                "warm": sum(
                    len(set(server.matching_stories(i, 1)) - set(server.matching_stories(i, 0)))
                    for i in range(n)
                    if behaviour(i) == NEW
                ),
            }
            items = {"cold": n * ITEMS, "warm": sum(server.new_per_round(i) for i in range(n) if behaviour(i) == NEW)}
            sample = range(min(n, 100))
            rules_text = rules_yaml(server.urls, KEYWORDS, args.concurrency)
        feed_bytes = round(sum(len(server.body(i, 0)) for i in sample) / len(sample))
        with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
            work = Path(tmp)
            rules = work / "rules.yaml"
            rules.write_text(rules_text, encoding="utf-8")
            if args.keep_rules:
                Path(args.keep_rules).write_text(rules_text, encoding="utf-8")
            runs: dict[str, list[Run]] = {"baseline": [], "cold": [], "warm": []}
            served: dict[str, dict[int, int]] = {}

            server.set_round(0)
            server.reset_stats()
            runs["baseline"].append(run_baseline(n, server.urls, args.baseline_sample, work, terms))
            served["baseline"] = server.stats().by_status
            print(f"  {corpus} N={n} baseline {runs['baseline'][-1].wall:.1f}s", file=sys.stderr, flush=True)

            for rep in range(args.repeat):
                state = work / f"state-{rep}"
                for label, round_number in (("cold", 0), ("warm", 1)):
                    server.set_round(round_number)
                    server.reset_stats()
                    runs[label].append(run_bot(label, n, rules, state, work))
                    served[label] = server.stats().by_status
                    print(f"  {corpus} N={n} {label} {runs[label][-1].wall:.1f}s", file=sys.stderr, flush=True)
    finally:
        server.stop()
    return {
        "corpus": corpus,
        "n": n,
        "items_per_feed": items["cold"] / n if real else ITEMS,
        "feed_bytes": feed_bytes,
        "baseline_terms": len(terms),
        "expected_alerts": expected,
        "items_served": items,
        "served": served,
        "runs": [median_run(r) for r in runs.values()],
    }


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def table(results: list[dict[str, Any]]) -> str:
    real = bool(results) and results[0]["corpus"] == "real"
    alerts_head = "alerts queued; new stories" if real else "alerts queued / expected"
    head = (
        "| feeds | run | wall s | CPU s | CPU s / 1k feeds | peak RSS MB | RSS with workers MB | PSS with workers MB | "
        "wall vs baseline | "
        f"answers served | {alerts_head} | feed errors | other CPU s |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
    )
    rows = [head]
    for res in results:
        base = next(r for r in res["runs"] if r["label"] == "baseline")
        for r in res["runs"]:
            served = ", ".join(f"{k}: {v}" for k, v in sorted(res["served"][r["label"]].items()))
            wall = f"{r['wall']:.2f}"
            if len(r["walls"]) > 1:
                wall += f" ({min(r['walls']):.1f}-{max(r['walls']):.1f})"
            if r["label"] == "baseline":
                ratio = "1x"
                alerts = f"{r['facts']['matched']} entries matched"
                if res["corpus"] == "real":
                    alerts += f" (of {r['facts']['entries']:,})"
                errors = r["facts"]["errors"]
                label = "baseline"
                if r["scale"] > 1:
                    label += f" (sample of {r['facts']['feeds']:,}, x{r['scale']:g} extrapolated)"
            else:
                ratio = f"{base['wall'] / r['wall']:.1f}x"
                if res["corpus"] == "real":  # no expected count: say how many stories were new
                    alerts = (
                        f"{r['facts']['alerts']} (sent {r['facts']['sent']}); new stories "
                        f"{r['facts']['new']:,} of {res['items_served'][r['label']]:,} items"
                    )
                else:
                    expected = res["expected_alerts"][r["label"]]
                    alerts = f"{r['facts']['alerts']} / {expected} (sent {r['facts']['sent']})"
                errors = r["facts"]["failed"]
                label = r["label"]
                if "db_cpu" in r["facts"]:  # --postgres: the server's share, not in the CPU column
                    label += f" on PostgreSQL (+{r['facts']['db_cpu']:.2f} CPU s in the server)"
            rows.append(
                f"| {res['n']:,} | {label} | {wall} | {r['cpu']:.2f} | {r['cpu_per_1000']:.2f} | "
                f"{r['rss_mb']:.0f} | {r['tree_rss_mb']:.0f} | {r.get('tree_pss_mb', 0.0):.0f} | {ratio} | "
                f"{served} | {alerts} | {errors} | "
                f"{r['other_cpu']:.1f} |"
            )
    return "\n".join(rows)


def targets(results: list[dict[str, Any]]) -> list[str]:
    out = []
    by_n = {res["n"]: {r["label"]: r for r in res["runs"]} for res in results}

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    if 1000 in by_n:
        r = by_n[1000]
        cold = r["baseline"]["wall"] / r["cold"]["wall"]
        warm = r["baseline"]["wall"] / r["warm"]["wall"]
        out.append(f"- 1,000 feeds, cold >= 10x faster than the baseline: {cold:.1f}x, {verdict(cold >= 10)}")
        out.append(f"- 1,000 feeds, warm >= 15x faster than the baseline: {warm:.1f}x, {verdict(warm >= 15)}")
        cpu = r["warm"]["cpu_per_1000"]
        out.append(f"- warm cycle <= 4 CPU-s per 1,000 feeds (at 1,000): {cpu:.2f}, {verdict(cpu <= 4)}")
        rss = max(r["cold"]["rss_mb"], r["warm"]["rss_mb"])
        out.append(f"- peak RSS <= 200 MB at 1,000 feeds: {rss:.0f} MB, {verdict(rss <= 200)}")
    for n, r in sorted(by_n.items()):
        if n != 1000:
            out.append(f"- warm cycle <= 4 CPU-s per 1,000 feeds (at {n:,}): {r['warm']['cpu_per_1000']:.2f}, "
                       f"{verdict(r['warm']['cpu_per_1000'] <= 4)}")
    if 10000 in by_n:
        wall = by_n[10000]["warm"]["wall"]
        out.append(f"- 10,000 feeds, warm cycle within 60 s: {wall:.1f} s, {verdict(wall <= 60)}")
    return out


def real_targets(results: list[dict[str, Any]]) -> list[str]:
    """Issue 15's targets for the real-documents mode (at 1,000 feeds)."""
    out = []
    for res in results:
        if res["n"] != 1000:
            continue
        r = {row["label"]: row for row in res["runs"]}
        base, cold, warm = r["baseline"], r["cold"], r["warm"]

        def verdict(ok: bool) -> str:
            return "met" if ok else "MISSED"

        cold_x, warm_x = base["wall"] / cold["wall"], base["wall"] / warm["wall"]
        ok = cold_x >= 8 and cold["cpu"] < base["cpu"]
        out.append(
            f"- cold >= 8x the script, with less CPU: {cold_x:.1f}x, CPU {cold['cpu']:.1f} s against "
            f"{base['cpu']:.1f} s, {verdict(ok)}"
        )
        out.append(f"- warm >= 15x the script: {warm_x:.1f}x, {verdict(warm_x >= 15)}")
        per_1000 = warm["cpu_per_1000"]
        out.append(f"- warm <= 4 CPU-s per 1,000 feeds: {per_1000:.2f}, {verdict(per_1000 <= 4)}")
        rss = max(cold["rss_mb"], warm["rss_mb"])
        tree = max(cold["tree_rss_mb"], warm["tree_rss_mb"])
        pss = max(cold.get("tree_pss_mb", 0.0), warm.get("tree_pss_mb", 0.0))
        out.append(
            f"- peak RSS <= 150 MB, parser workers counted: {tree:.0f} MB summed RSS ({rss:.0f} MB in the bot's "
            f"own process; {pss:.0f} MB summed PSS), {verdict(tree <= 150)}"
        )
    return out or ["- (the targets are read at 1,000 feeds)"]


def describe(corpus: str, results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    re_poll = f"re-poll: 70% 304, 20% new stories, 5% slow ({args.slow:g} s), 5% HTTP 500"
    settings = f"concurrency {args.concurrency or 'default (100)'}, per_host default (4)"
    first = results[0]
    if corpus == "generated":
        return (
            f"Server: bench/poll_server.py, {args.latency * 1000:g} ms per answer, feeds of "
            f"{first['items_per_feed']} items and ~{first['feed_bytes'] / 1000:.0f} KB on "
            f"{args.hosts} loopback addresses; {re_poll}. Bot settings: {settings}.\n"
        )
    docs = args.documents
    size = sum(len(d.raw) for d in docs)
    overrides = ", ".join(f"{k}: {v}" for k, v in REAL_SETTINGS.items())
    return (
        f"Server: bench/poll_server.py RealPollServer, the {len(docs)} documents of {args.corpus_dir} "
        f"({size / 1e6:.1f} MB, {sum(d.items for d in docs):,} items), one per feed in turn, identity fields "
        f"marked per feed (bench/real_feeds.py); first versions of ~{first['feed_bytes'] / 1000:.0f} KB and "
        f"~{first['items_per_feed']:.1f} items on average; {args.latency * 1000:g} ms per answer on {args.hosts} "
        f"loopback addresses; {re_poll} (1-3 of the document's own items). Bot rules: the shipped rules.yaml "
        f"(its settings, lists and rules; feeds replaced; "
        f"{'its semantic: section kept' if args.semantic else 'without its semantic: section, the rules alone'}) "
        f"with {overrides}; "
        f"{settings}. Baseline: the same loop over the {first['baseline_terms']} strong terms of the shipped rules "
        "(the single-term alternatives of the rules named *-terms; bench/real_feeds.py strong_terms), substring "
        "tests on title + summary.\n"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_baseline"]:
        return baseline_main(argv[1], argv[2])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100,1000", help="comma-separated feed counts (default 100,1000)")
    p.add_argument("--hosts", type=int, default=64, help="loopback addresses to spread the feeds over (default 64)")
    p.add_argument("--latency", type=float, default=0.05, help="seconds before every answer (default 0.05)")
    p.add_argument("--slow", type=float, default=2.0, help="seconds before a slow feed answers (default 2)")
    p.add_argument("--baseline-sample", type=int, default=1000,
                   help="above this many feeds, time the baseline on an evenly spaced sample and scale up "
                   "(default 1000; 0 = always all)")
    p.add_argument("--concurrency", type=int, default=None,
                   help="set settings.concurrency in the bench rules (default: the bot's default, 100)")
    p.add_argument("--repeat", type=int, default=1,
                   help="cold+warm pairs per size, each on a fresh state folder; the table shows medians (default 1)")
    p.add_argument("--corpus", default="generated",
                   help="generated (invented plain-RSS feeds), real (the documents of ../shared/feeds/real) "
                   "or generated,real (both, one after the other); default generated")
    p.add_argument("--semantic", action="store_true",
                   help="real mode: keep the shipped rules' semantic: section (the layer, where installed, then "
                   "embeds every story, since every real item may alert here); default: the rules alone")
    p.add_argument("--real-dir", help="folder of real documents (default ../shared/feeds/real)")
    p.add_argument("--keep-rules", metavar="FILE", help="also write the bench rules.yaml here (for profiling)")
    p.add_argument("--json", metavar="FILE", help="also write the raw figures here")
    p.add_argument("--postgres", action="store_true",
                   help="keep the bot's state in a throwaway PostgreSQL (BOT_DATABASE_URL) instead of SQLite")
    args = p.parse_args(argv)
    if args.postgres:
        Postgres.start()
    try:
        return _main(args, argv)
    finally:
        if Postgres.server is not None:
            Postgres.server.stop()
            import shutil

            shutil.rmtree(Postgres.server.folder, ignore_errors=True)


def _main(args: argparse.Namespace, argv: list[str]) -> int:
    if not BOT.exists():
        raise SystemExit(f"{BOT} not found: run `make test` or `pip install -e .` in .venv first")
    corpora = [c.strip() for c in args.corpus.split(",") if c.strip()]
    if not corpora or any(c not in ("generated", "real") for c in corpora):
        raise SystemExit("--corpus takes generated, real or generated,real")
    if "real" in corpora:
        sys.path.insert(0, str(BENCH))
        from real_feeds import CORPUS, load_corpus

        args.corpus_dir = Path(args.real_dir) if args.real_dir else CORPUS
        args.documents = load_corpus(args.corpus_dir)
        if args.documents is None:
            print(
                f"skipping the real-documents mode: {args.corpus_dir} is absent or empty (the shared feed "
                "corpus is read from there at run time and never copied into the repository)",
                file=sys.stderr,
            )
            corpora.remove("real")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = datetime.now(UTC)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    package = subprocess.run(
        [str(BOT.parent / "python"), "-c", "import bot; print(bot.__file__)"],
        env=child_env(), capture_output=True, text=True, check=False, cwd="/",
    ).stdout.strip()
    results: dict[str, list[dict[str, Any]]] = {}
    for corpus in corpora:
        results[corpus] = [bench_size(n, args, corpus) for n in sizes]
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    command = ".venv/bin/python bench/bench_poll.py " + " ".join(argv)
    titles = {"generated": "Polling at scale", "real": "Polling real documents"}
    for corpus, rows in results.items():
        print(f"## {titles[corpus]} — {started:%Y-%m-%d %H:%M} UTC\n")
        print(f"Command: `{command.strip()}`  ")
        print(f"Machine: {machine()}  ")
        print(f"Bot package: {package}; load average {' '.join(load_before)} before, {' '.join(load_after)} after  ")
        print(describe(corpus, rows, args))
        print(table(rows))
        print(
            "\nCPU s: user + system of the child and its reaped children (parser workers), from "
            "getrusage(RUSAGE_CHILDREN). Peak RSS: the child's VmHWM (its own peak; its ru_maxrss would include "
            "this harness's RSS, which Linux carries over at fork). RSS with workers: the peak of the "
            "summed RSS of the child and its worker processes, sampled every 50 ms (shared pages counted "
            "in each). PSS with workers: the same with each shared page split among the processes that map it "
            "(/proc/PID/smaps_rollup), i.e. what they keep in memory together. Other CPU s: what the rest "
            "of the machine used meanwhile (other users' jobs, this "
            "harness's feed server excluded), from /proc/stat."
        )
        print("\nTargets:\n")
        print("\n".join(targets(rows) if corpus == "generated" else real_targets(rows)))
        if any(r["scale"] > 1 for res in rows for r in res["runs"]):
            print(
                "\nThe baseline rows marked 'extrapolated' were timed on an evenly spaced sample of the feeds "
                "and multiplied up (the sequential loop costs the same per feed); every other figure is measured."
            )
        print()
    if args.json:
        flat = [res for rows in results.values() for res in rows]
        Path(args.json).write_text(json.dumps({"machine": machine(), "command": command, "results": flat}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
