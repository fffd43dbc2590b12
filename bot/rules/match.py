"""The matcher: compile every rule once, then run the compiled set over stories.

``compile_rules`` parses each rule's query and exclude (``bot.rules.query``) and compiles them
together into one ``Program`` (``bot.rules.program``): an Aho-Corasick automaton over every word
pattern of every term, the word sets each rule needs, how far any rule reads each field, and an
evaluator per query. ``match_story`` tokenises only what some rule reads (``bot.rules.view``:
with ``match_lede``, the title and the summary's opening words), scans the words once with the
automaton, and evaluates only the rules whose sets are all met, plus the rules that can match
without any particular word (such as ``NOT kindle``); their evaluators skip every clause none of
whose words occur. A rule whose exclude matches is dropped, and so is a rule whose ``feeds:``
does not name the story's feed (``bot.rules.sources``). ``explain_story`` evaluates every rule
on the fully tokenised story with a clause-by-clause trace.

The previous matcher, which tokenised every field and evaluated the whole tree of each candidate,
is kept as the reference the results are held equal to (tests/support/reference_matcher.py).

Everything here is pure: no I/O, no clock, no logging, and nothing raises on any story text.
It does not decide channels' grouping, deduplication or delivery (``bot.flow.pipeline`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.errors import QuerySyntaxError
from bot.core.models import FIELDS, Hit, Match, Rule, Story
from bot.core.settings import Config
from bot.rules.program import Program
from bot.rules.query import Document, Evaluation, Query, collect_hits, make_document, parse_query
from bot.rules.shared import Nodes
from bot.rules.sources import reads_feed
from bot.rules.tree import Trace
from bot.rules.view import StoryView


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its compiled queries and the channel its alerts go to."""

    rule: Rule
    query: Query
    exclude: Query | None
    channel: str


@dataclass(frozen=True)
class RuleSet:
    """Every configured rule, compiled, with the program that matches them all at once."""

    rules: tuple[CompiledRule, ...]
    _program: Program | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._program is None:
            program = Program([(c.query, c.exclude) for c in self.rules])
            object.__setattr__(self, "_program", program)

    @property
    def program(self) -> Program:
        assert self._program is not None  # set by __post_init__
        return self._program

    def candidates(self, doc: Document) -> list[CompiledRule]:
        """The enabled rules that could match ``doc`` (a superset of those that do)."""
        program = self.program
        picked = (self.rules[i] for i in program.candidates(program.found(doc.word_stream)))
        return [r for r in picked if r.rule.enabled]


def _compile(
    rule: Rule,
    key: str,
    text: str,
    lists: Mapping[str, Sequence[str]],
    fields: Sequence[str],
    lede: bool,
    made: Nodes,
) -> Query:
    try:
        return parse_query(text, lists, fields=fields, lede=lede, made=made)
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
    made = Nodes()  # the rules share their equal clauses (every use of a list: one subtree)
    compiled = tuple(
        CompiledRule(
            rule=rule,
            query=_compile(rule, "query", rule.query, lists, fields, match_lede, made),
            exclude=_compile(rule, "exclude", rule.exclude, lists, fields, match_lede, made) if rule.exclude else None,
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
    program = ruleset.program
    view = StoryView(story_document(story).texts, program.extents)
    found = program.found(view.stream())
    matches: list[Match] = []
    trace = Trace(False)  # the terms' truth by node, written by Term.run and never read
    for i in program.candidates(found):
        compiled = ruleset.rules[i]
        rule = compiled.rule
        if not rule.enabled or (rule.feeds and not reads_feed(rule.feeds, story.source, story.feed_url)):
            continue
        query, exclude = program.evaluators[i]
        ok, occs = query(found, view, trace)
        if not ok or (exclude is not None and exclude(found, view, trace)[0]):
            continue
        matches.append(_to_match(compiled, collect_hits(view, occs)))
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
