"""Plain text in one normal form, for every part of the bot: ``clean_text``.

Feed text (bot.parse), rule descriptions and story text in Slack messages (bot.notify) all go
through this one function, so a story reads and matches the same everywhere. It removes the
characters in ``INVISIBLE`` (they change how text matches, or how it is laid out, without
showing), folds every run of whitespace into one space and NFC-normalises.

It does not read HTML or entities (``bot.parse.plaintext`` does), shorten text, or escape it
for Slack (``bot.notify.message``).
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that change how text matches or reads without changing how it looks:
# C0 controls other than whitespace, DEL and the C1 controls other than NEL (which is whitespace,
# folded instead), the soft hyphen, the Arabic letter mark, the Mongolian vowel separator, the
# zero-width space, non-joiner and joiner, the bidi marks, embeddings, overrides and isolates,
# the word joiner and the invisible operators, the byte order mark, and the interlinear
# annotation controls.
INVISIBLE = frozenset(
    chr(c)
    for c in (
        [c for c in range(0x20) if chr(c) not in "\t\n\v\f\r"]
        + list(range(0x7F, 0x85))
        + list(range(0x86, 0xA0))
        + [0x00AD, 0x061C, 0x180E]
        + list(range(0x200B, 0x2010))
        + list(range(0x202A, 0x202F))
        + list(range(0x2060, 0x2065))
        + list(range(0x2066, 0x206A))
        + [0xFEFF]
        + list(range(0xFFF9, 0xFFFC))
    )
)
# One character class: re.sub deletes them several times faster than str.translate with a dict.
_INVISIBLE = re.compile("[" + "".join(re.escape(c) for c in sorted(INVISIBLE)) + "]")
_WHITESPACE = re.compile(r"\s+")  # the characters str.split() splits on, no more, no fewer


def clean_text(text: str, *, trim: bool = True) -> str:
    """Text that is already plain, in normal form: the ``INVISIBLE`` characters removed, each run
    of whitespace folded to one space, NFC-normalised. No markup or entity is interpreted.

    ``trim=False`` keeps a (single) space at either end, for a piece of a longer text whose
    word breaks matter (the gaps between bold terms in a Slack snippet)."""
    text = _INVISIBLE.sub("", text)
    text = " ".join(text.split()) if trim else _WHITESPACE.sub(" ", text)
    return text if text.isascii() else unicodedata.normalize("NFC", text)  # ASCII is in NFC
