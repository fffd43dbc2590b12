"""Words, for both sides of matching: story text and rule queries.

Story side: ``make_document`` splits each field (title, summary, body) into words once, keeping
for every word its character span in the ORIGINAL field text, and a normalised key (case folded,
compatibility-decomposed, accents and apostrophes removed) used for case-insensitive comparison.
Hyphens and other punctuation split words; digits are words; combining marks and underscores stay
inside a word (as in Unicode word segmentation); an apostrophe between letters stays inside the
word (``don't``, keyed ``dont``); a possessive ``'s``/``’s`` is dropped from the word and its span,
so ``Amazon’s`` is the word ``Amazon``.

The lede: ``lede_length`` says how many opening words of a field are its lede (a short field
whole; else its first two sentences within ``LEDE_WORDS`` words), and ``Document.lede_ends``
which part of each field the ``lede:`` scope reads (the title, and the opening of the summary,
else of the body).

Query side: ``WordPattern`` is one word of a query term; ``bot.rules.lexer`` splits query text into
terms with the same word expression and keys.

This module knows nothing about boolean logic, rules or Slack; ``bot.rules.query`` and
``bot.rules.tree`` build on it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import chain

from bot.core.models import ALL_FIELDS

APOSTROPHES = "'’‘"  # ʼ (U+02BC) is a letter, so it is already a word character


def mark_ranges() -> list[str]:
    """Every combining mark (category M*), as regex character class items: ``a-b`` or ``a``."""
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
    return [a if a == b else f"{a}-{b}" for a, b in ranges]


MARK_RANGES = mark_ranges()
_WORD_CHAR = rf"[\w{''.join(MARK_RANGES)}]"
WORD_RE = re.compile(rf"[^\W_]{_WORD_CHAR}*(?:[{APOSTROPHES}][^\W_]{_WORD_CHAR}*)*")
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


def stem_end(text: str, start: int, end: int) -> int:
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
    # An all-capitals field ("ICE RAIDS: META FINED") carries no case information, so a
    # case-sensitive term such as {Meta} compares without case there.
    shouting: bool = False
    _prefix_cache: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def index(self) -> Mapping[str, list[int]]:
        """Key -> the positions (ascending) of the words with that key; built on first use."""
        index: dict[str, list[int]] = {}
        for i, key in enumerate(self.keys):
            found = index.get(key)
            if found is None:
                index[key] = [i]
            else:
                found.append(i)
        return index

    @cached_property
    def vocabulary(self) -> list[str]:
        """The distinct keys, sorted (prefix lookups bisect it)."""
        return sorted(self.index)

    @cached_property
    def sentences(self) -> tuple[int, ...]:
        """The number of the sentence each word is in (0 for the first; see ``lede_length``)."""
        starts = [0]  # the first word of each sentence
        last = len(self.keys) - 1
        for m in _SENTENCE_END.finditer(self.text):  # few candidates: check only those
            i = bisect_right(self.ends, m.start()) - 1  # the word before the stop
            if 0 <= i < last and starts[-1] <= i and _sentence_ends_after(self, i):
                starts.append(i + 1)
        out = [0] * len(self.keys)
        for n, (a, b) in enumerate(zip(starts, [*starts[1:], len(self.keys)], strict=True)):
            out[a:b] = [n] * (b - a)
        return tuple(out)

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
    for m in WORD_RE.finditer(text):
        start, end = m.span()
        end = stem_end(text, start, end)
        key = normalize(text[start:end])
        starts.append(start)
        ends.append(end)
        keys.append(key)
    shouting = len(keys) >= 3 and not any(c.islower() for c in text) and any(c.isupper() for c in text)
    return FieldTokens(name, text, tuple(starts), tuple(ends), tuple(keys), shouting)


LEDE_WORDS = 60  # the lede's budget in words (every summary of the labelled sets fits in it)
LEDE_SENTENCES = 2  # and in sentences, once a field is longer than the budget
# A sentence ends at . ! ? … (or their full-width forms), maybe followed by closing quotes or
# brackets, and then a space: "3.5 billion" and "example.com" do not end one. Nor does a full
# stop after an abbreviation or an initial ("Mr. Gates", "Alphabet Inc. and", "J. Smith"), or
# one followed by a lower-case word.
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*\s")
_ABBREVIATIONS = frozenset(
    (
        "mr", "mrs", "ms", "dr", "prof", "st", "inc", "corp", "co", "ltd", "plc", "llc", "jr", "sr",
        "vs", "gov", "sen", "rep", "gen", "lt", "col", "capt", "sgt", "no", "nos", "fig", "jan", "feb",
        "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "approx",
        "dept", "est", "etc", "eg", "ie",
    )
)


def _sentence_ends_after(toks: FieldTokens, i: int) -> bool:
    """Whether a sentence ends between word ``i`` and word ``i + 1``."""
    text, after = toks.text, toks.starts[i + 1]
    if not _SENTENCE_END.search(text, toks.ends[i], after):
        return False
    if text[after].islower():
        return False
    word = toks.keys[i]
    return not (text[toks.ends[i]] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())))


def lede_length(toks: FieldTokens, budget: int = LEDE_WORDS, sentences: int = LEDE_SENTENCES) -> int:
    """How many opening words of a field form its lede. A field of at most ``budget`` words is
    all lede (a feed's one- or two-sentence summary). A longer one: its first ``sentences``
    whole sentences, as many as fit in ``budget`` words, or the first ``budget`` words when the
    first sentence alone is longer (a run of link titles or show notes with no full stop)."""
    n = len(toks.keys)
    if n <= budget:
        return n
    end, found = 0, 0
    for i in range(budget):
        if _sentence_ends_after(toks, i):
            end, found = i + 1, found + 1
            if found == sentences:
                break
    return end or budget


@dataclass(frozen=True)
class Document:
    """A story tokenised once, to be evaluated by any number of queries.

    The fields are tokenised on first use: most stories are ruled out by the prefilter, which
    reads only ``word_stream``, and that can be built far more cheaply than the full tokens.
    """

    texts: tuple[str, ...]  # one per name in ALL_FIELDS: the text fields, then the feed's metadata

    @cached_property
    def fields(self) -> Sequence[FieldTokens]:
        return tuple(tokenize_field(n, t) for n, t in zip(ALL_FIELDS, self.texts, strict=True))

    def field(self, name: str) -> FieldTokens:
        return self.fields[ALL_FIELDS.index(name)]

    @cached_property
    def lede_ends(self) -> Sequence[int]:
        """Per field, how many of its first words are in the story's lede (see ``lede_length``):
        the whole title; the opening of the summary; the opening of the body only when the
        summary has no words (a feed that carries the article alone). The metadata fields
        (source, author, url, tag) have no lede: no ``lede:`` scope reaches them."""
        title, summary, body = self.fields[:3]
        return (len(title.keys), lede_length(summary), 0 if summary.keys else lede_length(body))

    def lede_end_char(self, f: int) -> int:
        """Where the lede ends in field ``f``'s text (a character offset; 0 when it has none)."""
        toks, n = self.fields[f], self.lede_ends[f]
        return toks.ends[n - 1] if n else 0

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
                parts.extend(WORD_RE.findall(text.lower()))
            else:
                words = (text[m.start() : stem_end(text, *m.span())] for m in WORD_RE.finditer(text))
                parts.extend(key for key in map(normalize, words) if key)
        stream = " " + " ".join(parts) + " "
        if "'" in stream:
            stream = _POSSESSIVE_RE.sub(r"\1 ", stream).replace("'", "")
        return stream


# A possessive 's at the end of an ASCII word of three or more characters (see stem_end).
_POSSESSIVE_RE = re.compile(r"(\S)'s ")


def make_document(
    title: str, summary: str = "", body: str = "", *, source: str = "", author: str = "", url: str = "",
    tags: Sequence[str] = (),
) -> Document:
    """Tokenise a story's fields (any text at all: empty, huge, control characters). Its tags
    are read as one text, one tag a line."""
    return Document((title or "", summary or "", body or "", source or "", author or "", url or "", "\n".join(tags)))
