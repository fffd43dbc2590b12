"""Benchmark: matching real stories with a rules file, the matcher against the old one and a bare
Aho-Corasick scan, in one run.

Parses every document of ``../shared/feeds/real`` with the bot's own parser (``parse_feed``, the
first item of each key per document, as ``bench/realfeeds.py`` and the daemon do; nothing is
cached or copied into the repository), compiles the rules file (default ``./rules.yaml``) and
times, over the same stories, interleaved for ``--rounds`` rounds:

* (a) ``old``: the matcher before issue 15 (``tests/support/reference_matcher.py``);
* (b) ``bare AC``: one pyahocorasick automaton over every term of every rule (each term's words
  joined by spaces, lower-cased), ``iter`` over the lower-cased text of the fields the rules can
  read (all of each such field: the scan knows nothing of ledes), counting hits; and the same
  over the title and summary only. No word boundaries, no rules: the floor of any matcher that
  reads that text;
* (c) ``new``: ``bot.rules.match.match_story``.

Reports, per matcher, the median round's stories/s and ms per story by CPU time
(``time.process_time``) and wall time, and checks that (c) returned the same matches, hits
included, as (a) on every story. ``--phases`` also splits the new matcher's CPU time into
reading the words (keys), scanning, picking candidates and evaluating; ``--profile`` prints a cProfile of
each matcher.

    .venv/bin/python bench/bench_match.py                     # 5 rounds, ./rules.yaml
    .venv/bin/python bench/bench_match.py --rounds 9 --phases --profile

A measurement, not a test: it never fails on a figure. Exit 2 when the corpus is absent, 1 when
the two matchers disagree on a story.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import ahocorasick  # noqa: E402
from realfeeds import CORPUS, corpus_items  # noqa: E402

from bot.config.load import load_config  # noqa: E402
from bot.core.models import ALL_FIELDS, Story  # noqa: E402
from bot.rules.match import RuleSet, compile_config, match_story, story_document  # noqa: E402
from bot.rules.tree import Trace  # noqa: E402
from bot.rules.view import NONE, StoryView  # noqa: E402
from tests.support import reference_matcher as reference  # noqa: E402

Timing = tuple[float, float]  # (CPU seconds, wall seconds)


def timed(run: Callable[[Story], Any], stories: Sequence[Story]) -> tuple[Timing, list[Any]]:
    cpu, wall = time.process_time(), time.perf_counter()
    out = [run(s) for s in stories]
    return (time.process_time() - cpu, time.perf_counter() - wall), out


def bare_scanner(ruleset: RuleSet, fields: Sequence[str]) -> Callable[[Story], int]:
    automaton = ahocorasick.Automaton()
    terms = {
        " ".join(w.key for w in term.words)
        for compiled in ruleset.rules
        for query in (compiled.query, compiled.exclude)
        if query is not None
        for term, _positive in query._root.terms(True)
    }
    for number, term in enumerate(sorted(terms)):
        automaton.add_word(term, number)
    automaton.make_automaton()
    getters = [
        {"url": lambda s: s.link or "", "tag": lambda s: "\n".join(s.tags)}.get(f, lambda s, f=f: getattr(s, f))
        for f in fields
    ]

    def scan(story: Story) -> int:
        text = "\n".join(get(story) for get in getters).lower()
        return sum(1 for _ in automaton.iter(text))

    return scan


def phases(ruleset: RuleSet, stories: Sequence[Story], chunk: int = 50) -> dict[str, float]:
    """CPU seconds of each step of the new matcher over ``stories``, step by step over chunks of
    ``chunk`` stories (fresh views each time; small chunks keep what is held between steps small)."""
    program = ruleset.program
    out: dict[str, float] = {}
    trace = Trace(False)

    def step(name: str, fn: Callable[[Any], Any], data: Sequence[Any]) -> list[Any]:
        start = time.process_time()
        result = [fn(x) for x in data]
        out[name] = out.get(name, 0.0) + time.process_time() - start
        return result

    def evaluate(item: tuple[StoryView, set[int], list[int]]) -> None:
        view, hits, picked = item
        for i in picked:
            query, exclude = program.evaluators[i]
            if query(hits, view, trace)[0] and exclude is not None:
                exclude(hits, view, trace)

    for at in range(0, len(stories), chunk):
        texts = step("story texts", lambda s: story_document(s).texts, stories[at : at + chunk])
        views = [StoryView(t, program.extents) for t in texts]
        streams = step("read the words rules read (keys only)", lambda v: v.stream(), views)
        found = step("Aho-Corasick scan", program.found, streams)
        candidates = step("candidate rules", program.candidates, found)
        picked = list(zip(views, found, candidates, strict=True))
        step("evaluate candidates (spans, lede, positions; no hits)", evaluate, picked)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=Path, default=REPO / "rules.yaml")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--phases", action="store_true", help="split the new matcher's time by step")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each matcher")
    args = parser.parse_args()
    if not (CORPUS / "real").is_dir():
        print(f"{CORPUS / 'real'} is not available", file=sys.stderr)
        return 2

    started = time.perf_counter()
    stories = [item.story for item in corpus_items()]
    parsed = time.perf_counter() - started
    config = load_config(args.rules)
    s = config.settings
    new = compile_config(config)
    old = reference.compile_rules(
        config.rules, config.lists, s.default_channel, match_body=s.match_body, match_lede=s.match_lede
    )
    read = [name for name, extent in zip(ALL_FIELDS, new.program.extents, strict=True) if extent != NONE]
    matchers: dict[str, Callable[[Story], Any]] = {
        "old matcher (a)": lambda story: reference.match_story(old, story),
        f"bare AC over {' + '.join(read)} (b)": bare_scanner(new, read),
        "bare AC over title + summary": bare_scanner(new, ["title", "summary"]),
        "new matcher (c)": lambda story: match_story(new, story),
    }
    chars = sum(len(getattr(st, f) or "") for st in stories for f in ("title", "summary", "body")) / len(stories)
    print(
        f"{len(stories)} stories from {CORPUS / 'real'} (parsed in {parsed:.1f} s; {chars:,.0f} characters of "
        f"title + summary + body on average), {len(config.rules)} rules from {args.rules.name} "
        f"(match_body: {str(s.match_body).lower()}, match_lede: {str(s.match_lede).lower()}; the rules read "
        f"{', '.join(read)}). {args.rounds} rounds, interleaved; load average before: "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.\n"
    )
    times: dict[str, list[Timing]] = {name: [] for name in matchers}
    results: dict[str, list[Any]] = {}
    for _ in range(args.rounds):
        for name, run in matchers.items():
            timing, results[name] = timed(run, stories)
            times[name].append(timing)

    n = len(stories)
    cpu_of = {name: statistics.median(t[0] for t in ts) for name, ts in times.items()}
    print("| matcher | stories/s (CPU) | ms per story (CPU) | stories/s (wall) | CPU vs new |")
    print("| --- | ---: | ---: | ---: | ---: |")
    new_cpu = cpu_of["new matcher (c)"]
    for name, ts in times.items():
        cpu, wall = cpu_of[name], statistics.median(t[1] for t in ts)
        print(f"| {name} | {n / cpu:,.0f} | {1000 * cpu / n:.3f} | {n / wall:,.0f} | {cpu / new_cpu:.2f}x |")
    a, c = results["old matcher (a)"], results["new matcher (c)"]
    differ = [st.key for st, x, y in zip(stories, a, c, strict=True) if x != y]
    print(
        f"\nSame matches (rules, hits, spans) from (a) and (c) on {n - len(differ)} of {n} stories; "
        f"{sum(map(len, c))} matches in all. Load average after: "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )
    for key in differ[:10]:
        print(f"  differs: {key}")

    if args.phases:
        split = phases(new, stories)
        total = sum(split.values())
        print("\n| step of the new matcher | µs per story (CPU) | share |\n| --- | ---: | ---: |")
        for name, seconds in split.items():
            print(f"| {name} | {1e6 * seconds / n:.1f} | {100 * seconds / total:.0f}% |")
    if args.profile:
        for name in ("old matcher (a)", "new matcher (c)"):
            profile = cProfile.Profile()
            run = matchers[name]
            profile.runcall(lambda run=run: [run(st) for st in stories])
            print(f"\n### cProfile: {name}\n")
            pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(14)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
