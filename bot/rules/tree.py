"""The evaluation tree of the rule language: one node class per construct (term, OR, AND, NOT,
NEAR, field scope or @list), each able to

* ``run`` on a tokenised story (``bot.rules.words.Document``), returning its truth and the
  occurrences (field, word positions, hits) that make it true;
* say which words a matching story must contain (``needs``, for the prefilter);
* list its terms with their polarity (``terms``, for the evidence a rule reports);
* ``render`` itself with a mark per clause for ``ethics-bot test``.

It does not parse query text (``bot.rules.query`` builds these nodes) and does no I/O.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.rules.words import Document, WordPattern

PREC_OR, PREC_AND, PREC_NEAR, PREC_UNARY = 1, 2, 3, 4  # precedence, for explanations (NEAR and NOT
# render their own parentheses, so they count as unary there)


class Occ(NamedTuple):
    """Where a positional clause holds: field, first and last word, and the hits inside."""

    field: int
    first: int
    last: int
    hits: tuple[tuple[str, int, int, int], ...]  # (term, field index, start, end)


Needs = tuple[frozenset[str], ...]  # every set must be met by some word; () = nothing needed
MAX_NEEDS = 4  # requirement sets kept per query (the most selective ones)


class Trace(dict[int, bool]):
    """Each clause's truth by node id. ``full``: evaluate every clause, even when the verdict is
    already known (for explanations); otherwise AND and NEAR stop at the first false part."""

    def __init__(self, full: bool) -> None:
        super().__init__()
        self.full = full


_Key = tuple[int, int, int, int]


class Node:
    __slots__ = ()
    prec = PREC_UNARY

    def positional(self) -> bool:
        """Whether this clause has positions, i.e. may be an operand of NEAR."""
        return True

    def run(self, doc: Document, trace: Trace) -> tuple[bool, list[Occ]]:
        raise NotImplementedError

    def needs(self) -> Needs:
        """Sets of words (``pre*`` for prefixes): a matching story has a word of each set."""
        raise NotImplementedError

    def terms(self, positive: bool) -> Iterable[tuple[Term, bool]]:
        raise NotImplementedError

    def render(self, trace: Trace) -> str:
        raise NotImplementedError


_SHORT_OR = 6  # OR lists longer than this are abbreviated in explanations


def _mark(trace: Trace, node: Node) -> str:
    return "✓" if trace.get(id(node)) else "✗"


def _wrap(node: Node, trace: Trace, outer: int) -> str:
    text = node.render(trace)
    return f"({text})" if node.prec < outer else text


@dataclass(frozen=True, eq=False, slots=True)
class Term(Node):
    label: str  # as written, with @list: prefixes
    written: str
    words: tuple[WordPattern, ...]
    fields: tuple[int, ...]
    lede: bool = False  # only the words of each field's lede count (Document.lede_ends)

    def run(self, doc: Document, trace: Trace) -> tuple[bool, list[Occ]]:
        occs: list[Occ] = []
        width, first = len(self.words) - 1, self.words[0]
        plain = not width and not first.prefix and first.exact is None  # the common case
        for f in self.fields:
            toks = doc.fields[f]
            found = toks.index.get(first.key) if plain else toks.find(self.words)
            if found and self.lede:  # the whole term must lie inside the lede
                found = found[: bisect_left(found, doc.lede_ends[f] - width)]
            if found:
                starts, ends, label = toks.starts, toks.ends, self.label
                occs.extend(
                    Occ(f, p, p + width, ((label, f, starts[p], ends[p + width]),)) for p in found
                )
        trace[id(self)] = bool(occs)
        return bool(occs), occs

    def needs(self) -> Needs:
        return tuple({frozenset({w.key + "*" if w.prefix else w.key}): None for w in self.words})

    def terms(self, positive: bool) -> Iterable[tuple[Term, bool]]:
        yield self, positive

    def render(self, trace: Trace) -> str:
        return self.written + _mark(trace, self)


def _selective(words: frozenset[str]) -> tuple[int, int]:
    """Sort key: fewer and longer words are less likely to occur by chance."""
    return len(words), -min(map(len, words))


def all_needs(needs: Iterable[Needs]) -> Needs:
    merged = dict.fromkeys(n for part in needs for n in part)
    return tuple(sorted(merged, key=_selective)[:MAX_NEEDS])


@dataclass(frozen=True, eq=False, slots=True)
class Or(Node):
    children: tuple[Node, ...]
    prec = PREC_OR

    def positional(self) -> bool:
        return all(c.positional() for c in self.children)

    def run(self, doc: Document, trace: Trace) -> tuple[bool, list[Occ]]:
        ok, occs = False, []
        for child in self.children:
            child_ok, child_occs = child.run(doc, trace)
            ok = ok or child_ok
            occs.extend(child_occs)
        trace[id(self)] = ok
        return ok, occs

    def needs(self) -> Needs:
        parts = [c.needs() for c in self.children]
        if not all(parts):
            return ()
        return (frozenset().union(*(min(p, key=_selective) for p in parts)),)

    def terms(self, positive: bool) -> Iterable[tuple[Term, bool]]:
        for child in self.children:
            yield from child.terms(positive)

    def render(self, trace: Trace) -> str:
        # A long alternative list shows only the branches that fired (or its first few when
        # none did), so that `ethics-bot test` stays readable on rules with big term lists.
        shown = list(self.children)
        if len(shown) > _SHORT_OR:
            fired = [c for c in shown if trace.get(id(c))]
            shown = fired or shown[:3]
        text = " OR ".join(_wrap(c, trace, PREC_AND + 1) for c in shown)  # (a AND b) OR c
        hidden = len(self.children) - len(shown)
        return f"{text} OR …{hidden} more✗" if hidden else text


@dataclass(frozen=True, eq=False, slots=True)
class And(Or):
    prec = PREC_AND

    def positional(self) -> bool:
        return False

    def run(self, doc: Document, trace: Trace) -> tuple[bool, list[Occ]]:
        ok, occs = True, []
        for child in self.children:
            child_ok, child_occs = child.run(doc, trace)
            ok = ok and child_ok
            if not ok and not trace.full:
                break
            occs.extend(child_occs)
        trace[id(self)] = ok
        return ok, occs if ok else []

    def needs(self) -> Needs:
        return all_needs(c.needs() for c in self.children)

    def render(self, trace: Trace) -> str:
        return " AND ".join(_wrap(c, trace, PREC_AND + 1) for c in self.children)


@dataclass(frozen=True, eq=False, slots=True)
class Not(Node):
    child: Node

    def positional(self) -> bool:
        return False

    def run(self, doc: Document, trace: Trace) -> tuple[bool, list[Occ]]:
        ok = not self.child.run(doc, trace)[0]
        trace[id(self)] = ok
        return ok, []

    def needs(self) -> Needs:
        return ()

    def terms(self, positive: bool) -> Iterable[tuple[Term, bool]]:
        return self.child.terms(not positive)

    def render(self, trace: Trace) -> str:
        return f"(NOT {_wrap(self.child, trace, PREC_UNARY)}){_mark(trace, self)}"


def _nearest(a: Occ, firsts: list[int], lasts: list[int], gap: int) -> list[int]:
    """Indices (into the by-first and by-last orders) of the nearest occurrences around ``a``."""
    found = []
    i = bisect_left(firsts, a.last + 1)
    if i < len(firsts) and firsts[i] - a.last - 1 <= gap:
        found.append(i)
    j = bisect_right(lasts, a.first - 1) - 1
    if j >= 0 and a.first - lasts[j] - 1 <= gap:
        found.append(~j)
    return found


@dataclass(frozen=True, eq=False, slots=True)
class Near(Node):
    left: Node
    right: Node
    gap: int  # at most this many words between the two sides

    def run(self, doc: Document, trace: Trace) -> tuple[bool, list[Occ]]:
        l_ok, lefts = self.left.run(doc, trace)
        r_ok, rights = self.right.run(doc, trace) if l_ok or trace.full else (False, [])
        pairs: dict[_Key, Occ] = {}
        if l_ok and r_ok:
            for f in {o.field for o in lefts} & {o.field for o in rights}:
                self._pair(
                    sorted({o for o in lefts if o.field == f}),
                    sorted({o for o in rights if o.field == f}),
                    pairs,
                    doc.fields[f].sentences,
                )
        trace[id(self)] = bool(pairs)
        return bool(pairs), list(pairs.values())

    def _pair(self, a_side: list[Occ], b_side: list[Occ], out: dict[_Key, Occ], sentence: Sequence[int]) -> None:
        for xs, ys in ((a_side, b_side), (b_side, a_side)):
            by_last = sorted(ys, key=lambda o: o.last)
            firsts, lasts = [o.first for o in ys], [o.last for o in by_last]
            for x in xs:
                for i in _nearest(x, firsts, lasts, self.gap):
                    y = ys[i] if i >= 0 else by_last[~i]
                    one, two = sorted((x, y))
                    if sentence[one.first] != sentence[two.last]:
                        continue  # NEAR never reaches into the next sentence
                    out[(one.first, one.last, two.first, two.last)] = Occ(
                        x.field, one.first, max(one.last, two.last), one.hits + two.hits
                    )

    def needs(self) -> Needs:
        return all_needs((self.left.needs(), self.right.needs()))

    def terms(self, positive: bool) -> Iterable[tuple[Term, bool]]:
        yield from self.left.terms(positive)
        yield from self.right.terms(positive)

    def render(self, trace: Trace) -> str:
        left, right = _wrap(self.left, trace, PREC_NEAR + 1), _wrap(self.right, trace, PREC_NEAR + 1)
        return f"({left} NEAR/{self.gap} {right}){_mark(trace, self)}"


@dataclass(frozen=True, eq=False, slots=True)
class Wrapper(Node):
    """A field scope or an @list reference: same truth as ``child``, shown differently."""

    child: Node
    name: str  # field name, or "@list"
    items: tuple[tuple[Node, str], ...] = ()  # a list's items and their text, for explanations

    def positional(self) -> bool:
        return self.child.positional()

    def run(self, doc: Document, trace: Trace) -> tuple[bool, list[Occ]]:
        ok, occs = self.child.run(doc, trace)
        trace[id(self)] = ok
        return ok, occs

    def needs(self) -> Needs:
        return self.child.needs()

    def terms(self, positive: bool) -> Iterable[tuple[Term, bool]]:
        return self.child.terms(positive)

    def render(self, trace: Trace) -> str:
        if self.name.startswith("@"):
            fired = [text for item, text in self.items if trace.get(id(item))]
            return self.name + _mark(trace, self) + (f"[{', '.join(fired)}]" if fired else "")
        if isinstance(self.child, Term):
            return f"{self.name}:{self.child.render(trace)}"
        return f"{self.name}:({self.child.render(trace)}){_mark(trace, self)}"
