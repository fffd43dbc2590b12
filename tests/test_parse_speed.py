"""The two settings feed.py gives feedparser to read faster (its SAX driver, its cp1252 table)
leave what it reads unchanged."""

from __future__ import annotations

import xml.sax
from typing import Any

import feedparser
import feedparser.api
import feedparser.mixin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parse import feed
from bot.parse.saxdriver import BufferedExpatParser


def test_feedparser_reads_with_the_buffered_driver_and_the_table() -> None:
    assert feedparser.api.PREFERRED_XML_PARSERS == ["bot.parse.saxdriver"]
    assert isinstance(xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS), BufferedExpatParser)
    assert isinstance(feedparser.mixin._cp1252, str) and len(feed._CP1252) == 27


@given(st.text())
def test_the_table_maps_every_character_as_feedparser_s_dict_does(text: str) -> None:
    assert text.translate(feedparser.mixin._cp1252) == text.translate(feed._CP1252)


def test_the_table_covers_the_cp1252_range_and_characters_beyond_the_table() -> None:
    text = "".join(map(chr, range(0x80, 0xA0))) + "caf\u00e9 \U0001f600 \udc80"
    assert text.translate(feedparser.mixin._cp1252) == text.translate(feed._CP1252)
    assert "\u20ac" in text.translate(feedparser.mixin._cp1252)  # 0x80 is the euro sign


class Counting(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []

    def characters(self, content: str) -> None:
        self.pieces.append(content)


def test_text_comes_in_one_piece_not_one_per_line_and_entity() -> None:
    handler = Counting()
    parser = xml.sax.make_parser(["bot.parse.saxdriver"])
    parser.setContentHandler(handler)
    text = "\n".join(f"line {n} &amp; more &#233;" for n in range(100))
    parser.feed(f"<a>{text}</a>".encode())
    parser.close()
    assert handler.pieces == [text.replace("&amp;", "&").replace("&#233;", "\u00e9")]


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(["\n", "\t", "\r"]), max_size=60)
_PIECE = st.one_of(
    _TEXT.map(lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")),
    st.sampled_from(["&amp;", "&lt;", "&#233;", "&#x20AC;", "&#150;", "&quot;", "\n\n", "   "]),
    _TEXT.filter(lambda t: "]]>" not in t).map(lambda t: f"<![CDATA[{t}]]>"),
)
_FIELD = st.lists(_PIECE, max_size=8).map("".join)


def _document(items: list[tuple[str, str, str]], atom: bool) -> bytes:
    if atom:
        entries = "".join(
            f"<entry><id>urn:{n}</id><title type='html'>{t}</title><summary>{s}</summary>"
            f"<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>{c}</div></content></entry>"
            for n, (t, s, c) in enumerate(items)
        )
        return f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>{entries}</feed>".encode()
    entries = "".join(
        f"<item><guid>{n}</guid><title>{t}</title><description>{s}</description>"
        f"<content:encoded>{c}</content:encoded></item>"
        for n, (t, s, c) in enumerate(items)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
        f"xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>F</title>{entries}</channel></rss>"
    ).encode()


def _read(document: bytes) -> Any:
    result = feedparser.parse(document, sanitize_html=False, resolve_relative_uris=False)
    return result.get("bozo"), repr(result.get("feed")), repr(result.get("entries"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_FIELD, _FIELD, _FIELD), min_size=1, max_size=4), st.booleans())
def test_feedparser_reads_the_same_with_either_driver(
    items: list[tuple[str, str, str]], atom: bool
) -> None:
    document = _document(items, atom)
    ours = _read(document)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", [])  # the standard expat driver
        standard = _read(document)
    assert ours == standard
