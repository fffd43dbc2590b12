"""The rule language: parse a query into a small tree, evaluate it on a tokenised story with the
positions of every term that fired, and explain the result clause by clause.

Grammar (precedence NOT > NEAR > AND > OR; adjacent terms are AND)::

    query := or ;  or := and (OR and)* ;  and := near ([AND] near)* ;
    near := unary (NEAR/k unary)* ;  unary := NOT unary | primary ;
    primary := word | word* | "phrase" | {Case} | @list | field:primary | ( or )

Field scopes are pushed down to the terms at parse time; ``@list`` items are parsed as queries of
their own. This module does not know about rules, channels or the prefilter (``bot.rules.match``) and
does no I/O. Words and query tokens come from ``bot.rules.words``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import NamedTuple

from bot.core.errors import QuerySyntaxError
from bot.core.models import FIELDS, Hit, Span
from bot.rules.words import Document, QToken, WordPattern, lex_query, make_document

__all__ = ["Document", "Evaluation", "Query", "make_document", "parse_query"]

MAX_DEPTH = 48  # nesting of (), NOT, NEAR chains, field scopes and lists
MAX_HITS = 200  # evidence kept per evaluation (the verdict itself is always exact)
_OR, _AND, _NEAR, _UNARY = 1, 2, 3, 4  # precedence, for explanations (NEAR and NOT
# render their own parentheses, so they count as unary there)
_STARTS = frozenset({"TERM", "LIST", "FIELD", "(", "NOT"})


class _Occ(NamedTuple):
    """Where a positional clause holds: field, first and last word, and the hits inside."""

    field: int
    first: int
    last: int
    hits: tuple[tuple[str, int, int, int], ...]  # (term, field index, start, end)


Needs = tuple[frozenset[str], ...]  # every set must be met by some word; () = nothing needed
MAX_NEEDS = 4  # requirement sets kept per query (the most selective ones)


class _Trace(dict[int, bool]):
    """Each clause's truth by node id. ``full``: evaluate every clause, even when the verdict is
    already known (for explanations); otherwise AND and NEAR stop at the first false part."""

    def __init__(self, full: bool) -> None:
        super().__init__()
        self.full = full


_Key = tuple[int, int, int, int]


class _Node:
    prec = _UNARY

    def positional(self) -> bool:
        """Whether this clause has positions, i.e. may be an operand of NEAR."""
        return True

    def run(self, doc: Document, trace: _Trace) -> tuple[bool, list[_Occ]]:
        raise NotImplementedError

    def needs(self) -> Needs:
        """Sets of words (``pre*`` for prefixes): a matching story has a word of each set."""
        raise NotImplementedError

    def terms(self, positive: bool) -> Iterable[tuple[_Term, bool]]:
        raise NotImplementedError

    def render(self, trace: _Trace) -> str:
        raise NotImplementedError


_SHORT_OR = 6  # OR lists longer than this are abbreviated in explanations


def _mark(trace: _Trace, node: _Node) -> str:
    return "✓" if trace.get(id(node)) else "✗"


def _wrap(node: _Node, trace: _Trace, outer: int) -> str:
    text = node.render(trace)
    return f"({text})" if node.prec < outer else text


@dataclass(frozen=True, eq=False)
class _Term(_Node):
    label: str  # as written, with @list: prefixes
    written: str
    words: tuple[WordPattern, ...]
    fields: tuple[int, ...]

    def run(self, doc: Document, trace: _Trace) -> tuple[bool, list[_Occ]]:
        occs: list[_Occ] = []
        width, first = len(self.words) - 1, self.words[0]
        plain = not width and not first.prefix and first.exact is None  # the common case
        for f in self.fields:
            toks = doc.fields[f]
            found = toks.index.get(first.key) if plain else toks.find(self.words)
            if found:
                starts, ends, label = toks.starts, toks.ends, self.label
                occs.extend(
                    _Occ(f, p, p + width, ((label, f, starts[p], ends[p + width]),)) for p in found
                )
        trace[id(self)] = bool(occs)
        return bool(occs), occs

    def needs(self) -> Needs:
        return tuple({frozenset({w.key + "*" if w.prefix else w.key}): None for w in self.words})

    def terms(self, positive: bool) -> Iterable[tuple[_Term, bool]]:
        yield self, positive

    def render(self, trace: _Trace) -> str:
        return self.written + _mark(trace, self)


def _selective(words: frozenset[str]) -> tuple[int, int]:
    """Sort key: fewer and longer words are less likely to occur by chance."""
    return len(words), -min(map(len, words))


def _all(needs: Iterable[Needs]) -> Needs:
    merged = dict.fromkeys(n for part in needs for n in part)
    return tuple(sorted(merged, key=_selective)[:MAX_NEEDS])


@dataclass(frozen=True, eq=False)
class _Or(_Node):
    children: tuple[_Node, ...]
    prec = _OR

    def positional(self) -> bool:
        return all(c.positional() for c in self.children)

    def run(self, doc: Document, trace: _Trace) -> tuple[bool, list[_Occ]]:
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

    def terms(self, positive: bool) -> Iterable[tuple[_Term, bool]]:
        for child in self.children:
            yield from child.terms(positive)

    def render(self, trace: _Trace) -> str:
        # A long alternative list shows only the branches that fired (or its first few when
        # none did), so that `ethics-bot test` stays readable on rules with big term lists.
        shown = list(self.children)
        if len(shown) > _SHORT_OR:
            fired = [c for c in shown if trace.get(id(c))]
            shown = fired or shown[:3]
        text = " OR ".join(_wrap(c, trace, _AND + 1) for c in shown)  # (a AND b) OR c
        hidden = len(self.children) - len(shown)
        return f"{text} OR …{hidden} more✗" if hidden else text


@dataclass(frozen=True, eq=False)
class _And(_Or):
    prec = _AND

    def positional(self) -> bool:
        return False

    def run(self, doc: Document, trace: _Trace) -> tuple[bool, list[_Occ]]:
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
        return _all(c.needs() for c in self.children)

    def render(self, trace: _Trace) -> str:
        return " AND ".join(_wrap(c, trace, _AND + 1) for c in self.children)


@dataclass(frozen=True, eq=False)
class _Not(_Node):
    child: _Node

    def positional(self) -> bool:
        return False

    def run(self, doc: Document, trace: _Trace) -> tuple[bool, list[_Occ]]:
        ok = not self.child.run(doc, trace)[0]
        trace[id(self)] = ok
        return ok, []

    def needs(self) -> Needs:
        return ()

    def terms(self, positive: bool) -> Iterable[tuple[_Term, bool]]:
        return self.child.terms(not positive)

    def render(self, trace: _Trace) -> str:
        return f"(NOT {_wrap(self.child, trace, _UNARY)}){_mark(trace, self)}"


def _nearest(a: _Occ, firsts: list[int], lasts: list[int], gap: int) -> list[int]:
    """Indices (into the by-first and by-last orders) of the nearest occurrences around ``a``."""
    found = []
    i = bisect_left(firsts, a.last + 1)
    if i < len(firsts) and firsts[i] - a.last - 1 <= gap:
        found.append(i)
    j = bisect_right(lasts, a.first - 1) - 1
    if j >= 0 and a.first - lasts[j] - 1 <= gap:
        found.append(~j)
    return found


@dataclass(frozen=True, eq=False)
class _Near(_Node):
    left: _Node
    right: _Node
    gap: int  # at most this many words between the two sides

    def run(self, doc: Document, trace: _Trace) -> tuple[bool, list[_Occ]]:
        l_ok, lefts = self.left.run(doc, trace)
        r_ok, rights = self.right.run(doc, trace) if l_ok or trace.full else (False, [])
        pairs: dict[_Key, _Occ] = {}
        if l_ok and r_ok:
            for f in {o.field for o in lefts} & {o.field for o in rights}:
                self._pair(
                    sorted({o for o in lefts if o.field == f}),
                    sorted({o for o in rights if o.field == f}),
                    pairs,
                )
        trace[id(self)] = bool(pairs)
        return bool(pairs), list(pairs.values())

    def _pair(self, a_side: list[_Occ], b_side: list[_Occ], out: dict[_Key, _Occ]) -> None:
        for xs, ys in ((a_side, b_side), (b_side, a_side)):
            by_last = sorted(ys, key=lambda o: o.last)
            firsts, lasts = [o.first for o in ys], [o.last for o in by_last]
            for x in xs:
                for i in _nearest(x, firsts, lasts, self.gap):
                    y = ys[i] if i >= 0 else by_last[~i]
                    one, two = sorted((x, y))
                    out[(one.first, one.last, two.first, two.last)] = _Occ(
                        x.field, one.first, max(one.last, two.last), one.hits + two.hits
                    )

    def needs(self) -> Needs:
        return _all((self.left.needs(), self.right.needs()))

    def terms(self, positive: bool) -> Iterable[tuple[_Term, bool]]:
        yield from self.left.terms(positive)
        yield from self.right.terms(positive)

    def render(self, trace: _Trace) -> str:
        left, right = _wrap(self.left, trace, _NEAR + 1), _wrap(self.right, trace, _NEAR + 1)
        return f"({left} NEAR/{self.gap} {right}){_mark(trace, self)}"


@dataclass(frozen=True, eq=False)
class _Wrapper(_Node):
    """A field scope or an @list reference: same truth as ``child``, shown differently."""

    child: _Node
    name: str  # field name, or "@list"
    items: tuple[tuple[_Node, str], ...] = ()  # a list's items and their text, for explanations

    def positional(self) -> bool:
        return self.child.positional()

    def run(self, doc: Document, trace: _Trace) -> tuple[bool, list[_Occ]]:
        ok, occs = self.child.run(doc, trace)
        trace[id(self)] = ok
        return ok, occs

    def needs(self) -> Needs:
        return self.child.needs()

    def terms(self, positive: bool) -> Iterable[tuple[_Term, bool]]:
        return self.child.terms(positive)

    def render(self, trace: _Trace) -> str:
        if self.name.startswith("@"):
            fired = [text for item, text in self.items if trace.get(id(item))]
            return self.name + _mark(trace, self) + (f"[{', '.join(fired)}]" if fired else "")
        if isinstance(self.child, _Term):
            return f"{self.name}:{self.child.render(trace)}"
        return f"{self.name}:({self.child.render(trace)}){_mark(trace, self)}"


@dataclass(frozen=True)
class Evaluation:
    """The verdict of one query on one story, its evidence and a readable trace."""

    matched: bool
    hits: tuple[Hit, ...]
    explanation: str


@dataclass(frozen=True, eq=False)
class Query:
    """A compiled query: immutable, reusable across stories and threads. Made by
    ``parse_query``; two compilations of one text are distinct (their lists may differ)."""

    source: str
    _root: _Node = field(repr=False)

    def evaluate(self, doc: Document, *, explain: bool = True) -> Evaluation:
        """Evaluate on a document from ``make_document``. ``explain=False`` skips the trace text."""
        trace = _Trace(explain)
        ok, occs = self._root.run(doc, trace)
        hits: tuple[Hit, ...] = ()
        if ok:
            raw = sorted({h for o in occs for h in o.hits}, key=lambda h: (h[1], h[2], h[3], h[0]))
            hits = tuple(
                Hit(term, Span(FIELDS[f], s, e), doc.fields[f].text[s:e])
                for term, f, s, e in raw[:MAX_HITS]
            )
        text = ""
        if explain:
            text = f"{self._root.render(trace)} → {'match' if ok else 'no match'}"
        return Evaluation(ok, hits, text)

    def literals(self) -> frozenset[str]:
        """Normalised words of the terms that count as evidence (prefixes written ``pre*``)."""
        return frozenset(
            w.key + "*" if w.prefix else w.key
            for term, positive in self._root.terms(True)
            if positive
            for w in term.words
        )

    def requirements(self) -> Needs:
        """For prefilters: sets of normalised words (``pre*`` for prefixes) such that every story
        this query matches contains a word of each set. Empty when no word is needed (NOT x)."""
        return _all((self._root.needs(),))


class _Parser:
    def __init__(
        self,
        text: str,
        lists: Mapping[str, Sequence[str]],
        prefix: str,
        open_lists: tuple[str, ...],
        unscoped: tuple[int, ...] = tuple(range(len(FIELDS))),
    ) -> None:
        self.text, self.lists, self.prefix, self.open_lists = text, lists, prefix, open_lists
        self.unscoped = unscoped  # the fields an unscoped term searches
        self.tokens = lex_query(text)
        self.i = 0

    def _peek(self) -> QToken:
        return self.tokens[self.i]

    def _take(self) -> QToken:
        self.i += 1
        return self.tokens[self.i - 1]

    def _error(self, message: str, tok: QToken, expected: str = "") -> QuerySyntaxError:
        return QuerySyntaxError(message, tok.pos + 1, expected)

    def parse(self, fields: tuple[int, ...], depth: int) -> _Node:
        if self._peek().kind == "EOF":
            raise self._error("empty query", self._peek(), "a word, phrase or @list")
        node = self._or(fields, depth)
        tok = self._peek()
        if tok.kind == ")":
            raise self._error(") without a matching (", tok)
        if tok.kind != "EOF":
            raise self._error(f"unexpected {tok.text}", tok, "an operator or the end")
        return node

    def _or(self, fields: tuple[int, ...], depth: int) -> _Node:
        items = [self._and(fields, depth)]
        while self._peek().kind == "OR":
            self._take()
            items.append(self._and(fields, depth))
        return items[0] if len(items) == 1 else _Or(tuple(items))

    def _and(self, fields: tuple[int, ...], depth: int) -> _Node:
        items = [self._near(fields, depth)]
        while self._peek().kind == "AND" or self._peek().kind in _STARTS:
            if self._peek().kind == "AND":
                self._take()
            items.append(self._near(fields, depth))
        return items[0] if len(items) == 1 else _And(tuple(items))

    def _near(self, fields: tuple[int, ...], depth: int) -> _Node:
        start = self._peek()
        node = self._unary(fields, depth)
        while self._peek().kind == "NEAR":
            op = self._take()
            depth += 1
            operand = self._peek()
            right = self._unary(fields, depth)
            for side, tok in ((node, start), (right, operand)):
                if not side.positional():
                    hint = "NOT (a NEAR/5 b)" if isinstance(side, _Not) else "(a NEAR/5 b) AND c"
                    raise self._error(
                        "NEAR joins words, phrases, @lists or OR-groups of those",
                        tok,
                        f"no AND or NOT inside a NEAR operand; write {hint}",
                    )
            if depth > MAX_DEPTH:
                raise self._error("too many NEARs in a row", op)
            node = _Near(node, right, op.number)
        return node

    def _unary(self, fields: tuple[int, ...], depth: int) -> _Node:
        if self._peek().kind == "NOT":
            tok = self._take()
            if depth >= MAX_DEPTH:
                raise self._error("query is nested too deeply", tok)
            return _Not(self._unary(fields, depth + 1))
        return self._primary(fields, depth)

    def _primary(self, fields: tuple[int, ...], depth: int) -> _Node:
        tok = self._take()
        before = self.tokens[self.i - 2].text if self.i >= 2 else ""
        if depth >= MAX_DEPTH:
            raise self._error("query is nested too deeply", tok)
        if tok.kind == "TERM":
            return _Term(self.prefix + tok.text, tok.text, tok.words, fields)
        if tok.kind == "(":
            inner = self._or(fields, depth + 1)
            if self._take().kind != ")":
                raise self._error("( is never closed", tok, ")")
            return inner
        if tok.kind == "FIELD":
            # an explicit scope may name any field, even one unscoped terms leave out
            base = tuple(range(len(FIELDS))) if fields == self.unscoped else fields
            scoped = tuple(f for f in base if FIELDS[f] == tok.text)
            if not scoped:
                raise self._error(f"{tok.text}: inside another field can never match", tok)
            return _Wrapper(self._primary(scoped, depth + 1), tok.text)
        if tok.kind == "LIST":
            return self._list(tok, fields, depth)
        wanted = "a word, phrase, @list, ( or NOT"
        if tok.kind == "EOF":
            raise self._error(
                f"missing term after {before}" if before else "empty query", tok, wanted
            )
        if tok.kind == ")" and before == "(":
            raise self._error("empty parentheses", tok, wanted)
        raise self._error(
            f"{tok.text} needs a term before it"
            if before in ("", "(")
            else f"unexpected {tok.text} after {before}",
            tok,
            wanted,
        )

    def _list(self, tok: QToken, fields: tuple[int, ...], depth: int) -> _Node:
        name = tok.text
        if name not in self.lists:
            close = get_close_matches(name, list(self.lists), n=1)
            wanted = f"@{close[0]}" if close else "a list defined under lists:"
            raise self._error(f"unknown list @{name}", tok, wanted)
        if name in self.open_lists:
            raise self._error(f"list @{name} refers to itself", tok)
        items: list[_Node] = []
        for n, item in enumerate(self.lists[name], 1):
            sub = f"{self.prefix}@{name}:"
            try:
                if not isinstance(item, str):
                    raise QuerySyntaxError("list items must be text", 1)
                parser = _Parser(item, self.lists, sub, (*self.open_lists, name), self.unscoped)
                items.append(parser.parse(fields, depth + 1))
            except QuerySyntaxError as exc:
                raise self._error(
                    f"in list @{name}, item {n} {item!r}, column {exc.column}: {exc.message}",
                    tok,
                    exc.expected,
                ) from exc
        if not items:
            raise self._error(f"list @{name} is empty", tok)
        child = items[0] if len(items) == 1 else _Or(tuple(items))
        return _Wrapper(child, "@" + name, tuple(zip(items, self.lists[name], strict=True)))


def parse_query(text: str, lists: Mapping[str, Sequence[str]], *, fields: Sequence[str] = FIELDS) -> Query:
    """Compile a query. Raises QuerySyntaxError with a 1-based column into ``text``.

    ``fields`` are the fields a term without a scope searches (default: all of them);
    ``title:``, ``summary:`` and ``body:`` scopes can name any field regardless."""
    unscoped = tuple(i for i, name in enumerate(FIELDS) if name in fields)
    root = _Parser(text, lists, "", (), unscoped).parse(unscoped, 0)
    return Query(text, root)
