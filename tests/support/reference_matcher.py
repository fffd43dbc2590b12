"""The matcher as it was before issue 15 (bot/rules/match.py at ff138ef), kept unchanged as the
reference the faster matcher is held equal to (tests/test_match_equivalence.py) and timed beside
(bench/bench_match.py). Not used by the bot. Its original docstring follows.

The matcher: compile every rule once, then run the compiled set over stories.

``compile_rules`` parses each rule's query and exclude (``bot.rules.query``) and builds one
Aho-Corasick automaton over the words each rule needs (a matching story has a word, or a prefix
for ``protest*``, from each of a few sets). ``match_story`` tokenises a story once, scans its words
with the automaton, and evaluates only the rules whose sets are all met, plus the rules that can
match without any particular word (such as ``NOT kindle``). A rule whose exclude matches is
dropped, and so is a rule whose ``feeds:`` does not name the story's feed (``bot.rules.sources``).

Everything here is pure: no I/O, no clock, no logging, and nothing raises on any story text.
This is the only module that imports ``ahocorasick``. It does not decide channels' grouping,
deduplication or delivery (``bot.flow.pipeline`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from bot.core.errors import QuerySyntaxError
from bot.core.models import FIELDS, Hit, Match, Rule, Story
from bot.core.settings import Config
from bot.rules.query import Document, Evaluation, Query, make_document, parse_query
from bot.rules.sources import reads_feed


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its compiled queries and the channel its alerts go to."""

    rule: Rule
    query: Query
    exclude: Query | None
    channel: str


class _Prefilter:
    """Which rules a story's words could satisfy. Each rule needs a word from each of a few sets
    (``Query.requirements``); one automaton over `` word `` and `` prefix`` patterns scans the
    document's space-separated word keys, and a rule is a candidate when every set was met."""

    def __init__(self, requirements: Sequence[tuple[frozenset[str], ...]]) -> None:
        by_pattern: dict[str, list[tuple[int, int]]] = {}  # pattern -> [(rule, bit of its set)]
        self.always = frozenset(i for i, needs in enumerate(requirements) if not needs)
        self.full = [(1 << len(needs)) - 1 for needs in requirements]
        for rule, needs in enumerate(requirements):
            for bit, words in enumerate(needs):
                for word in words:
                    pattern = f" {word[:-1]}" if word.endswith("*") else f" {word} "
                    by_pattern.setdefault(pattern, []).append((rule, 1 << bit))
        self.entries = list(by_pattern.values())
        self.automaton: Any = None
        if by_pattern:
            self.automaton = ahocorasick.Automaton()
            for number, pattern in enumerate(by_pattern):
                self.automaton.add_word(pattern, number)
            self.automaton.make_automaton()

    def candidates(self, doc: Document) -> list[int]:
        """Indexes (ascending) of the rules worth evaluating on ``doc``."""
        found = set(self.always)
        if self.automaton is not None:
            met: dict[int, int] = {}
            for number in {n for _end, n in self.automaton.iter(doc.word_stream)}:
                for rule, bit in self.entries[number]:
                    met[rule] = met.get(rule, 0) | bit
            found.update(rule for rule, bits in met.items() if bits == self.full[rule])
        return sorted(found)


@dataclass(frozen=True)
class RuleSet:
    """Every configured rule, compiled, with the prefilter over the words they need."""

    rules: tuple[CompiledRule, ...]
    _prefilter: _Prefilter | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._prefilter is None:
            prefilter = _Prefilter([c.query.requirements() for c in self.rules])
            object.__setattr__(self, "_prefilter", prefilter)

    def candidates(self, doc: Document) -> list[CompiledRule]:
        """The enabled rules that could match ``doc`` (a superset of those that do)."""
        assert self._prefilter is not None  # set by __post_init__
        picked = (self.rules[i] for i in self._prefilter.candidates(doc))
        return [r for r in picked if r.rule.enabled]


def _compile(
    rule: Rule, key: str, text: str, lists: Mapping[str, Sequence[str]], fields: Sequence[str], lede: bool
) -> Query:
    try:
        return parse_query(text, lists, fields=fields, lede=lede)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(
            f"rule {rule.id!r} {key}: {exc.message}", exc.column, exc.expected
        ) from exc


def compile_rules(
    rules: Sequence[Rule],
    lists: Mapping[str, Sequence[str]],
    default_channel: str,
    *,
    match_body: bool = True,
    match_lede: bool = False,
) -> RuleSet:
    """Compile all rules once. Raises QuerySyntaxError naming the rule (and query or exclude);
    disabled rules are compiled and kept, but never match. With ``match_body`` false, terms
    without a scope search the title and summary only (``body:`` still reaches the body); with
    ``match_lede`` true, they search the story's lede only (the title and the opening sentences,
    ``bot.rules.words.lede_length``), and ``summary:``/``body:`` still reach the whole field."""
    fields = FIELDS if match_body else ("title", "summary")
    compiled = tuple(
        CompiledRule(
            rule=rule,
            query=_compile(rule, "query", rule.query, lists, fields, match_lede),
            exclude=_compile(rule, "exclude", rule.exclude, lists, fields, match_lede) if rule.exclude else None,
            channel=rule.channel or default_channel,
        )
        for rule in rules
    )
    return RuleSet(compiled)


def compile_config(config: Config) -> RuleSet:
    """Compile the rules of a loaded rules.yaml with its settings."""
    s = config.settings
    return compile_rules(
        config.rules, config.lists, s.default_channel, match_body=s.match_body, match_lede=s.match_lede
    )


def story_document(story: Story) -> Document:
    """The tokenised form of a story, as every rule sees it."""
    return make_document(
        story.title, story.summary, story.body,
        source=story.source, author=story.author, url=story.link or "", tags=story.tags,
    )


def lede_ends(story: Story) -> dict[str, int]:
    """Where the story's lede ends in each field (a character offset; 0: none of that field is
    in it), as the ``lede:`` scope and ``settings.match_lede`` read it."""
    doc = story_document(story)
    return {name: doc.lede_end_char(i) for i, name in enumerate(FIELDS)}


def _to_match(compiled: CompiledRule, hits: tuple[Hit, ...]) -> Match:
    rule = compiled.rule
    return Match(
        rule_id=rule.id,
        category=rule.category,
        severity=rule.severity,
        channel=compiled.channel,
        description=rule.description,
        hits=hits,
    )


def match_story(ruleset: RuleSet, story: Story) -> list[Match]:
    """The enabled rules that match ``story`` and whose exclude does not, in rule order, each
    with the hits of its query's positive terms."""
    doc = story_document(story)
    matches: list[Match] = []
    for compiled in ruleset.candidates(doc):
        if not reads_feed(compiled.rule.feeds, story.source, story.feed_url):
            continue
        verdict = compiled.query.evaluate(doc, explain=False)
        if not verdict.matched:
            continue
        if compiled.exclude is not None and compiled.exclude.evaluate(doc, explain=False).matched:
            continue
        matches.append(_to_match(compiled, verdict.hits))
    return matches


@dataclass(frozen=True)
class RuleExplanation:
    """How one rule judged one story: ``matched`` is the query's verdict, ``excluded`` whether
    the exclude query also matched (the rule alerts when matched and not excluded)."""

    rule_id: str
    category: str
    matched: bool
    excluded: bool
    hits: tuple[Hit, ...]
    explanation: str
    exclude_explanation: str | None


def explain_story(ruleset: RuleSet, story: Story) -> list[RuleExplanation]:
    """Every rule's verdict on ``story`` with a clause-by-clause trace (no prefilter). A disabled
    rule, or one whose ``feeds:`` leaves the story's feed out, is reported as not matched, with
    what its query would have done."""
    doc = story_document(story)
    out: list[RuleExplanation] = []
    for compiled in ruleset.rules:
        verdict: Evaluation = compiled.query.evaluate(doc)
        excluding = compiled.exclude.evaluate(doc) if compiled.exclude is not None else None
        enabled = compiled.rule.enabled
        explanation = verdict.explanation
        if not enabled:
            explanation = f"rule disabled (never matches); its query: {explanation}"
        elif not reads_feed(compiled.rule.feeds, story.source, story.feed_url):
            enabled = False
            explanation = (
                f"rule reads only feeds: {', '.join(compiled.rule.feeds)}; this story is from "
                f"{story.source} ({story.feed_url}); its query: {explanation}"
            )
        out.append(
            RuleExplanation(
                rule_id=compiled.rule.id,
                category=compiled.rule.category,
                matched=verdict.matched and enabled,
                excluded=excluding is not None and excluding.matched,
                hits=verdict.hits,
                explanation=explanation,
                exclude_explanation=excluding.explanation if excluding is not None else None,
            )
        )
    return out
