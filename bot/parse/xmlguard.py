"""Remove XML entity declarations from a feed before any XML parser sees it.

Why: feedparser's lenient fallback parser expands internal entities without limit (one entity
referenced 100,000 times in a 60 KB feed cost seconds and hundreds of megabytes), and entity
declarations are also how documents ask a parser to read local files or fetch URLs. No feed needs
them, so ``strip_entity_declarations`` removes every internal DTD subset (``<!DOCTYPE x [ ... ]>``
becomes ``<!DOCTYPE x >``) in the document's own encoding, leaving every other byte untouched.
Entity references left behind stay unexpanded (``&a;`` remains literal text).

It refuses (``FeedParseError``) rather than guesses when it cannot be sure: a subset that never
ends, entity declarations outside a DOCTYPE where feedparser would still pick them up, or entity
declarations hidden behind an encoding that spells ``<`` differently (UTF-7 and friends).

What it does not do: decode the document for parsing, validate XML, or expand anything.
"""

from __future__ import annotations

import codecs
import re
import sys
from array import array
from dataclasses import dataclass

from bot.core.errors import FeedParseError

ENTITY_REFUSAL = "the feed declares XML entities, which the bot does not expand"

_NON_ASCII = 0x80  # placeholder in the skeleton for any code unit that is not ASCII
_PROLOG_STEP = re.compile(rb"<\?.*?(?:\?>|\Z)|<!--.*?(?:-->|\Z)|<!doctype\b|<|[^<]+", re.S | re.I)
_DOCTYPE_STEP = re.compile(rb"\s+|\"[^\"]*\"|'[^']*'|\[|>|[^\s\"'\[>]+")
_SUBSET_STEP = re.compile(
    rb"\"[^\"]*\"|'[^']*'|<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)|\]|[^\"'\]<]+|<", re.S
)
_SUBSET_END = re.compile(rb"\s*>")
_FIRST_ELEMENT = re.compile(rb"<\w")  # where feedparser ends the prolog it searches for entities
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?[^\n]*?encoding\s*=\s*[\"']([^\"'\n]*)")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';,\s]+)", re.I)


@dataclass(frozen=True)
class _Layout:
    """How the document's code units sit in its bytes."""

    offset: int  # bytes of byte-order mark before the first code unit
    width: int  # bytes per code unit: 1, 2 or 4
    big_endian: bool = False
    ebcdic: bool = False


def strip_entity_declarations(data: bytes, content_type: str = "") -> tuple[bytes, int]:
    """``data`` with every internal DTD subset removed, and how many subsets were removed.

    Raises FeedParseError when entity declarations are present but cannot be removed safely.
    ``content_type`` is the HTTP header, whose charset a parser may honour over the document.
    """
    layout = _sniff_layout(data)
    skeleton = _skeleton(data, layout)
    cuts = _subset_spans(skeleton)
    if cuts:
        pieces: list[bytes] = []
        previous = 0
        for start, end in cuts:
            pieces.append(_unit_slice(data, layout, previous, start))
            previous = end
        pieces.append(_unit_slice(data, layout, previous, None))
        data = data[: layout.offset] + b"".join(pieces)
        skeleton = _skeleton(data, layout)
    if _ENTITY_DECL.search(_feedparser_prolog(skeleton)):
        raise FeedParseError(ENTITY_REFUSAL)
    _refuse_hidden_entities(data, skeleton, content_type)
    return data, len(cuts)


def _unit_slice(data: bytes, layout: _Layout, start: int, end: int | None) -> bytes:
    first = layout.offset + start * layout.width
    return data[first:] if end is None else data[first : layout.offset + end * layout.width]


def _sniff_layout(data: bytes) -> _Layout:
    boms = (
        (codecs.BOM_UTF32_BE, _Layout(4, 4, big_endian=True)),
        (codecs.BOM_UTF32_LE, _Layout(4, 4)),
        (codecs.BOM_UTF16_BE, _Layout(2, 2, big_endian=True)),
        (codecs.BOM_UTF16_LE, _Layout(2, 2)),
        (codecs.BOM_UTF8, _Layout(3, 1)),
    )
    for bom, layout in boms:  # UTF-32 LE before UTF-16 LE: their BOMs share a prefix
        if data.startswith(bom):
            return layout
    head = data[:4]
    if len(head) == 4:
        if head[:3] == b"\0\0\0" and head[3] != 0:
            return _Layout(0, 4, big_endian=True)
        if head[0] != 0 and head[1:] == b"\0\0\0":
            return _Layout(0, 4)
        if head[0] == 0 and head[1] != 0 and head[2] == 0:
            return _Layout(0, 2, big_endian=True)
        if head[0] != 0 and head[1] == 0 and head[3] == 0:
            return _Layout(0, 2)
        if head == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
            return _Layout(0, 1, ebcdic=True)
    return _Layout(0, 1)


_EBCDIC_TO_ASCII = bytes(
    ord(ch) if ord(ch) < 0x80 else _NON_ASCII for ch in bytes(range(256)).decode("cp037")
)


def _skeleton(data: bytes, layout: _Layout) -> bytes:
    """One byte per code unit: the unit itself when it is ASCII, 0x80 otherwise. Markup
    positions in the skeleton times the unit width are byte positions in ``data``."""
    body = data[layout.offset :]
    if layout.width == 1:
        return body.translate(_EBCDIC_TO_ASCII) if layout.ebcdic else body
    code = "H" if layout.width == 2 else ("I" if array("I").itemsize == 4 else "L")
    units = array(code, body[: len(body) - len(body) % layout.width])
    if layout.big_endian != (sys.byteorder == "big"):
        units.byteswap()
    return bytes(unit if unit < _NON_ASCII else _NON_ASCII for unit in units)


def _subset_spans(skeleton: bytes) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of each ``[ ... ]`` internal subset of a DOCTYPE in the prolog."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while pos < len(skeleton):
        step = _PROLOG_STEP.match(skeleton, pos)
        if step is None:  # an unterminated comment or processing instruction
            break
        token = step.group()
        if token == b"<":  # the root element (or junk): the prolog is over
            break
        is_doctype = token.lower() == b"<!doctype"
        pos = _doctype_end(skeleton, step.end(), spans) if is_doctype else step.end()
    return spans


def _doctype_end(skeleton: bytes, pos: int, spans: list[tuple[int, int]]) -> int:
    """Read one DOCTYPE from just after its keyword; record its subset; return where it ends."""
    while pos < len(skeleton):
        step = _DOCTYPE_STEP.match(skeleton, pos)
        if step is None:  # an unterminated quoted identifier
            return len(skeleton)
        if step.group() == b">":
            return step.end()
        if step.group() == b"[":
            end = _subset_close(skeleton, step.end())
            closing = _SUBSET_END.match(skeleton, end)
            if closing is None:
                raise FeedParseError(ENTITY_REFUSAL + " (its DTD subset never ends)")
            spans.append((step.start(), end))
            return closing.end()
        pos = step.end()
    return pos


def _subset_close(skeleton: bytes, pos: int) -> int:
    """Position just after the ``]`` that closes an internal subset starting at ``pos``."""
    while pos < len(skeleton):
        step = _SUBSET_STEP.match(skeleton, pos)
        if step is None:  # an unterminated string, comment or processing instruction
            break
        if step.group() == b"]":
            return step.end()
        pos = step.end()
    raise FeedParseError(ENTITY_REFUSAL + " (its DTD subset never ends)")


def _feedparser_prolog(skeleton: bytes) -> bytes:
    first = _FIRST_ELEMENT.search(skeleton)
    return skeleton[: first.start()] if first else skeleton


def _refuse_hidden_entities(data: bytes, skeleton: bytes, content_type: str) -> None:
    """A parser told by the HTTP header or XML declaration to use some encoding may see a
    different document than the skeleton shows (in UTF-7, ``+ADw-`` is ``<``); decode the
    document that way and look for entity declarations there too."""
    names: list[str] = []
    if charset := _CHARSET.search(content_type):
        names.append(charset.group(1))
    if declared := _XML_ENCODING.match(skeleton):
        names.append(declared.group(1).decode("ascii", errors="replace"))
    checked: set[str] = set()
    for name in names:
        try:
            codec = codecs.lookup(name).name
            if codec in checked:
                continue
            checked.add(codec)
            text = data.decode(codec, errors="replace")
        except (LookupError, UnicodeError, ValueError, TypeError):
            continue  # not a text encoding: no parser can read the document with it either
        first = re.search(r"<\w", text)
        if re.search(r"<!ENTITY", text[: first.start()] if first else text, re.I):
            raise FeedParseError(ENTITY_REFUSAL)
