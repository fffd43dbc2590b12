"""bot.core.text.clean_text: which characters it strips, which it folds, which it keeps.

One function cleans text for the parser (matching, keys) and for Slack messages, so the two can
never disagree about what a story says."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import INVISIBLE, clean_text

# What is stripped, by name: an independent list (not derived from the implementation).
STRIPPED = {
    **{chr(c): f"C0 control {c:#04x}" for c in (*range(0x00, 0x09), *range(0x0E, 0x20))},
    **{chr(c): f"DEL/C1 control {c:#04x}" for c in (*range(0x7F, 0x85), *range(0x86, 0xA0))},
    "\u00ad": "SOFT HYPHEN",
    "\u061c": "ARABIC LETTER MARK",
    "\u180e": "MONGOLIAN VOWEL SEPARATOR",
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2060": "WORD JOINER",
    "\u2061": "FUNCTION APPLICATION",
    "\u2062": "INVISIBLE TIMES",
    "\u2063": "INVISIBLE SEPARATOR",
    "\u2064": "INVISIBLE PLUS",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE (BOM)",
    "\ufff9": "INTERLINEAR ANNOTATION ANCHOR",
    "\ufffa": "INTERLINEAR ANNOTATION SEPARATOR",
    "\ufffb": "INTERLINEAR ANNOTATION TERMINATOR",
}
# Whitespace: folded into one space, never deleted (deleting would glue words together).
FOLDED = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"


def test_the_stripped_characters_are_exactly_these() -> None:
    assert set(STRIPPED) == INVISIBLE


@pytest.mark.parametrize("char", sorted(STRIPPED), ids=lambda c: f"U+{ord(c):04X}")
def test_an_invisible_character_inside_a_word_is_removed(char: str) -> None:
    assert clean_text(f"face{char}recognition") == "facerecognition"
    assert clean_text(f"face{char}recognition", trim=False) == "facerecognition"


@pytest.mark.parametrize("char", FOLDED, ids=lambda c: f"U+{ord(c):04X}")
def test_whitespace_separates_words_with_one_space(char: str) -> None:
    assert clean_text(f"{char}police{char}{char}drones{char}") == "police drones"
    assert clean_text(f"{char}police{char}{char}drones{char}", trim=False) == " police drones "


def test_visible_text_is_kept_and_composed() -> None:
    assert clean_text("Überwachung 監視 мониторинг 🚓 café") == "Überwachung 監視 мониторинг 🚓 café"
    assert clean_text("cafe\u0301") == "caf\u00e9"  # NFC: one character, as typed
    assert clean_text("*bold* <b>&amp;") == "*bold* <b>&amp;"  # no markup is interpreted


@given(st.text())
def test_the_result_holds_no_invisible_character_and_no_double_space(text: str) -> None:
    for trim in (True, False):
        cleaned = clean_text(text, trim=trim)
        assert INVISIBLE.isdisjoint(cleaned)
        assert "  " not in cleaned and not any(c.isspace() and c != " " for c in cleaned)
        assert cleaned == unicodedata.normalize("NFC", cleaned)
        assert clean_text(cleaned, trim=trim) == cleaned
    assert clean_text(text) == clean_text(text, trim=False).strip(" ")


def reference_clean(text: str, trim: bool) -> str:
    """clean_text's definition, written the slow, obvious way."""
    kept = "".join(c for c in text if c not in INVISIBLE)
    folded = " ".join(kept.split()) if trim else re.sub(r"\s+", " ", kept)
    return unicodedata.normalize("NFC", folded)


# Pieces that stress each step: invisible characters, whitespace of every kind, and sequences
# NFC changes (a letter and a combining accent, Hangul jamo, the Angstrom sign).
PIECES = [*sorted(INVISIBLE), " ", "\t", "\n", "\x85", "\u00a0", "\u2028", "\u3000", "a", "Z", ".",
          "e\u0301", "e\u200b\u0301", "\u00e9", "\u212b", "\u1100\u1161", "\uac00", "\u0301"]
TRICKY = st.lists(st.one_of(st.sampled_from(PIECES), st.characters()), max_size=12).map("".join)


@given(TRICKY, st.booleans())
def test_clean_text_is_its_definition(text: str, trim: bool) -> None:
    """The quick way (one regular expression, NFC skipped for ASCII) gives what the definition does."""
    assert clean_text(text, trim=trim) == reference_clean(text, trim)
