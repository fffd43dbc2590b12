"""The rule language's lexer: query text to operator and term tokens (with 0-based positions),
raising ``QuerySyntaxError`` for anything malformed at the lexical level. Terms are split into
words exactly as story text is (``bot.rules.words``), so a query word and a story word compare by
the same key. The grammar above the tokens is ``bot.rules.query``'s.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.core.errors import QuerySyntaxError
from bot.core.models import FIELDS, META_FIELDS
from bot.rules.words import WORD_RE, WordPattern, normalize, stem_end, surface


class QToken(NamedTuple):
    """A lexical token of a query. ``pos``/``end`` are 0-based offsets into the query."""

    kind: str  # ( ) AND OR NOT NEAR FIELD TERM LIST EOF, and BAD (a malformed term)
    pos: int
    end: int
    text: str  # as written (a field or list name for FIELD/LIST)
    words: tuple[WordPattern, ...] = ()
    number: int = 0


MAX_NEAR = 1000
_QUOTES = '"“”'
_DELIMITERS = frozenset("(){}" + _QUOTES)
LEDE = "lede"  # the scope of a story's headline and opening sentences (not a stored field)
SCOPES = (*FIELDS, LEDE, *META_FIELDS)
_FIELD_RE = re.compile(r"([A-Za-z]+):")
_LIST_RE = re.compile(r"\w(?:[\w-]*\w)?")
_NEAR_RE = re.compile(r"NEAR/([0-9]+)")


def _fail(message: str, pos: int, expected: str = "") -> QuerySyntaxError:
    return QuerySyntaxError(message, pos + 1, expected)


def query_words(content: str, base: int, case_sensitive: bool) -> tuple[WordPattern, ...]:
    """Words of a bare term, phrase or ``{...}`` body; a ``*`` right after a word makes a prefix."""
    words: list[WordPattern] = []
    used: set[int] = set()
    for m in WORD_RE.finditer(content):
        start, end = m.start(), stem_end(content, m.start(), m.end())
        star = m.end() < len(content) and content[m.end()] == "*"
        key = normalize(content[start:end])
        if not key:
            continue
        if star:
            used.add(m.end())
            if len(key) < 3:
                raise _fail(
                    "a wildcard needs at least 3 letters before *",
                    base + start,
                    "3 or more letters before *",
                )
        exact = surface(content[start:end]) if case_sensitive else None
        words.append(WordPattern(key, exact, star))
    for i, c in enumerate(content):
        if c == "*" and (i not in used or content[i + 1 : i + 2] == "*"):
            raise _fail("* may only end a word, as in protest*", base + i)
        if c == "*" and i + 1 < len(content) and WORD_RE.match(content, i + 1):
            raise _fail("* may only end a word, as in protest*", base + i)
    if not words:
        raise _fail("a term needs letters or digits", base, "a word")
    return tuple(words)


def _closing(text: str, pos: int, closers: str) -> int:
    for i in range(pos, len(text)):
        if text[i] in closers:
            return i
    return -1


def _lex_bare(text: str, i: int, j: int) -> QToken:
    chunk = text[i:j]
    if chunk in ("AND", "OR", "NOT"):
        return QToken(chunk, i, j, chunk)
    if chunk == "NEAR" or chunk.startswith("NEAR/"):
        m = _NEAR_RE.fullmatch(chunk)
        if m is None:
            raise _fail(
                "NEAR needs a distance in words", i + min(len(chunk), 5), "a number, as in NEAR/5"
            )
        if len(m.group(1)) > 4 or int(m.group(1)) > MAX_NEAR:
            raise _fail(f"NEAR distance is at most {MAX_NEAR} words", i + 5)
        return QToken("NEAR", i, j, chunk, number=int(m.group(1)))
    if re.fullmatch(r"near/[0-9]*", chunk, re.IGNORECASE):
        raise _fail("operators are written in capitals", i, "NEAR/<number>")
    if chunk.startswith("-") and len(chunk) > 1:
        raise _fail("a leading - does not exclude a word here", i, f"NOT {chunk[1:]}")
    return QToken("TERM", i, j, chunk, query_words(chunk, i, False))


def lex_query(text: str, errors: list[QuerySyntaxError] | None = None) -> list[QToken]:
    """Tokens of a query, ending with an EOF token. Raises QuerySyntaxError at the first
    malformed token; with an ``errors`` list, records each one there instead and carries on,
    a malformed token becoming a ``BAD`` token (a term that never matches) so that the parser
    can go on and find the mistakes after it."""
    tokens: list[QToken] = []
    i, n = 0, len(text)

    def bad(exc: QuerySyntaxError, start: int, end: int, kind: str = "BAD", number: int = 0) -> None:
        if errors is None:
            raise exc
        errors.append(exc)
        tokens.append(QToken(kind, start, end, text[start:end], number=number))

    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            tokens.append(QToken("EOF", n, n, ""))
            return tokens
        c = text[i]
        if c in "()":
            tokens.append(QToken(c, i, i + 1, c))
            i += 1
        elif c in _QUOTES or c == "{":
            close = _closing(text, i + 1, _QUOTES if c in _QUOTES else "}")
            if close < 0:
                expected = 'a closing "' if c in _QUOTES else "a closing }"
                what = "phrase" if c in _QUOTES else "{"
                bad(_fail(f"unterminated {what}", i, expected), i, n)
                i = n
                continue
            try:
                words = query_words(text[i + 1 : close], i + 1, c == "{")
                tokens.append(QToken("TERM", i, close + 1, text[i : close + 1], words))
            except QuerySyntaxError as exc:
                bad(exc, i, close + 1)
            i = close + 1
        elif c == "}":
            bad(_fail("} without {", i), i, i + 1)
            i += 1
        elif c == "@":
            m = _LIST_RE.match(text, i + 1)
            if m is None:
                bad(_fail("@ must be followed by a list name", i + 1, "a list name"), i, i + 1)
                i += 1
            elif m.end() < n and not text[m.end()].isspace() and text[m.end()] not in _DELIMITERS:
                j = _bare_end(text, m.end())
                bad(_fail(f"unexpected {text[m.end()]!r} after @{m.group()}", m.end()), i, j)
                i = j
            else:
                tokens.append(QToken("LIST", i, m.end(), m.group()))
                i = m.end()
        elif (m := _FIELD_RE.match(text, i)) is not None:
            name = m.group(1).lower()
            if name not in SCOPES:
                scopes = ", ".join(f"{s}:" for s in SCOPES[:-1]) + f" or {SCOPES[-1]}:"
                unknown = _fail(f"unknown field {m.group(1)!r} (put text with a colon in quotes)", i, scopes)
                bad(unknown, i, m.end())
            elif m.end() >= n or text[m.end()].isspace() or text[m.end()] == ")":
                bad(_fail(f"{name}: must be followed by a term or (", m.end(), "a term or ("), i, m.end())
            else:
                tokens.append(QToken("FIELD", i, m.end(), name))
            i = m.end()
        else:
            j = _bare_end(text, i)
            try:
                tokens.append(_lex_bare(text, i, j))
            except QuerySyntaxError as exc:
                near = re.fullmatch(r"near(/.*)?", text[i:j], re.IGNORECASE) is not None  # a wrong NEAR
                bad(exc, i, j, "NEAR" if near else "BAD")
            i = j


def _bare_end(text: str, i: int) -> int:
    """Where a bare term that starts at ``i`` ends."""
    j = i
    while j < len(text) and not text[j].isspace() and text[j] not in _DELIMITERS:
        j += 1
    return j
