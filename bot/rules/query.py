"""The rule language's front end: parse a query into the evaluation tree of ``bot.rules.tree``,
and the compiled ``Query`` that evaluates it on a tokenised story and explains the result.

Grammar (precedence NOT > NEAR > AND > OR; adjacent terms are AND)::

    query := or ;  or := and (OR and)* ;  and := near ([AND] near)* ;
    near := unary (NEAR/k unary)* ;  unary := NOT unary | primary ;
    primary := word | word* | "phrase" | {Case} | @list | field:primary | ( or )
    field := title | summary | body | lede | source | author | url | tag

Field scopes are pushed down to the terms at parse time; ``@list`` items are parsed as queries of
their own. This module does not know about rules, channels or the prefilter (``bot.rules.match``) and
does no I/O. Words and query tokens come from ``bot.rules.words``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import NamedTuple

from bot.core.errors import QuerySyntaxError
from bot.core.models import ALL_FIELDS, FIELDS, Hit, Span
from bot.rules.lexer import LEDE, QToken, lex_query
from bot.rules.shared import Nodes
from bot.rules.tree import And, Near, Needs, Node, Not, Occ, Or, Term, Trace, Wrapper, all_needs
from bot.rules.words import Document, WordPattern, make_document

__all__ = ["Document", "Evaluation", "Query", "check_query", "collect_hits", "make_document", "parse_query"]

class Scope(NamedTuple):
    """Where a term searches: these fields, and with ``lede`` only their lede's words."""

    fields: tuple[int, ...]
    lede: bool = False


_EVERYWHERE = Scope(tuple(range(len(FIELDS))), False)
MAX_DEPTH = 48  # nesting of (), NOT, NEAR chains, field scopes and lists
MAX_HITS = 200  # evidence kept per evaluation (the verdict itself is always exact)
_STARTS = frozenset({"TERM", "LIST", "FIELD", "(", "NOT", "BAD"})
_NEVER = WordPattern("\x00")  # a word no text has: what a malformed term stands for


@dataclass(frozen=True)
class Evaluation:
    """The verdict of one query on one story, its evidence and a readable trace."""

    matched: bool
    hits: tuple[Hit, ...]
    explanation: str


def collect_hits(doc: Document, occs: Iterable[Occ]) -> tuple[Hit, ...]:
    """The evidence of a query that holds: each hit of its occurrences once, in field and text
    order, at most ``MAX_HITS``."""
    raw = sorted({h for o in occs for h in o.hits}, key=lambda h: (h[1], h[2], h[3], h[0]))
    return tuple(Hit(term, Span(ALL_FIELDS[f], s, e), doc.fields[f].text[s:e]) for term, f, s, e in raw[:MAX_HITS])


@dataclass(frozen=True, eq=False)
class Query:
    """A compiled query: immutable, reusable across stories and threads. Made by
    ``parse_query``; two compilations of one text are distinct (their lists may differ)."""

    source: str
    _root: Node = field(repr=False)

    def evaluate(self, doc: Document, *, explain: bool = True) -> Evaluation:
        """Evaluate on a document from ``make_document``. ``explain=False`` skips the trace text."""
        trace = Trace(explain)
        ok, occs = self._root.run(doc, trace)
        hits = collect_hits(doc, occs) if ok else ()
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
        return all_needs((self._root.needs(),))


class _Parser:
    """Recursive descent over the tokens. Every mistake is recorded in ``errors`` and parsing
    goes on where it can (a malformed part becomes a term that never matches), so that one
    pass finds each bad part of a query; only nesting beyond ``MAX_DEPTH`` stops it."""

    def __init__(
        self,
        text: str,
        lists: Mapping[str, Sequence[str]],
        prefix: str,
        open_lists: tuple[str, ...],
        unscoped: Scope = _EVERYWHERE,
        made: Nodes | None = None,
    ) -> None:
        self.text, self.lists, self.prefix, self.open_lists = text, lists, prefix, open_lists
        self.unscoped = unscoped  # where an unscoped term searches
        self.made = Nodes() if made is None else made  # every node goes through it (shared.py)
        self.errors: list[QuerySyntaxError] = []
        self.tokens = lex_query(text, self.errors)
        self.i = 0

    def _peek(self) -> QToken:
        return self.tokens[self.i]

    def _take(self) -> QToken:
        self.i += 1
        return self.tokens[self.i - 1]

    def _error(self, message: str, tok: QToken, expected: str = "") -> QuerySyntaxError:
        return QuerySyntaxError(message, tok.pos + 1, expected)

    def _note(self, message: str, tok: QToken, expected: str = "") -> None:
        self.errors.append(self._error(message, tok, expected))

    def _broken(self, tok: QToken) -> Node:
        """What a malformed part stands for while parsing goes on: a term that never matches."""
        return Term(self.prefix + tok.text, tok.text, (_NEVER,), ())

    def parse(self, scope: Scope, depth: int) -> Node:
        if self._peek().kind == "EOF":
            self._note("empty query", self._peek(), "a word, phrase or @list")
            return self._broken(self._peek())
        node = self._or(scope, depth)
        while (tok := self._peek()).kind != "EOF":
            if tok.kind == ")":
                self._note(") without a matching (", tok)
            else:
                self._note(f"unexpected {tok.text}", tok, "an operator or the end")
            self._take()
            if self._peek().kind in ("AND", "OR") and self.tokens[self.i + 1].kind in _STARTS:
                self._take()  # "a) AND b": read on as if the ) were not there
            if self._peek().kind in _STARTS:
                node = self.made(And((node, self._or(scope, depth))))
        return node

    def _or(self, scope: Scope, depth: int) -> Node:
        items = [self._and(scope, depth)]
        while self._peek().kind == "OR":
            self._take()
            items.append(self._and(scope, depth))
        return items[0] if len(items) == 1 else self.made(Or(tuple(items)))

    def _and(self, scope: Scope, depth: int) -> Node:
        items = [self._near(scope, depth)]
        while self._peek().kind == "AND" or self._peek().kind in _STARTS:
            if self._peek().kind == "AND":
                self._take()
            items.append(self._near(scope, depth))
        return items[0] if len(items) == 1 else self.made(And(tuple(items)))

    def _near(self, scope: Scope, depth: int) -> Node:
        start = self._peek()
        node = self._unary(scope, depth)
        while self._peek().kind == "NEAR":
            op = self._take()
            depth += 1
            operand = self._peek()
            right = self._unary(scope, depth)
            for side, tok in ((node, start), (right, operand)):
                if not side.positional():
                    hint = "NOT (a NEAR/5 b)" if isinstance(side, Not) else "(a NEAR/5 b) AND c"
                    self._note(
                        "NEAR joins words, phrases, @lists or OR-groups of those",
                        tok,
                        f"no AND or NOT inside a NEAR operand; write {hint}",
                    )
            if depth > MAX_DEPTH:
                raise self._error("too many NEARs in a row", op)
            node = self.made(Near(node, right, op.number))
        return node

    def _unary(self, scope: Scope, depth: int) -> Node:
        if self._peek().kind == "NOT":
            tok = self._take()
            if depth >= MAX_DEPTH:
                raise self._error("query is nested too deeply", tok)
            return self.made(Not(self._unary(scope, depth + 1)))
        return self._primary(scope, depth)

    def _primary(self, scope: Scope, depth: int) -> Node:
        tok = self._peek()
        before = self.tokens[self.i - 1].text if self.i >= 1 else ""
        if tok.kind not in ("TERM", "(", "FIELD", "LIST", "BAD"):
            return self._missing(tok, before, scope, depth)
        self._take()
        if depth >= MAX_DEPTH:
            raise self._error("query is nested too deeply", tok)
        if tok.kind == "TERM":
            return self.made(Term(self.prefix + tok.text, tok.text, tok.words, scope.fields, scope.lede))
        if tok.kind == "BAD":
            return self._broken(tok)
        if tok.kind == "(":
            inner = self._or(scope, depth + 1)
            if self._peek().kind == ")":
                self._take()
            else:
                self._note("( is never closed", tok, ")")
            return inner
        if tok.kind == "FIELD":
            return self._field(tok, scope, depth)
        return self._list(tok, scope, depth)

    def _missing(self, tok: QToken, before: str, scope: Scope, depth: int) -> Node:
        """A term was due and ``tok`` came instead: say so, skip a stray operator, go on."""
        wanted = "a word, phrase, @list, ( or NOT"
        if tok.kind == "EOF":
            self._note(f"missing term after {before}" if before else "empty query", tok, wanted)
        elif tok.kind == ")" and before == "(":
            self._note("empty parentheses", tok, wanted)
        elif before in ("", "("):
            self._note(f"{tok.text} needs a term before it", tok, wanted)
        else:
            self._note(f"unexpected {tok.text} after {before}", tok, wanted)
        if tok.kind in ("AND", "OR", "NEAR") and self.tokens[self.i + 1].kind in _STARTS:
            self._take()
            return self._unary(scope, depth)
        return self._broken(tok)

    def _field(self, tok: QToken, scope: Scope, depth: int) -> Node:
        # An explicit scope may name any field, even one unscoped terms leave out, and
        # reaches the whole field even when unscoped terms read only the lede.
        # The metadata fields (source:, author:, url:, tag:) are reached only by their own scope.
        top = scope == self.unscoped
        base = _EVERYWHERE if top else scope
        if tok.text == LEDE:  # only the text fields have a lede: lede: in source: never matches
            scoped = Scope(tuple(f for f in base.fields if f < len(FIELDS)), True)
        else:
            reach = range(len(ALL_FIELDS)) if top else base.fields
            scoped = Scope(tuple(f for f in reach if ALL_FIELDS[f] == tok.text), base.lede)
        if not scoped.fields:
            self._note(f"{tok.text}: inside another field can never match", tok)
        return self.made(Wrapper(self._primary(scoped, depth + 1), tok.text))

    def _list(self, tok: QToken, scope: Scope, depth: int) -> Node:
        name = tok.text
        if name not in self.lists:
            close = get_close_matches(name, list(self.lists), n=1)
            wanted = f"@{close[0]}" if close else "a list defined under lists:"
            self._note(f"unknown list @{name}", tok, wanted)
            return self._broken(tok)
        if name in self.open_lists:
            self._note(f"list @{name} refers to itself", tok)
            return self._broken(tok)
        items: list[Node] = []
        for n, item in enumerate(self.lists[name], 1):
            sub = f"{self.prefix}@{name}:"
            if not isinstance(item, str):
                self._note(f"in list @{name}, item {n} {item!r}, column 1: list items must be text", tok)
                return self._broken(tok)
            parser = _Parser(item, self.lists, sub, (*self.open_lists, name), self.unscoped, self.made)
            try:
                items.append(parser.parse(scope, depth + 1))
            except QuerySyntaxError as exc:
                parser.errors.append(exc)
            if parser.errors:
                first = parser.errors[0]
                self._note(
                    f"in list @{name}, item {n} {item!r}, column {first.column}: {first.message}",
                    tok,
                    first.expected,
                )
                return self._broken(tok)
        if not items:
            self._note(f"list @{name} is empty", tok)
            return self._broken(tok)
        child = items[0] if len(items) == 1 else self.made(Or(tuple(items)))
        return self.made(Wrapper(child, "@" + name, tuple(zip(items, self.lists[name], strict=True))))


def check_query(
    text: str,
    lists: Mapping[str, Sequence[str]],
    *,
    fields: Sequence[str] = FIELDS,
    lede: bool = False,
    made: Nodes | None = None,
) -> tuple[Query | None, tuple[QuerySyntaxError, ...]]:
    """Compile a query and report every mistake in it: (the query, ()) when it is good, else
    (None, each syntax error: those of single terms first, then those of the
    structure, each in the order found). Arguments as ``parse_query``'s."""
    named = tuple(i for i, name in enumerate(FIELDS) if name in fields)
    unscoped = Scope(_EVERYWHERE.fields, True) if lede else Scope(named, False)
    parser = _Parser(text, lists, "", (), unscoped, made)
    try:
        root = parser.parse(unscoped, 0)
    except QuerySyntaxError as exc:  # nested too deeply: nothing after it can be read
        parser.errors.append(exc)
    if parser.errors:
        return None, tuple(parser.errors)
    return Query(text, root), ()


def parse_query(
    text: str,
    lists: Mapping[str, Sequence[str]],
    *,
    fields: Sequence[str] = FIELDS,
    lede: bool = False,
    made: Nodes | None = None,
) -> Query:
    """Compile a query. Raises QuerySyntaxError with a 1-based column into ``text`` (the first
    mistake found; ``check_query`` reports them all).

    ``fields`` are the fields a term without a scope searches (default: all of them); with
    ``lede`` true, a term without a scope searches the story's lede instead (the title and the
    opening sentences: ``Document.lede_ends``), whatever ``fields`` says. ``title:``,
    ``summary:``, ``body:`` and ``lede:`` scopes can name any field regardless, and reach the
    whole field; ``source:``, ``author:``, ``url:`` and ``tag:`` read the feed's metadata, which
    nothing else reads. Queries parsed with the same ``made`` share their equal nodes
    (``bot.rules.shared``)."""
    query, errors = check_query(text, lists, fields=fields, lede=lede, made=made)
    if query is None:
        raise errors[0]
    return query
