"""Words, for both sides of matching: story text and rule queries.

Story side: ``make_document`` splits each field (title, summary, body) into words once, keeping
for every word its character span in the ORIGINAL field text, and a normalised key (case folded,
compatibility-decomposed, accents and apostrophes removed) used for case-insensitive comparison.
Hyphens and other punctuation split words; digits are words; combining marks and underscores stay
inside a word (as in Unicode word segmentation); an apostrophe between letters stays inside the
word (``don't``, keyed ``dont``); a possessive ``'s``/``’s`` is dropped from the word and its span,
so ``Amazon’s`` is the word ``Amazon``.

Query side: ``lex_query`` turns query text into operator and term tokens (with 0-based positions)
and raises ``QuerySyntaxError`` for anything malformed at the lexical level.

This module knows nothing about boolean logic, rules or Slack; ``bot.rules.query`` and
``bot.rules.tree`` build on it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import chain
from typing import NamedTuple

from bot.core.errors import QuerySyntaxError
from bot.core.models import FIELDS

APOSTROPHES = "'’‘"  # ʼ (U+02BC) is a letter, so it is already a word character


def _mark_class() -> str:
    """A regex character class body listing every combining mark (category M*)."""
    cat = unicodedata.category
    marks = [
        c
        for r in (range(0x300, 0x20000), range(0xE0100, 0xE01F0))
        for c in map(chr, r)
        if cat(c).startswith("M")
    ]
    ranges: list[list[str]] = []
    for c in marks:
        if ranges and ord(c) == ord(ranges[-1][1]) + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(a if a == b else f"{a}-{b}" for a, b in ranges)


_WORD_CHAR = rf"[\w{_mark_class()}]"
_WORD_RE = re.compile(rf"[^\W_]{_WORD_CHAR}*(?:[{APOSTROPHES}][^\W_]{_WORD_CHAR}*)*")
_APOS_TABLE = str.maketrans({c: "'" for c in APOSTROPHES})


@lru_cache(maxsize=1 << 16)
def normalize(word: str) -> str:
    """The comparison key of a word: case folded, NFKD without marks, no apostrophes or spaces."""
    if word.isascii():
        return word.replace("'", "").lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(
        c
        for c in decomposed
        if not unicodedata.category(c).startswith("M") and c not in APOSTROPHES and not c.isspace()
    )


def surface(word: str) -> str:
    """The form compared by case-sensitive terms: NFC, apostrophes unified, case kept."""
    if word.isascii():
        return word
    return unicodedata.normalize("NFC", word.translate(_APOS_TABLE))


def _stem_end(text: str, start: int, end: int) -> int:
    """End of the word without a trailing possessive ``'s``."""
    if end - start > 2 and text[end - 1] in "sS" and text[end - 2] in APOSTROPHES:
        return end - 2
    return end


@dataclass(frozen=True)
class WordPattern:
    """One word of a query term. ``exact`` is set for case-sensitive words."""

    key: str
    exact: str | None = None
    prefix: bool = False


@dataclass(frozen=True)
class FieldTokens:
    """The words of one field: spans into ``text``, keys, and a key -> positions index."""

    name: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    keys: tuple[str, ...]
    index: dict[str, list[int]]
    # An all-capitals field ("ICE RAIDS: META FINED") carries no case information, so a
    # case-sensitive term such as {Meta} compares without case there.
    shouting: bool = False
    _prefix_cache: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def vocabulary(self) -> list[str]:
        """The distinct keys, sorted (prefix lookups bisect it)."""
        return sorted(self.index)

    def matches(self, pos: int, word: WordPattern) -> bool:
        """Whether the word at ``pos`` satisfies ``word``."""
        key = self.keys[pos]
        if not (key.startswith(word.key) if word.prefix else key == word.key):
            return False
        if word.exact is None or self.shouting:
            return True
        form = surface(self.text[self.starts[pos] : self.ends[pos]])
        return form.startswith(word.exact) if word.prefix else form == word.exact

    def positions(self, word: WordPattern) -> list[int]:
        """Positions (ascending) of the words that satisfy ``word``."""
        if word.prefix:
            found = self._prefix_cache.get(word.key)
            if found is None:
                vocabulary, i, lists = self.vocabulary, bisect_left(self.vocabulary, word.key), []
                while i < len(vocabulary) and vocabulary[i].startswith(word.key):
                    lists.append(self.index[vocabulary[i]])
                    i += 1
                found = lists[0] if len(lists) == 1 else sorted(chain.from_iterable(lists))
                self._prefix_cache[word.key] = found
        else:
            found = self.index.get(word.key, [])
        if word.exact is None or self.shouting:
            return found
        return [p for p in found if self.matches(p, word)]

    def find(self, words: Sequence[WordPattern]) -> list[int]:
        """Start positions where ``words`` occur consecutively."""
        firsts = self.positions(words[0])
        if len(words) == 1:
            return firsts
        limit = len(self.keys) - len(words)
        rest = list(enumerate(words[1:], 1))
        return [p for p in firsts if p <= limit and all(self.matches(p + j, w) for j, w in rest)]


def tokenize_field(name: str, text: str) -> FieldTokens:
    """Split one field's text into words."""
    starts: list[int] = []
    ends: list[int] = []
    keys: list[str] = []
    index: dict[str, list[int]] = {}
    for m in _WORD_RE.finditer(text):
        start, end = m.span()
        end = _stem_end(text, start, end)
        key = normalize(text[start:end])
        index.setdefault(key, []).append(len(keys))
        starts.append(start)
        ends.append(end)
        keys.append(key)
    shouting = len(keys) >= 3 and not any(c.islower() for c in text) and any(c.isupper() for c in text)
    return FieldTokens(name, text, tuple(starts), tuple(ends), tuple(keys), index, shouting)


@dataclass(frozen=True)
class Document:
    """A story tokenised once, to be evaluated by any number of queries.

    The fields are tokenised on first use: most stories are ruled out by the prefilter, which
    reads only ``word_stream``, and that can be built far more cheaply than the full tokens.
    """

    texts: tuple[str, ...]  # one per name in FIELDS

    @cached_property
    def fields(self) -> tuple[FieldTokens, ...]:
        return tuple(tokenize_field(n, t) for n, t in zip(FIELDS, self.texts, strict=True))

    def field(self, name: str) -> FieldTokens:
        return self.fields[FIELDS.index(name)]

    @cached_property
    def word_stream(self) -> str:
        """Every word key of every field, space separated and space padded (for prefilters).

        The same string as joining the keys of ``fields`` (tests/test_query.py holds them
        equal), built without tokenising: for ASCII text, lower-case it, find the words with
        the same expression, drop possessive "'s" and the remaining apostrophes in one pass.
        """
        parts: list[str] = []
        for text in self.texts:
            if text.isascii():
                parts.extend(_WORD_RE.findall(text.lower()))
            else:
                words = (text[m.start() : _stem_end(text, *m.span())] for m in _WORD_RE.finditer(text))
                parts.extend(key for key in map(normalize, words) if key)
        stream = " " + " ".join(parts) + " "
        if "'" in stream:
            stream = _POSSESSIVE_RE.sub(r"\1 ", stream).replace("'", "")
        return stream


# A possessive 's at the end of an ASCII word of three or more characters (see _stem_end).
_POSSESSIVE_RE = re.compile(r"(\S)'s ")


def make_document(title: str, summary: str = "", body: str = "") -> Document:
    """Tokenise a story's fields (any text at all: empty, huge, control characters)."""
    return Document((title or "", summary or "", body or ""))


# ---- query text -------------------------------------------------------------------------------


class QToken(NamedTuple):
    """A lexical token of a query. ``pos``/``end`` are 0-based offsets into the query."""

    kind: str  # ( ) AND OR NOT NEAR FIELD TERM LIST EOF
    pos: int
    end: int
    text: str  # as written (a field or list name for FIELD/LIST)
    words: tuple[WordPattern, ...] = ()
    number: int = 0


MAX_NEAR = 1000
_QUOTES = '"“”'
_DELIMITERS = frozenset("(){}" + _QUOTES)
_FIELD_RE = re.compile(r"([A-Za-z]+):")
_LIST_RE = re.compile(r"\w(?:[\w-]*\w)?")
_NEAR_RE = re.compile(r"NEAR/([0-9]+)")


def _fail(message: str, pos: int, expected: str = "") -> QuerySyntaxError:
    return QuerySyntaxError(message, pos + 1, expected)


def query_words(content: str, base: int, case_sensitive: bool) -> tuple[WordPattern, ...]:
    """Words of a bare term, phrase or ``{...}`` body; a ``*`` right after a word makes a prefix."""
    words: list[WordPattern] = []
    used: set[int] = set()
    for m in _WORD_RE.finditer(content):
        start, end = m.start(), _stem_end(content, m.start(), m.end())
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
        if c == "*" and i + 1 < len(content) and _WORD_RE.match(content, i + 1):
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


def lex_query(text: str) -> list[QToken]:
    """Tokens of a query, ending with an EOF token. Raises QuerySyntaxError."""
    tokens: list[QToken] = []
    i, n = 0, len(text)
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
                raise _fail(
                    "unterminated " + ("phrase" if c in _QUOTES else "{"),
                    i,
                    'a closing "' if c in _QUOTES else "a closing }",
                )
            words = query_words(text[i + 1 : close], i + 1, c == "{")
            tokens.append(QToken("TERM", i, close + 1, text[i : close + 1], words))
            i = close + 1
        elif c == "}":
            raise _fail("} without {", i)
        elif c == "@":
            m = _LIST_RE.match(text, i + 1)
            if m is None:
                raise _fail("@ must be followed by a list name", i + 1, "a list name")
            if m.end() < n and not text[m.end()].isspace() and text[m.end()] not in _DELIMITERS:
                raise _fail(f"unexpected {text[m.end()]!r} after @{m.group()}", m.end())
            tokens.append(QToken("LIST", i, m.end(), m.group()))
            i = m.end()
        elif (m := _FIELD_RE.match(text, i)) is not None:
            name = m.group(1).lower()
            if name not in FIELDS:
                raise _fail(
                    f"unknown field {m.group(1)!r} (put text with a colon in quotes)",
                    i,
                    "title:, summary: or body:",
                )
            if m.end() >= n or text[m.end()].isspace() or text[m.end()] == ")":
                raise _fail(f"{name}: must be followed by a term or (", m.end(), "a term or (")
            tokens.append(QToken("FIELD", i, m.end(), name))
            i = m.end()
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _DELIMITERS:
                j += 1
            tokens.append(_lex_bare(text, i, j))
            i = j
