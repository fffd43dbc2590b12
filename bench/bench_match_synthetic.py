"""Benchmark: the compiled RuleSet against the per-term regex loop people write today.

Generates synthetic rules (words, phrases, wildcards, NEAR, case-sensitive acronyms, NOT) over
synthetic ~1 KB stories drawn from an invented vocabulary with a seeded RNG, then times, in one
run, (a) ``bot.rules.match.match_story`` over a compiled ``RuleSet`` and (b) a baseline that compiles one
regular expression per term and evaluates each rule's boolean structure with ``re.search``.
Prints a markdown table with stories/s, the speed ratio, agreement and peak RSS.

    .venv/bin/python bench/bench_match_synthetic.py                    # small: 1,000 rules, 2,000 stories
    .venv/bin/python bench/bench_match_synthetic.py --rules 1000 --stories 10000   # the full size

The baseline costs about the same for every story, so it runs on the first ``--baseline-stories``
stories only (200 by default; stories/s is a rate, so the two stay comparable, and agreement is
checked on those); ``--baseline-stories 0`` runs it on all of them (minutes at full size).
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.models import Rule, Story
from bot.rules.match import compile_rules, match_story

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tu",
    "vos",
    "ne",
    "bar",
    "qui",
    "sel",
    "dra",
    "po",
    "fen",
    "zi",
    "mor",
    "tal",
    "gu",
    "ves",
    "chi",
    "lan",
    "ob",
    "ur",
    "ix",
    "th",
    "ea",
]


@dataclass(frozen=True)
class Term:
    kind: str  # word | phrase | prefix | case | near
    parts: tuple[str, ...]
    gap: int = 0

    def query(self) -> str:
        if self.kind == "word":
            return self.parts[0]
        if self.kind == "phrase":
            return '"' + " ".join(self.parts) + '"'
        if self.kind == "prefix":
            return self.parts[0] + "*"
        if self.kind == "case":
            return "{" + self.parts[0] + "}"
        return f"{self.parts[0]} NEAR/{self.gap} {self.parts[1]}"

    def regex(self) -> re.Pattern[str]:
        """What a hand-written matcher compiles for this term."""
        if self.kind == "word":
            return re.compile(rf"\b{re.escape(self.parts[0])}\b", re.IGNORECASE)
        if self.kind == "phrase":
            return re.compile(r"\b" + r"\W+".join(map(re.escape, self.parts)) + r"\b", re.I)
        if self.kind == "prefix":
            return re.compile(rf"\b{re.escape(self.parts[0])}\w*", re.IGNORECASE)
        if self.kind == "case":
            return re.compile(rf"\b{re.escape(self.parts[0])}\b")
        a, b = map(re.escape, self.parts)
        # NEAR pairs words of one sentence: no full stop, ! or ? in between
        window = rf"[^\w.!?]+(?:\w+[^\w.!?]+){{0,{self.gap}}}?"
        return re.compile(rf"\b(?:{a}{window}{b}|{b}{window}{a})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    negated: bool
    terms: tuple[Term, ...]

    def query(self) -> str:
        body = " OR ".join(t.query() for t in self.terms)
        wrap = len(self.terms) > 1 or self.terms[0].kind == "near"
        body = f"({body})" if wrap and (self.negated or len(self.terms) > 1) else body
        return f"NOT {body}" if self.negated else body


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(SYLLABLES, k=rng.choice((2, 2, 3, 3, 4))))] = None
    return list(words)


def make_stories(rng: random.Random, vocab: list[str], acronyms: list[str], n: int) -> list[Story]:
    cumulative = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(vocab))))

    def sentence(length: int) -> str:
        words = rng.choices(vocab, cum_weights=cumulative, k=length)
        for i in range(len(words)):
            roll = rng.random()
            if roll < 0.02:
                words[i] = rng.choice(acronyms)
            elif roll < 0.03:
                words[i] = rng.choice(acronyms).lower()
            elif roll < 0.05:
                words[i] += "-" + rng.choice(vocab)
            elif roll < 0.08:
                words[i] += ","
        return " ".join(words).capitalize() + "."

    def paragraph(sentences: int) -> str:
        return " ".join(sentence(rng.randint(8, 18)) for _ in range(sentences))

    return [
        Story(
            key=f"s{i}",
            feed_url="bench",
            source="bench",
            title=sentence(rng.randint(7, 12)),
            summary=paragraph(2),
            body=paragraph(6),
        )
        for i in range(n)
    ]


def make_rules(
    rng: random.Random, vocab: list[str], acronyms: list[str], n: int
) -> list[list[Clause]]:
    pool = vocab[400:]  # skip the commonest words, as real rules do

    def term() -> Term:
        kind = rng.choices(["word", "phrase", "prefix", "case", "near"], [5, 2, 2, 1, 1])[0]
        if kind == "phrase":
            return Term(kind, tuple(rng.sample(vocab[:150], 2)))
        if kind == "prefix":
            stem = rng.choice([w for w in rng.sample(pool, 20) if len(w) >= 9] or ["zzzzzzzzz"])
            return Term(kind, (stem[: len(stem) - 2],))
        if kind == "case":
            return Term(kind, (rng.choice(acronyms),))
        if kind == "near":
            near = vocab[30:600]
            return Term(kind, (rng.choice(near), rng.choice(near)), rng.randint(3, 10))
        return Term(kind, (rng.choice(pool),))

    rules = []
    for _ in range(n):
        clauses = [
            Clause(False, tuple(term() for _ in range(rng.randint(1, 4))))
            for _ in range(rng.choice((1, 2, 2, 2, 3)))
        ]
        if rng.random() < 0.15:
            clauses.append(Clause(True, (term(),)))
        rules.append(clauses)
    return rules


def baseline(compiled: list[list[tuple[bool, list[re.Pattern[str]]]]], story: Story) -> list[int]:
    """Each rule, each term's regex searched in each field (phrases and NEAR stay in a field)."""
    fields = (story.title, story.summary, story.body)
    return [
        index
        for index, clauses in enumerate(compiled)
        if all(
            any(rx.search(text) for rx in rxs for text in fields) != negated
            for negated, rxs in clauses
        )
    ]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument(
        "--baseline-stories",
        type=int,
        default=200,
        help="stories for the (slow) regex baseline; 0 = all",
    )
    parser.add_argument("--seed", type=int, default=20180622)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    vocab = make_vocabulary(rng, 6000)
    acronyms = [
        "".join(rng.choices("BCDFGHJKLMNPRSTVWXZ", k=rng.choice((3, 4)))) for _ in range(60)
    ]
    specs = make_rules(rng, vocab, acronyms, args.rules)
    stories = make_stories(rng, vocab, acronyms, args.stories)
    mean_size = sum(len(s.title) + len(s.summary) + len(s.body) for s in stories) / len(stories)

    started = time.perf_counter()
    rules = [
        Rule(id=f"r{i}", category="bench", query=" AND ".join(c.query() for c in clauses))
        for i, clauses in enumerate(specs)
    ]
    ruleset = compile_rules(rules, {}, "#bench")
    ours_compile = time.perf_counter() - started
    started = time.perf_counter()
    ours = [{int(m.rule_id[1:]) for m in match_story(ruleset, s)} for s in stories]
    ours_seconds = time.perf_counter() - started
    rss_ours = peak_rss_mb()

    started = time.perf_counter()
    regexes = [[(c.negated, [t.regex() for t in c.terms]) for c in clauses] for clauses in specs]
    base_compile = time.perf_counter() - started
    subset = stories[: args.baseline_stories or len(stories)]
    started = time.perf_counter()
    theirs = [set(baseline(regexes, s)) for s in subset]
    base_seconds = time.perf_counter() - started

    agree = sum(a == b for a, b in zip(ours, theirs, strict=False))
    ours_rate, base_rate = len(stories) / ours_seconds, len(subset) / base_seconds
    print(
        f"{args.rules} rules over {len(stories)} stories of {mean_size:.0f} characters on average "
        f"(seed {args.seed}).\n"
    )
    print("| matcher | compile (s) | stories | match (s) | stories/s | matches per story |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| RuleSet (prefilter + compiled queries) | {ours_compile:.2f} | {len(stories)} | "
        f"{ours_seconds:.2f} | {ours_rate:,.0f} | {sum(map(len, ours)) / len(ours):.2f} |"
    )
    print(
        f"| per-term regex loop | {base_compile:.2f} | {len(subset)} | {base_seconds:.2f} | "
        f"{base_rate:,.0f} | {sum(map(len, theirs)) / len(theirs):.2f} |"
    )
    print(
        f"\nSpeed-up: {ours_rate / base_rate:.1f}x. Same rules matched on {agree} of "
        f"{len(subset)} stories both ran on. Peak RSS: {rss_ours:.0f} MB after the RuleSet run, "
        f"{peak_rss_mb():.0f} MB at the end."
    )


if __name__ == "__main__":
    main()
