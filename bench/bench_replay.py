"""Benchmark: ``ethics-bot replay`` over 10,000 stored stories.

Builds a state with ``--stories`` stories through the store's own ``save_poll``: the items of
the real feed documents in ``../shared/feeds/real`` (2,996 items, parsed by the bot, bodies
included), repeated under new keys until there are enough; without that folder, synthetic
stories (headline, ~300-character summary, ~2,000-character body from a seeded RNG mixing an
invented vocabulary with words the shipped rules look for). Then it writes a copy
of rules.yaml with its most-matching rule removed and a broad rule added, and times, in one run:

- reading the stories back (``Store.stored_stories``: SQL and zlib),
- the replay itself (the rules the edit touches over every story, the shared rules over the
  stories those match, explanations for the changed ones), and with ``--full`` (every rule of
  both files counted over every story),
- the baseline: one pass of the current rules over the same stories (what matching them costs),
- the command as a user runs it (``ethics-bot replay --since all --json``, a new process).

    .venv/bin/python bench/bench_replay.py                     # 10,000 stories
    .venv/bin/python bench/bench_replay.py --stories 2000
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.config.load import load_config  # noqa: E402
from bot.core.models import Story  # noqa: E402
from bot.review.replay import replay  # noqa: E402
from bot.rules.match import compile_config, match_story  # noqa: E402
from bot.store.database import Candidate, Store  # noqa: E402

FILLER = [
    "kalo", "miren", "tuvos", "nebar", "quisel", "drapo", "fenzi", "mortal", "guves", "chilan",
    "report", "city", "council", "market", "weekend", "season", "budget", "minister", "court", "week",
]  # fmt: skip
TOPICAL = [
    "police", "facial", "recognition", "Amazon", "Microsoft", "contract", "union", "protest",
    "employees", "letter", "immigration", "drone", "military", "Pentagon", "spyware", "privacy",
    "Rekognition", "walkout", "shareholders", "censorship",
]  # fmt: skip


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(TOPICAL) if rng.random() < 0.04 else rng.choice(FILLER) for _ in range(words))


def real_stories() -> list[Story]:
    from bot.parse.feed import parse_feed

    folder = REPO.parent / "shared" / "feeds" / "real"
    out: list[Story] = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        try:
            out += parse_feed(path.read_bytes(), feed_url=f"real/{path.name}", source=path.stem).stories
        except Exception:  # a document the bot refuses is not a story
            continue
    return out


def build_state(folder: Path, n: int, seed: int) -> str:
    rng = random.Random(seed)
    store = Store(folder)
    now = datetime.now(UTC)
    real = real_stories()
    for start in range(0, n, 500):
        batch = []
        for i in range(start, min(n, start + 500)):
            if real:
                base = real[i % len(real)]
                story = Story(
                    key=f"{base.key}#{i}", feed_url=base.feed_url, source=base.source, title=base.title,
                    summary=base.summary, link=base.link, published=now - timedelta(minutes=i), body=base.body,
                )  # fmt: skip
                batch.append(Candidate(story, (), f"h{i}"))
                continue
            story = Story(
                key=f"s{i}",
                feed_url=f"https://feed{i % 50}.example.org/rss",
                source=f"Outlet {i % 50}",
                title=text(rng, 10).capitalize(),
                summary=text(rng, 45),
                link=f"https://news.example.org/{i}",
                published=now - timedelta(minutes=i),
                body=text(rng, 300),
            )
            batch.append(Candidate(story, (), f"h{i}"))
        store.save_poll(
            "https://feeds.example.org/rss", batch, now=now, alert_since=now, alert_undated=False, dedup_window=3600
        )
    store.close()
    return f"{len(real)} real feed items, repeated" if real else "synthetic stories"


def new_rules(current: Path, out: Path, drop: str) -> None:
    """The current file without rule ``drop``, plus a broad rule: an edit with both sides."""
    lines = current.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id: ")] + [len(lines)]
    at = next(n for n, i in enumerate(starts[:-1]) if lines[i].split(":", 1)[1].strip() == drop)
    kept = lines[: starts[at]] + lines[starts[at + 1] :]
    extra = (
        "  - id: bench-broad\n    category: civil-society\n"
        "    query: '(police OR government) AND (data OR technology)'\n"
    )
    out.write_text("".join(kept).rstrip("\n") + "\n" + extra, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stories", type=int, default=10_000)
    ap.add_argument("--rules", default=str(REPO / "rules.yaml"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        kind = build_state(folder / "state", args.stories, args.seed)
        build = time.perf_counter() - t0
        current_cfg = load_config(args.rules)
        current = compile_config(current_cfg)
        db_mb = (folder / "state" / "bot.sqlite3").stat().st_size / 1e6

        store = Store(folder / "state")
        t0 = time.perf_counter()
        stories = store.stored_stories(None)
        read = time.perf_counter() - t0
        store.close()
        t0 = time.perf_counter()
        per_rule: Counter[str] = Counter()
        matched = 0
        for s in stories:
            found = match_story(current, s)
            matched += bool(found)
            per_rule.update(m.rule_id for m in found)
        baseline = time.perf_counter() - t0
        drop = per_rule.most_common(1)[0][0] if per_rule else current_cfg.rules[0].id
        new_path = folder / "new.yaml"
        new_rules(Path(args.rules), new_path, drop)
        new_cfg = load_config(new_path)
        t0 = time.perf_counter()
        result = replay(current_cfg, new_cfg, stories)
        took = time.perf_counter() - t0
        t0 = time.perf_counter()
        replay(current_cfg, new_cfg, stories, full=True)
        took_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        ran = subprocess.run(
            [sys.executable, "-m", "bot", "replay", "--current", args.rules, "--rules", str(new_path),
             "--state", str(folder / "state"), "--since", "all", "--json"],
            capture_output=True, text=True, cwd=REPO, check=True,
        )  # fmt: skip
        command = time.perf_counter() - t0
        assert ran.stdout.lstrip().startswith("{")

    print(f"stories {len(stories)} ({kind}; state built in {build:.1f}s, database {db_mb:.1f} MB); "
          f"current rules alert on {matched}; the edit drops {drop} and adds bench-broad: "
          f"added {len(result.added)}, removed {len(result.removed)}, "
          f"changed {len(result.changed)}")  # fmt: skip
    print(f"load average over the last minute at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| step | seconds |")
    print("| --- | ---: |")
    print(f"| read the stories back (SQL + zlib) | {read:.2f} |")
    print(f"| baseline: the current rules once over them | {baseline:.2f} |")
    print(f"| replay: the edited rules of both files, shared rules where they matched, explanations | {took:.2f} |")
    print(f"| replay --full: also counting the rules the edit does not change | {took_full:.2f} |")
    print(f"| `ethics-bot replay --since all --json` (new process, end to end) | {command:.2f} |")


if __name__ == "__main__":
    main()
