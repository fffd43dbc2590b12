"""A story as the compiled rule set reads it: each field tokenised only as far as some rule reads
it, and only when first asked for.

``tokenize_words`` splits the first ``limit`` words of a field exactly as
``bot.rules.words.tokenize_field`` splits the whole field (the same words, spans and keys, in
the same order), with the regular-expression engine doing the per-word work: one ``findall``
returns (gap, word) pairs and the spans are their running lengths, so no Python code runs per
word for plain ASCII text.

``StoryView`` is a ``Document`` whose fields are tokenised on demand, each to the extent the rule
set can read (``Extent``): the whole field, its lede (the first ``LEDE_WORDS + 1`` words, which
is what ``lede_length`` reads), or nothing. The body's lede is read only when the summary has no
words, so with ``match_lede`` the body of a story that has a summary is never tokenised. Every
position a rule can read, every lede end and every sentence number within the tokenised words is
the same as in the full ``Document`` (tests/test_match_equivalence.py holds the matcher's results
equal to the full evaluation's).

It knows nothing of queries or rules (``bot.rules.program`` decides the extents) and does no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cached_property
from itertools import accumulate, chain
from operator import itemgetter
from typing import overload

from bot.core.models import ALL_FIELDS
from bot.rules.words import (
    APOSTROPHES,
    LEDE_WORDS,
    MARK_RANGES,
    WORD_RE,
    Document,
    FieldTokens,
    lede_length,
    normalize,
)

# (gap, word) pairs: a word starts at the first character that can start one ([^\W_]), so
# everything before it is gap. The same expression as WORD_RE, in three forms: the full one;
# one without the combining marks, for text that has none (twice as fast); and one for
# lower-cased ASCII text.
_PAIR_RE = re.compile(rf"([\W_]*)({WORD_RE.pattern})")
_PAIR_NO_MARKS_RE = re.compile(rf"([\W_]*)([^\W_]\w*(?:[{APOSTROPHES}][^\W_]\w*)*)")
_PAIR_ASCII_RE = re.compile(r"([^a-z0-9]*)([a-z0-9][a-z0-9_]*(?:'[a-z0-9][a-z0-9_]*)*)")
# Whether a text holds a combining mark, asked in two steps because a character class that
# reaches past U+FFFF is tested range by range: the marks of the Basic Multilingual Plane (one
# table lookup), then each character past it, if any.
_BMP_MARK_RE = re.compile("[" + "".join(r for r in MARK_RANGES if r < "\U00010000") + "]")
_ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")
_ASCII_LOWER = re.compile("[a-z]")

NONE, LEDE, FULL = 0, 1, 2  # how far rules read a field (``StoryView`` extents)
_LEDE_LIMIT = LEDE_WORDS + 1  # lede_length reads one word past the budget


def _findall(text: str, end: int, ascii_text: bool) -> list[tuple[str, str]]:
    """The (gap, word) pairs of ``text[:end]``, ``text`` lower-cased when ``ascii_text``."""
    if ascii_text:
        return _PAIR_ASCII_RE.findall(text, 0, end)
    if _BMP_MARK_RE.search(text, 0, end) or any(
        unicodedata.category(c).startswith("M") for c in _ASTRAL_RE.findall(text, 0, end)
    ):
        return _PAIR_RE.findall(text, 0, end)
    return _PAIR_NO_MARKS_RE.findall(text, 0, end)


def _pairs(text: str, limit: int | None, ascii_text: bool) -> list[tuple[str, str]]:
    """The (gap, word) pairs of ``text``: all of them, or the first ``limit``."""
    if limit is None:
        return _findall(text, len(text), ascii_text)
    if limit == 0:
        return []
    end = max(64, limit * 10)
    while True:
        if end >= len(text):
            return _findall(text, len(text), ascii_text)[:limit]
        pairs = _findall(text, end, ascii_text)
        if len(pairs) > limit:  # the last pair may be cut by ``end``; the first ``limit`` are whole
            return pairs[:limit]
        end *= 4


def _shouting(text: str, count: int) -> bool:
    """``tokenize_field``'s test for an all-capitals field, answered early for ordinary text."""
    if count < 3 or _ASCII_LOWER.search(text):
        return False
    return not any(c.islower() for c in text) and any(c.isupper() for c in text)


def tokenize_words(name: str, text: str, limit: int | None = None) -> FieldTokens:
    """The first ``limit`` words of a field (all with None), as ``tokenize_field`` gives them.
    ``shouting`` is the whole field's when ``limit`` is at least 3."""
    ascii_text = text.isascii()
    pairs = _pairs(text.lower() if ascii_text else text, limit, ascii_text)
    offsets = list(accumulate(map(len, chain.from_iterable(pairs))))
    starts, ends = offsets[0::2], offsets[1::2]
    words = list(map(itemgetter(1), pairs))
    if ("'" in text if ascii_text else any(a in text for a in APOSTROPHES)):
        for i, w in enumerate(words):
            if len(w) > 2 and w[-1] in "sS" and w[-2] in APOSTROPHES:  # possessive (stem_end)
                words[i] = w[:-2]
                ends[i] -= 2
        keys = [w.replace("'", "") for w in words] if ascii_text else list(map(normalize, words))
    else:
        keys = words if ascii_text else list(map(normalize, words))
    return FieldTokens(name, text, tuple(starts), tuple(ends), tuple(keys), _shouting(text, len(keys)))


class _Fields(Sequence[FieldTokens]):
    """A story's fields, each tokenised on first use to its extent."""

    def __init__(self, view: StoryView) -> None:
        self._view = view
        self._toks: list[FieldTokens | None] = [None] * len(ALL_FIELDS)

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
            toks = self._toks[f] = tokenize_words(ALL_FIELDS[f], self._view.texts[f], self._view.limit(f))
        return toks


class _Ledes(Sequence[int]):
    """``Document.lede_ends`` of the view, computed per field on first use (0 for the metadata)."""

    def __init__(self, view: StoryView) -> None:
        self._view = view
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
                end = lede_length(fields[1])
            elif f == 2:
                end = 0 if self._view.summary_has_words else lede_length(fields[2])
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
    def fields(self) -> Sequence[FieldTokens]:
        return _Fields(self)

    @cached_property
    def lede_ends(self) -> Sequence[int]:
        return _Ledes(self)

    @cached_property
    def summary_has_words(self) -> bool:
        if self.extents[1] != NONE:
            return bool(self.fields[1].keys)
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
        keys = [k for f, e in enumerate(self.extents) if e != NONE for k in self.fields[f].keys]
        return " " + " ".join(keys) + " "
