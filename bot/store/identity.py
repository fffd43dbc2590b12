"""Decide when two headlines report the same story (pure functions, no I/O).

Method: token-set Jaccard similarity over the *content words* of the two titles. A title is
lower-cased, accents are removed, it is split on anything that is not a letter or digit, short
function words ("the", "of", "to", ...) are dropped and a plural ``s`` is trimmed, so "Amazon
workers demand end to police facial recognition deals" and "Amazon employees demand an end to
police facial-recognition deals" share most of their tokens. Two titles are the same story when
``|A ∩ B| / |A ∪ B| >= threshold`` (default 0.6, ``settings.title_similarity``) and both have at
least three content words, so that very short headlines ("Live updates") never merge. Candidate
titles are limited to stories seen within ``settings.dedup_window`` (default 48 h) by the store.

Why this and not MinHash: the store only compares a new matching story with the alerts of the
last two days (tens to hundreds), where an exact Jaccard is cheap and easy to explain.
"""

from __future__ import annotations

import re
import unicodedata

_STOP = frozenset(
    (
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "but",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "over",
        "after",
        "before",
        "into",
        "about",
        "amid",
        "new",
        "says",
        "say",
        "said",
        "report",
        "reports",
        "how",
        "why",
        "what",
        "who",
        "will",
        "would",
        "could",
        "can",
        "may",
        "might",
        "has",
        "have",
        "had",
        "not",
        "no",
        "than",
        "then",
        "via",
        "up",
        "out",
        "us",
        "more",
        "most",
    )
)
_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def title_tokens(title: str) -> frozenset[str]:
    """The content words of a headline, normalised for comparison."""
    text = unicodedata.normalize("NFKD", title.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = []
    for word in _SPLIT.split(text.replace("'", "").replace("\u2019", "")):
        if not word or word in _STOP or word == "_":
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return frozenset(words)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two token sets (0.0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def same_story(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """True when two headlines' token sets are close enough to be one story."""
    if len(a) < 3 or len(b) < 3:
        return False
    return similarity(a, b) >= threshold
