"""The compiled rule set's program: what a story's words must hold for each rule to be worth
evaluating, and an evaluator per query that does only the work that can change its verdict.

Compiling walks every query tree (``bot.rules.tree``) once and

* numbers each distinct word pattern of every term (`` key `` for a word, `` pre`` for
  ``pre*``) and builds one Aho-Corasick automaton over them; a single scan of a story's
  space-joined word keys (``StoryView.stream``) says which patterns the story holds;
* keeps, per rule, the sets of patterns its query needs (``Query.requirements``): a rule is a
  candidate only when each set was met (rules that need no word, such as ``NOT kindle``, always are);
* notes how far any term reads each field (``extents``: the lede, the whole field, or not at
  all), so that the story view tokenises nothing else;
* turns each node into a closure that, when none of the patterns below it occurs in the story,
  returns at once what the node is worth when every term below it is false (``NOT x``: true)
  with no occurrences; otherwise it combines its children exactly as the node's own ``run``
  does, and a term whose patterns all occur runs ``Term.run`` itself. An OR visits only the
  children whose patterns occur.

The verdicts and occurrences are those of ``Query.evaluate(doc, explain=False)`` (a term's
patterns are necessary for it to hold, so skipping never changes a truth value;
tests/test_match_equivalence.py holds the two equal). Explanations (``Query.evaluate`` with a
trace) are not made here. Pure: no I/O; the only module that imports ``ahocorasick``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import ahocorasick

from bot.core.models import ALL_FIELDS
from bot.rules.query import Query
from bot.rules.tree import And, Near, Node, Not, Occ, Or, Term, Trace, Wrapper
from bot.rules.view import FULL, LEDE, NONE
from bot.rules.words import Document, WordPattern

Found = set[int]  # the pattern numbers a story holds
Result = tuple[bool, Sequence[Occ]]
Evaluator = Callable[[Found, Document, Trace], Result]
_second = itemgetter(1)
_FALSE: Result = (False, ())
_TRUE: Result = (True, ())


class Program:
    """Patterns, requirements, extents and evaluators of a list of (query, exclude) pairs."""

    def __init__(self, queries: Sequence[tuple[Query, Query | None]]) -> None:
        self.patterns: dict[str, int] = {}
        extents = [NONE] * len(ALL_FIELDS)
        self._extents = extents
        self._done: dict[Node, tuple[Evaluator, frozenset[int], bool]] = {}  # each node compiled once
        self._indexes: dict[tuple[int, ...], tuple[int, ...]] = {}  # one copy of each OR's child indexes
        self.evaluators: list[tuple[Evaluator, Evaluator | None]] = [
            (self._compile(q._root), self._compile(x._root) if x is not None else None) for q, x in queries
        ]
        del self._done, self._indexes
        self.extents = tuple(extents)
        # Each requirement set of each rule is one bit of a big integer: a pattern's mask has the
        # bits of the sets it is in, a rule's mask those of all its sets. A rule is triggered by
        # the patterns of its first (most selective) set and is a candidate when the story's
        # mask covers its own.
        requirements = [q.requirements() for q, _ in queries]
        self.always = sorted(i for i, needs in enumerate(requirements) if not needs)
        self.full: list[int] = []
        masks: dict[int, int] = {}
        triggers: dict[int, list[int]] = {}
        bit = 0
        for rule, needs in enumerate(requirements):
            self.full.append(((1 << len(needs)) - 1) << bit)
            for n, words in enumerate(needs):
                for word in words:
                    pid = self._number(f" {word[:-1]}" if word.endswith("*") else f" {word} ")
                    masks[pid] = masks.get(pid, 0) | 1 << bit
                    if n == 0:
                        triggers.setdefault(pid, []).append(rule)
                bit += 1
        self.masks, self.triggers = masks, triggers
        self.automaton: Any = None
        if self.patterns:
            self.automaton = ahocorasick.Automaton()
            for pattern, number in self.patterns.items():
                self.automaton.add_word(pattern, number)
            self.automaton.make_automaton()

    # --- per story ---------------------------------------------------------------------------

    def found(self, stream: str) -> Found:
        """The numbers of the patterns in a space-padded stream of word keys."""
        if self.automaton is None:
            return set()
        return set(map(_second, self.automaton.iter(stream)))

    def candidates(self, found: Found) -> list[int]:
        """Indexes (ascending) of the queries whose every requirement set ``found`` meets."""
        met, triggered = 0, set[int]()
        masks, triggers = self.masks, self.triggers
        for number in found:
            mask = masks.get(number)
            if mask is not None:
                met |= mask
                rules = triggers.get(number)
                if rules is not None:
                    triggered.update(rules)
        full = self.full
        picked = [rule for rule in triggered if met & full[rule] == full[rule]]
        if self.always:
            picked.extend(self.always)
        picked.sort()
        return picked

    # --- compiling ---------------------------------------------------------------------------

    def _number(self, pattern: str) -> int:
        return self.patterns.setdefault(pattern, len(self.patterns))

    def _pid(self, word: WordPattern) -> int:
        return self._number(f" {word.key}" if word.prefix else f" {word.key} ")

    def _compile(self, node: Node) -> Evaluator:
        return self._node(node)[0]

    def _node(self, node: Node) -> tuple[Evaluator, frozenset[int], bool]:
        """The node's evaluator, the patterns of the terms below it, and its value when every
        one of those terms is false (its occurrences are then always none). A node shared by
        several queries or clauses (``bot.rules.shared``) is compiled once."""
        done = self._done.get(node)
        if done is None:
            done = self._done[node] = self._build(node)
        return done

    def _build(self, node: Node) -> tuple[Evaluator, frozenset[int], bool]:
        if isinstance(node, Term):
            return self._term(node)
        if isinstance(node, Wrapper):
            return self._node(node.child)
        if isinstance(node, Not):
            child, pids, value = self._node(node.child)
            return _not(child, pids, not value), pids, not value
        if isinstance(node, Near):
            left, lp, _ = self._node(node.left)
            right, rp, _ = self._node(node.right)
            return _near(node, left, right, lp | rp), lp | rp, False
        if isinstance(node, And):  # before Or: And is a subclass of it
            parts = [self._node(c) for c in node.children]
            value = all(v for _, _, v in parts)
            pids = frozenset().union(*(p for _, p, _ in parts))
            return _and([e for e, _, _ in parts], pids, value), pids, value
        if isinstance(node, Or):
            parts = [self._node(c) for c in node.children]
            value = any(v for _, _, v in parts)
            pids = frozenset().union(*(p for _, p, _ in parts))
            return _or(parts, self._by_pid(parts), pids, value), pids, value
        raise TypeError(f"unknown query node {type(node).__name__}")

    def _by_pid(self, parts: list[tuple[Evaluator, frozenset[int], bool]]) -> dict[int, tuple[int, ...]]:
        """For an OR: pattern -> the indexes of the children whose terms have it."""
        by_pid: dict[int, list[int]] = {}
        for i, (_, child_pids, _) in enumerate(parts):
            for pid in child_pids:
                by_pid.setdefault(pid, []).append(i)
        return {pid: self._indexes.setdefault(tuple(ix), tuple(ix)) for pid, ix in by_pid.items()}

    def _term(self, term: Term) -> tuple[Evaluator, frozenset[int], bool]:
        for f in term.fields:
            wanted = LEDE if term.lede else FULL
            self._extents[f] = max(self._extents[f], wanted)
        if not term.words or not term.fields:
            return _never, frozenset(), False
        pids = tuple(dict.fromkeys(self._pid(w) for w in term.words))
        return _term(term, pids), frozenset(pids), False


def _never(found: Found, doc: Document, trace: Trace) -> Result:
    return _FALSE


def _term(term: Term, pids: tuple[int, ...]) -> Evaluator:
    run = term.run
    if len(pids) == 1:
        (pid,) = pids

        def single(found: Found, doc: Document, trace: Trace) -> Result:
            return run(doc, trace) if pid in found else _FALSE

        return single

    def several(found: Found, doc: Document, trace: Trace) -> Result:
        for pid in pids:
            if pid not in found:
                return _FALSE
        return run(doc, trace)

    return several


def _not(child: Evaluator, pids: frozenset[int], value: bool) -> Evaluator:
    static = _TRUE if value else _FALSE

    def evaluate(found: Found, doc: Document, trace: Trace) -> Result:
        if found.isdisjoint(pids):
            return static
        return (not child(found, doc, trace)[0]), ()

    return evaluate


def _and(children: list[Evaluator], pids: frozenset[int], value: bool) -> Evaluator:
    static = _TRUE if value else _FALSE

    def evaluate(found: Found, doc: Document, trace: Trace) -> Result:
        if found.isdisjoint(pids):
            return static
        occs: list[Occ] = []
        for child in children:
            ok, child_occs = child(found, doc, trace)
            if not ok:
                return _FALSE
            occs.extend(child_occs)
        return True, occs

    return evaluate


def _or(
    parts: list[tuple[Evaluator, frozenset[int], bool]],
    by_pid: dict[int, tuple[int, ...]],
    pids: frozenset[int],
    value: bool,
) -> Evaluator:
    """OR: true when a child is. Only the children whose patterns occur (``by_pid``) can add
    occurrences or turn true; the others keep their all-false value (true only under a NOT)."""
    static = _TRUE if value else _FALSE
    children = [e for e, _, _ in parts]
    true_when_absent = frozenset(i for i, (_, _, v) in enumerate(parts) if v)

    def evaluate(found: Found, doc: Document, trace: Trace) -> Result:
        present = found.intersection(pids)
        if not present:
            return static
        live: set[int] = set()
        for pid in present:
            live.update(by_pid[pid])
        ok = bool(true_when_absent and not true_when_absent <= live)
        occs: list[Occ] = []
        for i in live:
            child_ok, child_occs = children[i](found, doc, trace)
            if child_ok:
                ok = True
                occs.extend(child_occs)
        return ok, occs

    return evaluate


def _near(node: Near, left: Evaluator, right: Evaluator, pids: frozenset[int]) -> Evaluator:
    """NEAR as ``Near.run`` pairs its sides (the right side is evaluated only when the left holds)."""
    pair = node._pair

    def evaluate(found: Found, doc: Document, trace: Trace) -> Result:
        if found.isdisjoint(pids):
            return _FALSE
        l_ok, lefts = left(found, doc, trace)
        if not l_ok:
            return _FALSE
        r_ok, rights = right(found, doc, trace)
        if not r_ok:
            return _FALSE
        pairs: dict[tuple[int, int, int, int], Occ] = {}
        for f in {o.field for o in lefts} & {o.field for o in rights}:
            pair(
                sorted({o for o in lefts if o.field == f}),
                sorted({o for o in rights if o.field == f}),
                pairs,
                doc.fields[f].sentences,
            )
        return bool(pairs), list(pairs.values())

    return evaluate
