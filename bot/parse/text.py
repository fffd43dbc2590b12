"""Story fields in one normal form: plain text, links, keys and dates. The BeautifulSoup adapter.

What it does: turns feed HTML (or text that may hold tags and entities) into one line of plain
text (``to_plain_text``), tidies text that is already plain (``clean_text``), shortens text to a
cap (``clip``), gives each story link one canonical spelling (``canonical_link``: tracking
parameters removed, fragment dropped, scheme and host lower-cased, parameters in a stable
order), makes feed links absolute (``absolute_web_link``) and derives the story key
(``story_key``: guid, else canonical link, else a hash of the title), and reads dates into
aware UTC datetimes (None when unreadable, never an exception).

What it does not do: escape anything for Slack (notify does that), fetch links, or read feed
formats (parse/feed.py). bs4 is imported here and nowhere else.
"""

from __future__ import annotations

import hashlib
import html
import html.entities
import re
import time
import unicodedata
import warnings
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from bot.core.links import TRACKING_PARAMS, TRACKING_PREFIXES

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

# Invisible characters that change how text matches without changing how it looks: zero-width
# characters, bidi controls, the soft hyphen, and C0/C1 control characters other than whitespace
# (which is folded instead).
_INVISIBLE = (
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
    + [c for c in range(0x20) if chr(c) not in "\t\n\r\f\v"]
    + list(range(0x7F, 0x85))
    + list(range(0x86, 0xA0))
)
_DELETE_INVISIBLE = dict.fromkeys(_INVISIBLE)

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

# Query parameters that only track the reader. Names are compared in lower case.
GUID_LIMIT = 512  # longer guids are hashed so keys stay index-friendly
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def clean_text(text: str) -> str:
    """Text that is already plain: invisible characters removed, whitespace folded to single
    spaces, NFC-normalised. No markup or entity is interpreted."""
    text = text.translate(_DELETE_INVISIBLE)
    return unicodedata.normalize("NFC", " ".join(text.split()))


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
        simple = _simple_markup_text(markup)
        text = clean_text(simple if simple is not None else _soup_text(markup))
    return clip(text, limit) if limit is not None else text


# Most feed HTML is a few paragraphs, links and emphasis. For markup that is that simple, and
# unambiguous, the text BeautifulSoup would give can be read off with one regular expression
# (about a tenth of the cost of building the tree). "Unambiguous" means: every "<" opens a tag
# from the list below, attribute values hold no "<" or ">", and tags nest properly, so the
# places where BeautifulSoup's tree opens and closes each block element are exactly where its
# tags stand. Plain comments and empty iframes are skipped. Anything else (scripts, stray "<",
# unknown or mis-nested tags) goes to BeautifulSoup. tests/test_text_fastpath.py checks the two agree.
_SIMPLE_INLINE = """a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q s samp small span
    strike strong sub sup time tt u var"""
_SIMPLE_VOID = frozenset(("br", "hr", "img", "wbr"))  # elements BeautifulSoup closes at once
_SIMPLE_TAGS = frozenset(_SIMPLE_INLINE.split()) | _BLOCKS | _SIMPLE_VOID
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
    """The text of simple, well-nested markup as BeautifulSoup would give it; None otherwise."""
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
        if name not in _SIMPLE_TAGS or (closing and self_closing):
            return None
        if closing and name in _SIMPLE_VOID:
            continue  # BeautifulSoup closed it when it opened: "</br>", "</img>" change nothing
        if closing:
            if not open_tags or open_tags.pop() != name:
                return None
        elif not self_closing and name not in _SIMPLE_VOID:
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


def canonical_link(url: str) -> str:
    """One spelling per story link, so the same story links the same way in every poll.

    Drops the fragment, tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, …)
    and empty parameters; lower-cases scheme and host; drops default ports; sorts the remaining
    parameters by name (values keep their order and their exact encoding). A string that does
    not parse as a URL comes back stripped of surrounding whitespace and otherwise unchanged.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = _canonical_netloc(parts.netloc, scheme)
    path = parts.path
    if netloc and not path:
        path = "/"
    kept: list[tuple[str, str]] = []
    for piece in parts.query.split("&"):
        if not piece:
            continue
        name = unquote_plus(piece.split("=", 1)[0]).strip().lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append((piece.split("=", 1)[0], piece))
    kept.sort(key=lambda item: item[0])
    query = "&".join(piece for _, piece in kept)
    return urlunsplit((scheme, netloc, path, query, ""))


def _canonical_netloc(netloc: str, scheme: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal: [::1]:8080
        close = hostport.find("]")
        host, port = hostport[: close + 1], hostport[close + 1 :].removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    host = host.lower().rstrip(".") or host
    if port == _DEFAULT_PORTS.get(scheme) or (not port and hostport.endswith(":")):
        port = ""
    return f"{userinfo}{at}{host}{':' + port if port else ''}"


def story_key(guid: str | None, link: str | None, title: str) -> str:
    """The story's identity within its feed: the guid as given, else the canonical link, else
    ``sha1:`` and the hash of the normalised title (case and spacing ignored)."""
    guid = (guid or "").strip()
    if guid:
        if len(guid) > GUID_LIMIT:
            return "guid-sha1:" + hashlib.sha1(guid.encode("utf-8", "surrogatepass")).hexdigest()
        return guid
    link = canonical_link(link or "")
    if link:
        return link
    normalised = unicodedata.normalize("NFKC", clean_text(title)).casefold()
    return "sha1:" + hashlib.sha1(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def absolute_web_link(link: str | None, feed_url: str) -> str | None:
    """The link made absolute against the feed's URL and canonical; None unless http(s)."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(feed_url, link.strip())
    except ValueError:
        return None
    return canonical_link(absolute) if is_web_url(absolute) else None


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def utc_from_struct_time(value: object) -> datetime | None:
    """A UTC ``time.struct_time`` (as feedparser gives dates) as an aware datetime, or None."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None


def utc_from_text(value: object) -> datetime | None:
    """An RFC 3339 date (or, from sloppy feeds, an RFC 822 one) in UTC; None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (ValueError, TypeError, IndexError, OverflowError):
            return None
    try:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
