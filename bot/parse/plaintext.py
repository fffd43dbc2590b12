"""Feed HTML into one line of plain text, and text cut to a cap. The BeautifulSoup adapter.

``to_plain_text`` turns feed HTML (or text that may hold tags and entities) into plain text:
scripts and styles dropped, entities decoded, block elements separating words, then
``bot.core.text.clean_text``. Simple, well-nested markup (most feed HTML) is read with a regular
expression that gives exactly BeautifulSoup's text; the rest goes to BeautifulSoup.
``clip`` shortens text to a cap at a word boundary.

It does not tidy links, derive keys or read dates (``links``, ``keys``, ``dates`` beside it), and
escapes nothing for Slack. bs4 is imported here and nowhere else.
"""

from __future__ import annotations

import html
import html.entities
import re
import warnings
from functools import cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from bot.core.text import clean_text

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

__all__ = ["clip", "to_plain_text"]

# Elements whose content is never reader-visible text.
_DROPPED = ("script", "style", "template", "head", "title")
# Elements that separate words: text on either side must not run together.
_BLOCK_NAMES = """address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3
    h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul"""
_BLOCKS = frozenset(_BLOCK_NAMES.split())
_SPECIAL = _BLOCKS | frozenset(_DROPPED)
# HTML larger than this many characters per character of wanted output is cut before parsing:
# text is rarely less than a twentieth of its markup, and parsing megabytes costs seconds.
_MARKUP_PER_TEXT_CHAR = 20


def to_plain_text(html_or_text: str, limit: int | None = None) -> str:
    """HTML (or text that may contain tags and entities) as one line of plain text.

    Scripts, styles and comments are dropped, entities decoded, block elements separate
    words, whitespace is folded, and zero-width and bidi-control characters are removed. With
    ``limit``, the result is clipped to at most that many characters (see ``clip``).
    """
    if "<" not in html_or_text and "&" not in html_or_text:
        text = clean_text(html_or_text)
    else:
        markup = html_or_text
        if limit is not None and len(markup) > limit * _MARKUP_PER_TEXT_CHAR:
            markup = markup[: limit * _MARKUP_PER_TEXT_CHAR]
        head = _head_text(markup, limit) if limit is not None and len(markup) > limit * _FIRST_CUT else None
        text = head if head is not None else _markup_text(markup)
    return clip(text, limit) if limit is not None else text


def _markup_text(markup: str) -> str:
    simple = _simple_markup_text(markup)
    return clean_text(simple if simple is not None else _soup_text(markup))


# Long markup is first read in part: its first _FIRST_CUT characters per wanted character of
# text, cut where the HTML tokenizer BeautifulSoup uses (the standard library's HTMLParser) has
# read only whole constructs (never inside a tag, an attribute value, a comment, a CDATA
# section, a reference or a script). The text of that head is the start of the whole markup's
# text (the cut can only change the text's last few characters: a word running on into the next
# tag, an element closed at the end), so when it is longer than ``limit`` with a margin,
# clipping it gives exactly what clipping the whole would, for a fraction of the parsing
# (article bodies of 100 KB and more are common in full-content feeds).
_FIRST_CUT = 4
_TAIL_MARGIN = 8  # characters at the end of the head's text that the cut may have changed


def _head_text(markup: str, limit: int) -> str | None:
    cut = limit * _FIRST_CUT
    tokenizer = HTMLParser(convert_charrefs=False)
    tokenizer.feed(markup[:cut])  # it keeps back what it cannot read whole yet
    cut -= len(tokenizer.rawdata)
    if cut <= 0:
        return None
    text = _markup_text(markup[:cut])
    return text if len(text) > limit + _TAIL_MARGIN else None


# Most feed HTML is a few paragraphs, links and emphasis. For markup that is that simple, and
# unambiguous, the text BeautifulSoup would give can be read off with one regular expression
# (about a tenth of the cost of building the tree). "Unambiguous" means: every "<" opens a tag
# (or a plain comment, or an empty iframe, both skipped), attribute values hold no "<" or ">",
# and tags are read as below. BeautifulSoup's tree then opens each element where
# its start tag stands and closes it at its end tag, or at the end tag of an element around it
# (it closes what is left open inside), which is where block elements separate words. Element
# names are taken except those that some HTML parser or BeautifulSoup reads specially (raw-text
# content, text that get_text leaves out, content dropped here); a script, style, head or title
# whose content holds no "<" is skipped whole (every parser ends it at its end tag), and an end
# tag with nothing to close is ignored, as BeautifulSoup does. Anything else (a stray "<", "&"
# that parsers read differently) goes to BeautifulSoup. tests/test_text_fastpath.py checks that
# the two agree.
_REFUSED_NAMES = """template textarea plaintext xmp iframe noembed noframes noscript rt rp rtc
    frameset select option optgroup"""
_REFUSED = frozenset(_REFUSED_NAMES.split())
_RAW_SKIPPED = ("script", "style", "head", "title")  # skipped whole when their content holds no "<"
# Elements BeautifulSoup closes as soon as they open (its builder's empty-element tags).
_VOID_NAMES = """area base br col embed hr img input keygen link menuitem meta param source track wbr
    basefont bgsound command frame image isindex nextid spacer"""
_SIMPLE_VOID = frozenset(_VOID_NAMES.split())
# A comment with no "--" inside (every HTML parser ends it at the first "-->"), and an iframe with
# nothing inside (some Python versions read an iframe's content as raw text).
_COMMENT = re.compile(r"<!--(?:(?!--).)*?-->", re.S)
_EMPTY_IFRAME = re.compile(
    r"""<iframe(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)*\s*>\s*</iframe\s*>""",
    re.I,
)
_TAG = re.compile(
    r"""<(/?)([A-Za-z][A-Za-z0-9]*)"""  # "<" or "</", then the name
    r"""((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)*)"""  # attributes
    r"""\s*(/?)>"""
)
_RAW_END = {name: re.compile(f"[^<]*</{name}>", re.I) for name in _RAW_SKIPPED}


# "&" in simple text: a literal "&" (before a space, a digit, punctuation or the end), an HTML 4
# entity with its ";", or a numeric reference to an ordinary character. BeautifulSoup and
# html.unescape read all of these alike; they differ on the rest ("&copy2024", "&#150;", "&bogus;").
_AMPERSAND = re.compile(r"&(?:#([0-9]{1,7});|#[xX]([0-9a-fA-F]{1,6});|([A-Za-z][A-Za-z0-9]{0,31});|(?![A-Za-z#]))")
_HTML4_ENTITIES = frozenset(html.entities.name2codepoint)


def _ordinary_character(number: int) -> bool:
    return 32 <= number <= 126 or 160 <= number <= 0xD7FF or 0xE000 <= number <= 0xFDCF or (
        0xFDF0 <= number <= 0xFFFD
    )


def _simple_text(chunk: str) -> str | None:
    """Text between two tags with its references decoded, or None if one is ambiguous."""
    if "&" not in chunk:
        return chunk
    position = chunk.find("&")
    while position >= 0:
        found = _AMPERSAND.match(chunk, position)
        if found is None:
            return None
        decimal, hexadecimal, name = found.groups()
        if decimal is not None and not _ordinary_character(int(decimal)):
            return None
        if hexadecimal is not None and not _ordinary_character(int(hexadecimal, 16)):
            return None
        if name is not None and name not in _HTML4_ENTITIES:
            return None
        position = chunk.find("&", position + 1)
    return html.unescape(chunk)


def _simple_markup_text(markup: str) -> str | None:
    """The text of simple, unambiguous markup as BeautifulSoup would give it; None otherwise."""
    parts: list[str] = []
    open_tags: list[str] = []
    position = 0
    while True:
        start = markup.find("<", position)
        if start < 0:
            text = _simple_text(markup[position:])
            if text is None:
                return None
            parts.append(text)
            return "".join(parts)
        text = _simple_text(markup[position:start])
        if text is None:
            return None
        parts.append(text)
        found = _COMMENT.match(markup, start) or _EMPTY_IFRAME.match(markup, start) or _TAG.match(markup, start)
        if found is None:
            return None
        position = found.end()
        if found.re is not _TAG:
            continue  # a comment, or an empty iframe: no text, no word break
        closing, name, _, self_closing = found.groups()
        name = name.lower()
        if name in _REFUSED or (closing and self_closing):
            return None
        if name in _RAW_SKIPPED:
            end = None if closing or self_closing else _RAW_END[name].match(markup, position)
            if end is None:
                return None
            position = end.end()  # a script or a style: no text, no word break
        elif closing and name in _SIMPLE_VOID:
            continue  # BeautifulSoup closed it when it opened: "</br>", "</img>" change nothing
        elif closing:
            if name not in open_tags:
                continue  # BeautifulSoup ignores an end tag with nothing to close
            while True:  # what is still open inside closes here too
                inner = open_tags.pop()
                if inner in _BLOCKS:
                    parts.append(" ")
                if inner == name:
                    break
        else:
            if not self_closing and name not in _SIMPLE_VOID:
                open_tags.append(name)
            if name in _BLOCKS:
                parts.append(" ")


@cache
def _soup_classes() -> tuple[type[BeautifulSoup], type[Tag]]:
    """BeautifulSoup, imported on first use: most feed HTML never needs it (see below)."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning

    # Feed text often looks like a URL or an XML document; bs4's advice about that is noise here.
    # (A process-wide filter: warnings.catch_warnings would not be thread-safe.)
    warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
    warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
    return BeautifulSoup, Tag


def _soup_text(markup: str) -> str:
    soup_class, tag_class = _soup_classes()
    soup = soup_class(markup, "html.parser")
    # One pass to find the tags that matter (find_all costs several times more than this).
    tags = [node for node in soup.descendants if isinstance(node, tag_class) and node.name in _SPECIAL]
    for tag in tags:
        if tag.name in _BLOCKS:
            tag.insert_before(" ")
            tag.insert_after(" ")
    for tag in tags:
        if tag.name in _DROPPED:
            tag.decompose()
    return soup.get_text()  # text and CDATA only: comments, doctypes and PIs are left out


def clip(text: str, limit: int | None) -> str:
    """``text`` shortened to at most ``limit`` characters, cut at a word boundary when one is
    near the end, with an ellipsis to show that something was cut."""
    if limit is None or len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit * 0.8:
        head = head[:space]
    return head.rstrip() + "…"
