"""A story as the compiled rule set reads it: each field read only as far as some rule reads it,
and only when first asked for.

``tokenize_words`` splits the first ``limit`` words of a field exactly as
``bot.rules.words.tokenize_field`` splits the whole field (the same words, spans and keys, in
the same order), with the regular-expression engine doing the per-word work: one ``split``
(stopping after ``limit`` words) returns the gaps and words in turn and the spans are their
running lengths, so no Python code runs per word for ASCII text without apostrophes. Positions
are looked up key by key (``_Positions``) rather than indexed for every word.

``StoryView`` is a ``Document`` whose fields are read on demand, each to the extent the rule set
can read (``NONE``, ``LEDE`` or ``FULL``): the whole field, its lede (the first
``LEDE_WORDS + 1`` words, which is what ``lede_length`` reads; ``lede_words`` finds the same end
from the sentence stops alone), or nothing. The body's lede is read only when the summary has no
words, so with ``match_lede`` the body of a story that has a summary is never read. The keys come
first (``StoryView.stream``, all the prefilter needs); spans only for the stories the prefilter
picks rules for. Every position a rule can read, every lede end and every sentence number within
the words read is the same as in the full ``Document`` (tests/test_match_equivalence.py holds the
matcher's results equal to the full evaluation's).

It knows nothing of queries or rules (``bot.rules.program`` decides the extents) and does no I/O.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from itertools import accumulate
from typing import NamedTuple, overload

from bot.core.models import ALL_FIELDS
from bot.rules.words import (
    _SENTENCE_END,
    APOSTROPHES,
    LEDE_SENTENCES,
    LEDE_WORDS,
    MARK_RANGES,
    WORD_RE,
    Document,
    FieldTokens,
    _sentence_ends_after,
    normalize,
)

# Splitting on the words (one capturing group) gives [gap, word, gap, word, ..., rest]: a word
# starts at the first character that can start one ([^\W_]). The same expression as WORD_RE, in
# three forms: the full one; one without the combining marks, exact on text that has none near
# the words it finds (twice as fast: a character class reaching past U+FFFF is tested range by
# range); and one for lower-cased ASCII text.
_SPLIT_RE = re.compile(f"({WORD_RE.pattern})")
_SPLIT_NO_MARKS_RE = re.compile(rf"([^\W_]\w*(?:[{APOSTROPHES}][^\W_]\w*)*)")
_SPLIT_ASCII_RE = re.compile(r"([a-z0-9][a-z0-9_]*(?:'[a-z0-9][a-z0-9_]*)*)")
# Whether a text holds a combining mark, asked in two steps: the marks of the Basic Multilingual
# Plane (one table lookup per character), then each character past it, if any.
_BMP_MARK_RE = re.compile("[" + "".join(r for r in MARK_RANGES if r < "\U00010000") + "]")
_ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")
_POSSESSIVE_RE = re.compile(f"[{APOSTROPHES}][sS]")
# Every title-case letter (category Lt: all in the Basic Multilingual Plane).
_TITLECASE_RE = re.compile("[" + "".join(c for c in map(chr, range(0x10000)) if unicodedata.category(c) == "Lt") + "]")

NONE, LEDE, FULL = 0, 1, 2  # how far rules read a field (``StoryView`` extents)
_LEDE_LIMIT = LEDE_WORDS + 1  # lede_length reads one word past the budget


def _has_marks(text: str, end: int) -> bool:
    """Whether ``text[:end]`` holds a combining mark."""
    if _BMP_MARK_RE.search(text, 0, end):
        return True
    return any(unicodedata.category(c).startswith("M") for c in _ASTRAL_RE.findall(text, 0, end))


def _split(text: str, limit: int | None) -> list[str]:
    """[gap, word, ..., rest] of the first ``limit`` words of ``text`` (all with None)."""
    if text.isascii():
        return _SPLIT_ASCII_RE.split(text.lower(), limit or 0)
    parts = _SPLIT_NO_MARKS_RE.split(text, limit or 0)
    # A mark after a word's last character would have continued it: check up to one past the
    # last word found (marks elsewhere are gaps to both expressions).
    if len(parts) > 1 and _has_marks(text, len(text) - len(parts[-1]) + 1):
        parts = _SPLIT_RE.split(text, limit or 0)
    return parts


def _shouting(text: str, count: int) -> bool:
    """``tokenize_field``'s test for an all-capitals field (at least 3 words, no lower-case
    character, an upper-case one), in C: ``str.isupper`` answers the same unless a title-case
    character (``ǅ``) is present, which it also refuses."""
    if count < 3:
        return False
    if text.isupper():
        return True
    if _TITLECASE_RE.search(text) is None:
        return False
    return not any(c.islower() for c in text) and any(c.isupper() for c in text)


class _Positions(Mapping[str, list[int]]):
    """``FieldTokens.index`` without building it: the positions of a key are found when first
    asked for, by searching the space-joined keys (C code) and counting the spaces before each
    hit, so a long field costs a scan per key looked up rather than Python work per word."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._keys = keys
        self._joined = ""
        self._found: dict[str, list[int]] = {}

    def _scan(self, key: str) -> list[int]:
        if not self._joined:
            self._joined = " " + " ".join(self._keys) + " "
        joined, pattern, out = self._joined, f" {key} ", []
        at, spaces, counted = joined.find(pattern), 0, 0
        while at >= 0:
            spaces += joined.count(" ", counted, at + 1)
            counted = at + 1
            out.append(spaces - 1)  # word n follows the (n + 1)th space
            at = joined.find(pattern, at + len(key) + 1)
        return out

    def get(self, key: str, default: list[int] | None = None) -> list[int] | None:  # type: ignore[override]
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._scan(key)
        return found or default

    def __getitem__(self, key: str) -> list[int]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(self._keys))

    def __len__(self) -> int:
        return len(set(self._keys))


class _ViewTokens(FieldTokens):
    """FieldTokens whose index is looked up key by key (``_Positions``)."""

    @cached_property
    def index(self) -> Mapping[str, list[int]]:
        return _Positions(self.keys)


class _Words(NamedTuple):
    """A field's words as the prefilter needs them (keys), and what spans are made from."""

    parts: list[str]  # [gap, word, ..., rest]: the words as read, possessives included
    keys: list[str]
    possessive: list[int]  # the words whose "'s" the keys leave out


_NO_WORDS = _Words([""], [], [])


def _read(text: str, limit: int | None) -> _Words:
    """The keys of the first ``limit`` words of ``text`` (all with None)."""
    if limit == 0:
        return _NO_WORDS
    parts = _split(text, limit)
    words, possessive = parts[1::2], []
    if _POSSESSIVE_RE.search(text, 0, len(text) - len(parts[-1]) + 2):
        for i, w in enumerate(words):
            if len(w) > 2 and w[-1] in "sS" and w[-2] in APOSTROPHES:  # possessive (stem_end)
                words[i] = w[:-2]
                possessive.append(i)
    if not text.isascii():
        keys = list(map(normalize, words))
    elif "'" in text:
        keys = [w.replace("'", "") for w in words]
    else:
        keys = words
    return _Words(parts, keys, possessive)


def _tokens(name: str, text: str, words: _Words) -> FieldTokens:
    """The spans of ``words`` (read from ``text``) as FieldTokens."""
    parts, keys = words.parts, words.keys
    offsets = list(accumulate(map(len, parts)))
    starts, ends = offsets[0 : 2 * len(keys) : 2], offsets[1 : 2 * len(keys) : 2]
    for i in words.possessive:
        ends[i] -= 2
    return _ViewTokens(name, text, tuple(starts), tuple(ends), tuple(keys), _shouting(text, len(keys)))


def tokenize_words(name: str, text: str, limit: int | None = None) -> FieldTokens:
    """The first ``limit`` words of a field (all with None), as ``tokenize_field`` gives them.
    ``shouting`` is the whole field's when ``limit`` is at least 3."""
    return _tokens(name, text, _read(text, limit))


def lede_words(toks: FieldTokens) -> int:
    """``lede_length(toks)``, checking only the gaps where a sentence-ending stop occurs (one
    regular-expression scan of the first ``LEDE_WORDS`` words) instead of every gap."""
    n = len(toks.keys)
    if n <= LEDE_WORDS:
        return n
    end, found, last = 0, 0, -1
    for m in _SENTENCE_END.finditer(toks.text, 0, toks.starts[LEDE_WORDS]):
        i = bisect_right(toks.ends, m.start()) - 1  # the word before the stop
        if i > last:
            last = i
            if _sentence_ends_after(toks, i):
                end, found = i + 1, found + 1
                if found == LEDE_SENTENCES:
                    break
    return end or LEDE_WORDS


class _Fields(Sequence[FieldTokens]):
    """A story's fields, each read on first use to its extent: first the keys (``keys``: all
    the prefilter needs), then the spans (``fields[f]``: for the rules it picks). It refers to
    its view weakly: a cycle would keep every word of a story until the cyclic collector runs
    (with the daemon's thresholds, hundreds of stories' words, MBs, at the peak of a poll)."""

    def __init__(self, view: StoryView) -> None:
        self._view: StoryView = weakref.proxy(view)
        self._texts = view.texts
        self._toks: list[FieldTokens | None] = [None] * len(ALL_FIELDS)
        self._words: list[_Words | None] = [None] * len(ALL_FIELDS)

    def words(self, f: int) -> _Words:
        words = self._words[f]
        if words is None:
            words = self._words[f] = _read(self._texts[f], self._view.limit(f))
        return words

    def __len__(self) -> int:
        return len(ALL_FIELDS)

    @overload
    def __getitem__(self, f: int) -> FieldTokens: ...
    @overload
    def __getitem__(self, f: slice) -> Sequence[FieldTokens]: ...
    def __getitem__(self, f: int | slice) -> FieldTokens | Sequence[FieldTokens]:
        if isinstance(f, slice):
            return [self[i] for i in range(len(ALL_FIELDS))[f]]
        toks = self._toks[f]
        if toks is None:
            toks = self._toks[f] = _tokens(ALL_FIELDS[f], self._texts[f], self.words(f))
        return toks


class _Ledes(Sequence[int]):
    """``Document.lede_ends`` of the view, computed per field on first use (0 for the metadata)."""

    def __init__(self, view: StoryView) -> None:
        self._view: StoryView = weakref.proxy(view)  # weakly, as _Fields does
        self._ends: dict[int, int] = {}

    def __len__(self) -> int:
        return len(ALL_FIELDS)

    @overload
    def __getitem__(self, f: int) -> int: ...
    @overload
    def __getitem__(self, f: slice) -> Sequence[int]: ...
    def __getitem__(self, f: int | slice) -> int | Sequence[int]:
        if isinstance(f, slice):
            return [self[i] for i in range(len(ALL_FIELDS))[f]]
        end = self._ends.get(f)
        if end is None:
            fields = self._view.fields
            if f == 0:
                end = len(fields[0].keys)
            elif f == 1:
                end = lede_words(fields[1])
            elif f == 2:
                end = 0 if self._view.summary_has_words else lede_words(fields[2])
            else:
                end = 0
            self._ends[f] = end
        return end


class StoryView(Document):
    """A ``Document`` tokenised lazily, each field only as far as ``extents`` (one of ``NONE``,
    ``LEDE``, ``FULL`` per name in ``ALL_FIELDS``) says some rule reads it."""

    def __init__(self, texts: tuple[str, ...], extents: Sequence[int]) -> None:
        super().__init__(texts)
        object.__setattr__(self, "extents", tuple(extents))

    extents: tuple[int, ...]

    @cached_property
    def fields(self) -> _Fields:
        return _Fields(self)

    @cached_property
    def lede_ends(self) -> Sequence[int]:
        return _Ledes(self)

    @cached_property
    def summary_has_words(self) -> bool:
        if self.extents[1] != NONE:
            return bool(self.fields.words(1).keys)
        return WORD_RE.search(self.texts[1]) is not None

    def limit(self, f: int) -> int | None:
        """How many words of field ``f`` to tokenise (None: all)."""
        extent = self.extents[f]
        if extent == FULL or (extent == LEDE and f == 0):  # the title's lede is the whole title
            return None
        if extent == LEDE and (f == 1 or (f == 2 and not self.summary_has_words)):
            return _LEDE_LIMIT
        return 0

    def stream(self) -> str:
        """The keys of every word read, space separated and space padded (for the prefilter)."""
        fields = self.fields
        keys = [k for f, e in enumerate(self.extents) if e != NONE for k in fields.words(f).keys]
        return " " + " ".join(keys) + " "
