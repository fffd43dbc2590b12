"""A strict, fast reader for plain RSS 0.91/0.92/2.0 documents: ElementTree in, feedparser's view out.

What it does: ``read_rss`` parses a well-formed ``<rss>`` document with the standard library's
ElementTree (expat, the same XML parser feedparser's strict mode uses) and returns, as plain data,
exactly the values feedparser 6.0 would store under the keys ``parse/feed.py`` reads: the feed's title
(with its content type) and ``ttl``; for each item its title (and type), description, content:encoded,
guid (or Atom id), link, raw published / updated date strings (pubDate, dc:date and the
elements feedparser handles alike), author (<author>, <dc:creator>, <itunes:author>: the last one)
and the terms of its tags (<category>, <dc:subject>, media:keywords, itunes:keywords). Text goes
through the same steps as feedparser's ``pop`` (strip, guid/link URI fix-up, plain-or-HTML guess,
UTF-8 mojibake repair, cp1252 mapping, link ampersand fix-up), and the same first/last-writer
rules apply.

What it does not do: anything it cannot prove equal. It returns None (the caller then uses
feedparser) for an encoding, media type or XML declaration on which feedparser would raise a bozo
warning or decode differently; any DOCTYPE; malformed XML; a root other than ``<rss>``; an element
whose dispatch name depends on ambiguous namespace declarations (see ``_Names``; elements of unknown
namespaces are otherwise generic, as in feedparser); any element with a feedparser handler this
module does not reproduce (Atom content, itunes:summary in an item, media:title, dc:title, ...), or
one it reproduces but in an unexpected place or with unexpected attributes (a <category> with more
than a domain=); media:category in an item (its tag's term may come from an attribute); generic elements named
like keys feedparser or parse/feed.py read; repeated item fields; markup children inside a text field;
and ``xml:base``. It does not parse dates (parse/feed.py uses feedparser's own date parser on the strings)
and imports neither feedparser nor bs4. It loads nothing external: expat never fetches entities,
and a document with a DOCTYPE is refused before parsing.
"""

from __future__ import annotations

import contextlib
import html.entities
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from bot.parse.plainrss_facts import (
    BARE_GENERIC,
    BOX,
    CHANNEL,
    CHANNEL_DATES,
    CHILDREN,
    CP1252,
    GENERIC_PARENTS,
    HANDLED,
    HTML_TAGS,
    ITEM,
    ITEM_ALIASES,
    MAX_DEPTH,
    NAMESPACES,
    STANDARD_PREFIXES,
)

__all__ = ["CP1252", "HANDLED", "HTML_TAGS", "NAMESPACES", "RssEntry", "RssFeed", "read_rss"]


@dataclass(frozen=True)
class RssEntry:
    """One item as feedparser would hold it (None: feedparser would have no such key)."""

    title: str | None
    title_type: str  # "text/plain", or "text/html" when the title looks like HTML
    summary: str | None  # <description>; feedparser's summary (type text/html)
    content: str | None  # <content:encoded>; feedparser's content[0] (type text/html)
    guid: str | None  # feedparser's id
    link: str | None
    published: str | None  # raw <pubDate> text, as feedparser hands it to its date parser
    updated: str | None  # raw <dc:date> text
    author: str | None = None  # feedparser's author: the text of the last <author>, <dc:creator> or <itunes:author>
    tags: tuple[str, ...] = ()  # the terms of feedparser's tags: <category> and <dc:subject> texts, in order


@dataclass(frozen=True)
class RssFeed:
    title: str | None
    title_type: str
    ttl: str | None
    entries: tuple[RssEntry, ...]
    # channel-level dates feedparser also parses: the caller runs them through feedparser's date
    # parser too, so that a date on which that parser fails sends the document back to feedparser
    channel_dates: tuple[str, ...]


_Rules = dict[str, tuple[bool, bool]]


class _Refuse(Exception):
    """The document is outside what this reader can prove; use feedparser."""


# --- text handling: feedparser's pop() ---------------------------------------------------------

_HTML_CLOSE = re.compile(r"</(\w+)>")
_HTML_REF = re.compile(r"&#?\w+;")
_HTML_TAG = re.compile(r"</?(\w+)")
_HTML_ENTITY = re.compile(r"&(\w+);")
_EXTRA_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+,\-.]*://)/+")  # feedparser's _urifixer
_LINK_REF = re.compile(r"&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")


def _looks_like_html(text: str) -> bool:
    """feedparser's guess that plain-text RSS fields hold HTML: a close tag or a reference, every
    tag one its sanitizer knows, every named reference an HTML entity."""
    if not (_HTML_CLOSE.search(text) or _HTML_REF.search(text)):
        return False
    if any(tag.lower() not in HTML_TAGS for tag in _HTML_TAG.findall(text)):
        return False
    return all(name in html.entities.entitydefs for name in _HTML_ENTITY.findall(text))


def _finish(text: str) -> str:
    """The last steps of feedparser's pop(), after any type guess. Its parser always believes the
    document is UTF-8, so it undoes UTF-8 read as Latin-1 ("Ã©" -> "é") whenever the text encodes
    to Latin-1 and that decodes as UTF-8; then it maps C1 controls to their cp1252 characters."""
    if text.isascii():  # both steps leave ASCII alone (and cost more than this check)
        return text
    with contextlib.suppress(UnicodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(CP1252) if _C1.search(text) else text


def _text(element: ET.Element) -> str:
    return (element.text or "").strip()  # str.strip(), as feedparser: Unicode whitespace too


def _uri(text: str) -> str:
    """feedparser resolves link and permalink guids against the base URI, which is empty here
    (no Content-Location, no xml:base): that only drops extra slashes after "scheme://"."""
    return _EXTRA_SLASHES.sub(r"\1", text) if text else text


# --- encoding: accept only what feedparser decodes as UTF-8 without complaint -------------------

_FP_DECLARED = re.compile(rb"^<\?.*encoding=['\"](.*?)['\"].*\?>")  # feedparser's reading
_DECLARATION = re.compile(rb"^<\?xml[^>]*?>")
_ANY_ENCODING = re.compile(rb"encoding\s*=\s*['\"]([^'\"]*)")
_UTF8 = ("utf-8", "utf8")


def _decode(data: bytes, content_type: str) -> str | None:
    """The document as text when feedparser would read it as UTF-8 (or ASCII) with no bozo
    warning: media type absent or XML, charset and declaration absent or UTF-8, only a UTF-8 BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    declared = ""
    if found := _FP_DECLARED.match(data):
        declared = found.group(1).decode("utf-8", "replace").lower()
    if declared and declared not in _UTF8:
        return None
    declaration = _DECLARATION.match(data)
    other = _ANY_ENCODING.search(declaration.group()) if declaration else None
    if other and other.group(1).decode("ascii", "replace").lower() not in _UTF8:
        return None
    charset_ok = True
    if content_type:  # parse/feed.py passes the header to feedparser only when it is non-empty
        media, _, params = content_type.partition(";")
        media = media.strip()  # compared case-sensitively, as feedparser does
        charset = ""
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip("\"'")
        if media == "application/xml" or (media.startswith("application/") and media.endswith("+xml")):
            charset_ok = not charset or charset.lower() in _UTF8
        elif media == "text/xml" or (media.startswith("text/") and media.endswith("+xml")):
            # text/* without a charset means US-ASCII to feedparser
            charset_ok = charset.lower() in _UTF8 if charset else data.isascii()
        else:
            return None  # feedparser: NonXMLContentType
    if not charset_ok:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or "<!DOCTYPE" in text:
        return None
    return text


class _Declarations(ET.TreeBuilder):
    """ElementTree's tree builder, also keeping the namespace declarations (prefix, URI) in
    document order, as expat hands them to feedparser's startPrefixMapping."""

    def __init__(self) -> None:
        super().__init__()
        self.declarations: list[tuple[str, str]] = []

    def start_ns(self, prefix: str, uri: str) -> None:
        self.declarations.append((prefix, uri))


def _prefix_of(uri: str) -> str | None:
    lowered = uri.lower()
    if "backend.userland.com/rss" in lowered:  # feedparser folds every such URI into one
        lowered = "http://backend.userland.com/rss"
    return NAMESPACES.get(lowered)


class _Names:
    """The name feedparser dispatches each element on: "<prefix>_<local>", lower case.

    Its strict parser gets (URI, local name) from expat, no prefix. A known URI gives the standard
    prefix; an unknown one the first key of ``namespaces_in_use`` (declared prefix -> URI) holding
    that URI (none, e.g. only a default declaration: the bare local name). The lower-cased prefix
    then goes through ``namespacemap`` (declared prefix -> standard prefix of its known URI). Both
    maps are document-wide and never unwound; this answers only where they are unambiguous."""

    def __init__(self, declarations: list[tuple[str, str]]) -> None:
        # prefixes namespacemap sends elsewhere (xmlns:cc="<creativeCommons URI>" makes real cc:*
        # elements creativeCommons:*): harmless unless an element is dispatched on one
        self.remapped: set[str] = set()
        prefixes_of: dict[str, set[str]] = {}
        uris_of: dict[str, set[str]] = {}
        for prefix, uri in declarations:
            if not uri:
                continue  # feedparser ignores an undeclaration (xmlns="")
            standard = _prefix_of(uri)
            if standard is None:
                prefixes_of.setdefault(uri, set()).add(prefix)
            elif prefix and standard != prefix:
                self.remapped.add(prefix)
            uris_of.setdefault(prefix, set()).add(uri)
        # Unknown URI -> its prefix: only one for the URI and one URI for it in the whole document
        # (no rebinding rewrites namespaces_in_use), and not a standard prefix name (which a known
        # URI's entry may overwrite, and which may name a handler); "" gives bare names.
        self.unknown: dict[str, str] = {}
        for uri, prefixes in prefixes_of.items():
            (prefix, *others) = prefixes
            single = not others and (not prefix or len(uris_of[prefix]) == 1)
            if single and prefix.lower() not in STANDARD_PREFIXES:
                self.unknown[uri] = prefix
        self._cache: dict[str, str] = {}

    def __call__(self, tag: str) -> str:
        name = self._cache.get(tag)
        if name is None:
            name = self._cache[tag] = self._name(tag)
        return name

    def _name(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag.lower()
        uri, _, local = tag[1:].partition("}")
        prefix = _prefix_of(uri)
        if prefix is None and (prefix := self.unknown.get(uri)) is None:
            raise _Refuse
        prefix = prefix.lower()  # feedparser lower-cases the whole "prefix:local" name
        if prefix in self.remapped:
            raise _Refuse
        return f"{prefix}_{local.lower()}" if prefix else local.lower()


def _check_attributes(element: ET.Element, allowed: bool) -> None:
    if not element.attrib:
        return
    if not allowed:
        raise _Refuse
    for key in element.attrib:
        if key.rpartition("}")[2].lower() == "base":  # xml:base (or base) changes the base URI
            raise _Refuse


# --- the walk -----------------------------------------------------------------------------------


# ElementTree holds the whole document as a tree, about 90 bytes per element: a hostile 10 MB
# document of empty elements would take ~250 MB. Bigger documents go to feedparser, which
# streams (and, being big, to a worker process: see parse_runner.FeedParser).
MAX_BYTES = 1024 * 1024


def read_rss(data: bytes, content_type: str = "") -> RssFeed | None:
    """What feedparser would make of ``data`` (served with ``content_type``), or None when this
    reader cannot be sure. ``data`` must already have passed ``xmlguard``."""
    if len(data) > MAX_BYTES:
        return None
    text = _decode(data, content_type)
    if text is None:
        return None
    try:
        builder = _Declarations()
        parser = ET.XMLParser(target=builder)
        parser.feed(text)
        root = parser.close()
        return _walk_rss(root, _Names(builder.declarations))
    except (ET.ParseError, _Refuse):
        return None


def _walk_rss(root: ET.Element, names: _Names) -> RssFeed:
    if names(root.tag) != "rss" or len(root) != 1:
        raise _Refuse
    _check_attributes(root, True)  # version="..." only picks feedparser's version string
    channel = root[0]
    if names(channel.tag) != "channel" or channel.attrib:
        raise _Refuse  # lastmod/href on a channel write feed fields
    return _walk_channel(channel, names)


def _walk_channel(channel: ET.Element, names: _Names) -> RssFeed:
    title: str | None = None
    title_type = "text/plain"
    ttl: str | None = None
    dates: list[str] = []
    entries: list[RssEntry] = []
    seen: set[str] = set()
    for child in channel:
        name = names(child.tag)
        _check_child(child, name, "channel", CHANNEL, 1, names)
        if name == "item":
            entries.append(_walk_item(child, names))
            continue
        if name in ("title", "ttl", "itunes_summary"):
            # A second channel <title> may or may not replace the first (feedparser keeps the
            # first at equal depth). A second itunes:summary, or a <description> after one, is
            # read as channel *content* with an unbalanced element stack. Refuse all three.
            if name in seen:
                raise _Refuse
            seen.add(name)
        if name == "description" and "itunes_summary" in seen:
            # The summary set, feedparser reads this as channel content (unread): it pushes
            # "content" twice, pops once, and sets hasContent until the next item ends. Nothing
            # pops that extra stack entry (only a second such <description> would: refused), and
            # hasContent changes nothing while items hold no itunes:summary (an item's summary
            # precedes its <description> only as <content:encoded>'s copy, which sets it too).
            if "description" in seen:
                raise _Refuse
            seen.add("description")
        if name == "title":
            title = _text(child)
            title_type = "text/html" if _looks_like_html(title) else "text/plain"
            title = _finish(title)
        elif name == "ttl":
            ttl = _finish(_text(child))
        elif name in CHANNEL_DATES:
            dates.append(_finish(_text(child)))
    return RssFeed(title, title_type, ttl, tuple(entries), tuple(dates))


def _check_child(element: ET.Element, name: str, parent: str, rules: _Rules, depth: int, names: _Names) -> None:
    """Refuse unless ``element`` (and everything under it) may stand under ``parent``."""
    if depth > MAX_DEPTH:
        raise _Refuse
    rule = rules.get(name)
    if rule is None:
        if name in HANDLED or parent not in GENERIC_PARENTS:
            raise _Refuse  # a handler not reproduced here, or an element where none may be
        if "_" not in name and name not in BARE_GENERIC:
            raise _Refuse
        if name.endswith(("_detail", "_parsed")):
            # feedparser writes "<name>_detail" and "<date>_parsed" keys itself (and maps
            # date_parsed, issued_parsed, ... onto them): a generic <title_detail> would
            # replace the title's type, a <published_parsed> the parsed date
            raise _Refuse
        rule = BOX  # generic: its text goes under its own name; its children are generic too
        child_rules: _Rules = {}
        child_parent = "channel" if parent == "channel" else "item"  # any generic parent
    else:
        child_rules = CHILDREN.get(name, {})
        child_parent = name
    attributes, children = rule
    _check_attributes(element, attributes)
    if len(element) and not children:
        raise _Refuse  # markup inside a text field: feedparser would switch it to XHTML
    if name == "item":
        return  # _walk_item checks its children
    for child in element:
        _check_child(child, names(child.tag), child_parent, child_rules, depth + 1, names)


_ITEM_FIELDS = ("title", "link", "description", "content_encoded", "guid", "pubdate", "dc_date")
# feedparser's author: each of these pushes and pops "author", and at one depth the last one wins
_AUTHORS = frozenset({"author", "dc_creator", "itunes_author"})
# feedparser's tags: each of these adds a tag whose term is its text (with a domain= at most)
_TAGS = frozenset({"category", "dc_subject"})
# and each of these a tag per comma-separated part of its text, stripped, empty parts skipped
_KEYWORDS = frozenset({"media_keywords", "itunes_keywords"})


def _keywords(element: ET.Element) -> list[str]:
    return [part.strip() for part in _finish(_text(element)).split(",") if part.strip()]


def _tag_attributes(element: ET.Element) -> None:
    """Refuse a <category> or <dc:subject> with attributes other than one domain= (RSS's):
    term=, label= or scheme= change which tags feedparser makes of it."""
    keys = [key.lower() for key in element.attrib]
    if len(keys) > 1 or any(key != "domain" for key in keys):
        raise _Refuse


def _walk_item(item: ET.Element, names: _Names) -> RssEntry:
    fields: dict[str, ET.Element] = {}
    author: str | None = None
    tags: list[str] = []
    for child in item:
        name = names(child.tag)
        _check_child(child, name, "item", ITEM, 2, names)
        name = ITEM_ALIASES.get(name, name)  # the same feedparser handler as the field's
        if name == "link" and child.attrib:
            _check_other_link(child)
            continue
        if name in _AUTHORS:
            author = _finish(_text(child))
        elif name in _TAGS:
            _tag_attributes(child)
            if term := _finish(_text(child)):
                tags.append(term)
        elif name in _KEYWORDS:
            tags.extend(_keywords(child))
        elif name in ("media_content", "media_group"):  # media:keywords inside add to the item too
            for inner in child.iter():
                if names(inner.tag) == "media_keywords":
                    tags.extend(_keywords(inner))
        if name in _ITEM_FIELDS:
            if name in fields:
                raise _Refuse  # repeated fields follow depth and order rules not reproduced
            fields[name] = child

    title: str | None = None
    title_type = "text/plain"
    if (element := fields.get("title")) is not None:
        raw = _text(element)
        title_type = "text/html" if _looks_like_html(raw) else "text/plain"
        title = _finish(raw)

    # <description> is feedparser's summary. It would become *content* if a summary existed
    # already without content; with at most one description, a summary can exist first only
    # as the copy <content:encoded> leaves, which also marks the item as having content.
    summary = _finish(_text(fields["description"])) if "description" in fields else None
    content = _finish(_text(fields["content_encoded"])) if "content_encoded" in fields else None

    guid = link = None
    if (element := fields.get("guid")) is not None:
        permalink = "true"
        if len(element.attrib) > 1:
            raise _Refuse
        for key, value in element.attrib.items():
            if key.lower() != "ispermalink":  # feedparser lower-cases attribute names
                raise _Refuse
            permalink = value  # but compares the value exactly: "True" is not a permalink
        raw = _text(element)
        guid = _finish(_uri(raw) if permalink == "true" else raw)
        if permalink == "true":
            link = guid  # a permalink guid is the link when no <link> sets one
    if (element := fields.get("link")) is not None:
        value = _finish(_uri(_text(element)))
        # feedparser undoes "&amp;" and turns other "&name;" into "&name" in item links
        link = _LINK_REF.sub(r"&\1", value.replace("&amp;", "&"))

    # feedparser parses the text of the (single) element of each kind; parse/feed.py does the same
    published = _finish(_text(fields["pubdate"])) if "pubdate" in fields else None
    updated = _finish(_text(fields["dc_date"])) if "dc_date" in fields else None
    return RssEntry(title, title_type, summary, content, guid, link, published, updated, author, tuple(tags))


def _check_other_link(element: ET.Element) -> None:
    """Refuse unless this item <link> with attributes (Atom's) has an href and a rel other than
    "alternate": then feedparser only appends it to ``links``. Without href it reads the text as
    the link; with rel "alternate" (the default) and an HTML type it sets the link itself."""
    attributes = {key.lower(): value for key, value in element.attrib.items()}
    if len(attributes) != len(element.attrib) or any(key.startswith("{") for key in attributes):
        raise _Refuse  # namespaced attributes, or two that feedparser's lower-casing merges
    if "href" not in attributes or attributes.get("rel", "alternate").lower() == "alternate":
        raise _Refuse
