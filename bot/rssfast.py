"""A strict, fast reader for plain RSS 0.91/0.92/2.0 documents: ElementTree in, feedparser's view out.

What it does: ``read_rss`` parses a well-formed ``<rss>`` document with the standard library's
ElementTree (expat, the same XML parser feedparser's strict mode uses) and returns, as plain data,
exactly the values feedparser 6.0 would store under the keys ``parse.py`` reads: the feed's title
(with its content type) and ``ttl``; for each item its title (and type), description, content:encoded,
guid, link, and raw pubDate / dc:date strings. Text goes through the same steps as feedparser's
``pop`` (strip, guid/link URI fix-up, plain-or-HTML guess, UTF-8 mojibake repair, cp1252 mapping,
link ampersand fix-up), and the same first/last-writer rules apply.

What it does not do: anything it cannot prove equal. It returns None (the caller then uses
feedparser) for an encoding, media type or XML declaration on which feedparser would raise a bozo
warning or decode differently; any DOCTYPE; malformed XML; a root other than ``<rss>``; any element
in a namespace feedparser does not know, or in a known one whose prefix the document rebinds; any
element with a feedparser handler this module does not reproduce (Atom content, itunes:summary in
an item, media:title, dc:title, dcterms dates, ...), or one it reproduces but in an unexpected place
or with unexpected attributes; repeated item fields; markup children inside a text field; and
``xml:base``. It does not parse dates (parse.py uses feedparser's own date parser on the strings)
and imports neither feedparser nor bs4. It loads nothing external: expat never fetches entities,
and a document with a DOCTYPE is refused before parsing.
"""

from __future__ import annotations

import contextlib
import html.entities
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = ["RssEntry", "RssFeed", "read_rss"]


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


@dataclass(frozen=True)
class RssFeed:
    title: str | None
    title_type: str
    ttl: str | None
    entries: tuple[RssEntry, ...]
    # channel-level dates feedparser also parses: the caller runs them through feedparser's date
    # parser too, so that a date on which that parser fails sends the document back to feedparser
    channel_dates: tuple[str, ...]


class _Refuse(Exception):
    """The document is outside what this reader can prove; use feedparser."""


# --- facts about feedparser 6.0 (tests/test_rssfast.py checks each against the installed copy) -

# Namespace URI (lower case) -> the prefix feedparser dispatches on ("" = core RSS/Atom names).
NAMESPACES: dict[str, str] = {
    "": "",
    "http://backend.userland.com/rss": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://example.com/newformat#": "",
    "http://example.com/necho": "",
    "http://purl.org/echo/": "",
    "uri/of/echo/namespace#": "",
    "http://purl.org/pie/": "",
    "http://purl.org/atom/ns#": "",
    "http://www.w3.org/2005/atom": "",
    "http://purl.org/rss/1.0/modules/rss091#": "",
    "http://webns.net/mvcb/": "admin",
    "http://purl.org/rss/1.0/modules/aggregation/": "ag",
    "http://purl.org/rss/1.0/modules/annotate/": "annotate",
    "http://media.tangent.org/rss/1.0/": "audio",
    "http://backend.userland.com/blogchannelmodule": "blogChannel",
    "http://creativecommons.org/ns#license": "cc",
    "http://web.resource.org/cc/": "cc",
    "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html": "creativeCommons",
    "http://backend.userland.com/creativecommonsrssmodule": "creativeCommons",
    "http://purl.org/rss/1.0/modules/company": "co",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://my.theinfo.org/changed/1.0/rss/": "cp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://purl.org/rss/1.0/modules/email/": "email",
    "http://purl.org/rss/1.0/modules/event/": "ev",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "http://freshmeat.net/rss/fm/": "fm",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "geo",
    "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml",
    "http://postneo.com/icbm/": "icbm",
    "http://purl.org/rss/1.0/modules/image/": "image",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://purl.org/rss/1.0/modules/link/": "l",
    "http://search.yahoo.com/mrss": "media",
    "http://search.yahoo.com/mrss/": "media",
    "http://madskills.com/public/xml/rss/module/pingback/": "pingback",
    "http://prismstandard.org/namespaces/1.2/basic/": "prism",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://purl.org/rss/1.0/modules/reference/": "ref",
    "http://purl.org/rss/1.0/modules/richequiv/": "reqv",
    "http://purl.org/rss/1.0/modules/search/": "search",
    "http://purl.org/rss/1.0/modules/slash/": "slash",
    "http://schemas.xmlsoap.org/soap/envelope/": "soap",
    "http://purl.org/rss/1.0/modules/servicestatus/": "ss",
    "http://hacks.benhammersley.com/rss/streaming/": "str",
    "http://purl.org/rss/1.0/modules/subscription/": "sub",
    "http://purl.org/rss/1.0/modules/syndication/": "sy",
    "http://schemas.pocketsoap.com/rss/mydescmodule/": "szf",
    "http://purl.org/rss/1.0/modules/taxonomy/": "taxo",
    "http://purl.org/rss/1.0/modules/threading/": "thr",
    "http://purl.org/rss/1.0/modules/textinput/": "ti",
    "http://madskills.com/public/xml/rss/module/trackback/": "trackback",
    "http://wellformedweb.org/commentapi/": "wfw",
    "http://purl.org/rss/1.0/modules/wiki/": "wiki",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/xml/1998/namespace": "xml",
    "http://podlove.org/simple-chapters": "psc",
}
_STANDARD_PREFIXES = frozenset(p.lower() for p in NAMESPACES.values() if p)

# Element names (prefix_local, lower case) for which feedparser has a _start_ or _end_ handler.
# Any other name is "generic": feedparser just records its text under that name.
_HANDLED_NAMES = """abstract author body category cc_license channel cloud content content_encoded contributor
    copyright created creativecommons_license dc_author dc_contributor dc_creator dc_date
    dc_description dc_language dc_publisher dc_rights dc_subject dc_title dcterms_created
    dcterms_issued dcterms_modified dcterms_valid description email enclosure entry expirationdate
    feed feedburner_browserfriendly fullitem generator geom georss_box georss_line georss_point
    georss_polygon georss_where georssgeom gml_exterior gml_linearring gml_linestring gml_point
    gml_polygon gml_pos gml_poslist guid height homepage id image info issued item itunes_author
    itunes_block itunes_category itunes_email itunes_explicit itunes_image itunes_keywords
    itunes_link itunes_name itunes_owner itunes_subtitle itunes_summary keywords language
    lastbuilddate link managingeditor media_category media_content media_credit media_description
    media_group media_keywords media_license media_player media_rating media_restriction
    media_thumbnail media_title modified name newlocation psc_chapter psc_chapters pubdate
    published rights rss source subtitle summary tagline tags textinput title updated uri url
    webmaster where width xhtml_body"""
HANDLED: frozenset[str] = frozenset(_HANDLED_NAMES.split())

# The tags feedparser accepts in text it guesses to be HTML (its sanitizer's acceptable_elements).
_HTML_TAG_NAMES = """a abbr acronym address area article aside audio b big blockquote br button canvas caption
    center cite code col colgroup command datagrid datalist dd del details dfn dialog dir div dl dt
    em event-source fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header hr i img
    input ins kbd keygen label legend li m map menu meter multicol nav nextid noscript ol optgroup
    option output p pre progress q s samp section select small sound source spacer span strike
    strong sub sup table tbody td textarea tfoot th thead time tr tt u ul var video"""
HTML_TAGS: frozenset[str] = frozenset(_HTML_TAG_NAMES.split())

# feedparser maps the C1 code points that windows-1252 uses for printable characters onto them.
CP1252: dict[int, str] = {
    128: "\u20ac", 130: "\u201a", 131: "\u0192", 132: "\u201e", 133: "\u2026", 134: "\u2020",
    135: "\u2021", 136: "\u02c6", 137: "\u2030", 138: "\u0160", 139: "\u2039", 140: "\u0152",
    142: "\u017d", 145: "\u2018", 146: "\u2019", 147: "\u201c", 148: "\u201d", 149: "\u2022",
    150: "\u2013", 151: "\u2014", 152: "\u02dc", 153: "\u2122", 154: "\u0161", 155: "\u203a",
    156: "\u0153", 158: "\u017e", 159: "\u0178",
}  # fmt: skip

# --- where each element may appear, and what it may carry -------------------------------------

# A rule: (attributes allowed, children allowed). Only the elements listed under a parent (plus,
# where allowed, generic ones) may appear under it. A handled element is listed only where its
# feedparser handler provably leaves the feed title, ttl and every field of every item alone (or
# sets them, for the fields read here) and leaves the parser's state as it found it.
_LEAF, _LEAF_NO_ATTRS, _BOX = (True, False), (False, False), (True, True)

# Media RSS inside an item, <media:content> or <media:group>: these only record attributes and
# text under their own keys. (media:title and media:description would write the item's title and
# summary, so they are not here.)
_MEDIA = {
    "media_thumbnail": _LEAF,
    "media_credit": _LEAF,
    "media_category": _LEAF,
    "media_rating": _LEAF,
    "media_player": _LEAF,
    "media_restriction": _LEAF,
    "media_license": _LEAF,
    "media_keywords": _LEAF_NO_ATTRS,  # with attributes its handler splits None
}
_COMMON = {  # harmless under the channel and under an item
    "category": _LEAF,
    "dc_creator": _LEAF,
    "dc_publisher": _LEAF,
    "dc_subject": _LEAF,
    "itunes_author": _LEAF,
    "itunes_subtitle": _LEAF,
    "itunes_image": _LEAF,
    "itunes_explicit": _LEAF,
    "itunes_block": _LEAF,
    "itunes_keywords": _LEAF_NO_ATTRS,  # as media:keywords
    **_MEDIA,
}
_CHANNEL = {
    **_COMMON,
    "title": _LEAF_NO_ATTRS,  # read: the feed title
    "ttl": _LEAF_NO_ATTRS,  # read: a generic element feedparser stores as feed["ttl"]
    "item": (False, True),  # without attributes: lastmod/href/rdf:about would write item fields
    "link": _LEAF,
    "description": _LEAF,  # the feed's subtitle (but see itunes:summary in _walk_channel)
    "itunes_summary": _LEAF_NO_ATTRS,
    "language": _LEAF,
    "copyright": _LEAF,
    "generator": _LEAF,
    "webmaster": _LEAF,
    "managingeditor": _LEAF,
    "lastbuilddate": _LEAF,  # dates: only checked to parse without an exception
    "pubdate": _LEAF,
    "dc_date": _LEAF,
    "dc_language": _LEAF,
    "dc_rights": _LEAF,
    "cloud": _LEAF,
    "image": _BOX,
    "textinput": _BOX,
    "itunes_owner": _BOX,
    "itunes_category": _BOX,
    "feedburner_info": _LEAF,
    "feedburner_browserfriendly": _LEAF,
}
_ITEM = {
    **_COMMON,
    # the fields read, each at most once per item (checked in _walk_item)
    "title": _LEAF_NO_ATTRS,
    "link": _LEAF_NO_ATTRS,  # an href attribute would make it an Atom-style link
    "description": _LEAF_NO_ATTRS,
    "content_encoded": _LEAF_NO_ATTRS,
    "guid": _LEAF,  # only isPermaLink (checked in _walk_item)
    "pubdate": _LEAF_NO_ATTRS,
    "dc_date": _LEAF_NO_ATTRS,
    # harmless
    "author": _LEAF,
    "enclosure": _LEAF,
    "source": _LEAF,
    "media_content": _BOX,
    "media_group": _BOX,
}
# Inside <image> and <textInput>, feedparser keeps writing to the image/textinput only while every
# element is one of these (any other name switches it back to the channel): nothing else allowed.
_IMAGE = {name: _LEAF for name in ("title", "url", "link", "width", "height", "description")}
_TEXTINPUT = {name: _LEAF for name in ("title", "description", "name", "link")}
_CHILDREN: dict[str, dict[str, tuple[bool, bool]]] = {
    "image": _IMAGE,
    "textinput": _TEXTINPUT,
    "itunes_owner": {"itunes_name": _LEAF, "itunes_email": _LEAF},
    "itunes_category": {"itunes_category": _BOX},
    "media_content": _MEDIA,
    "media_group": {**_MEDIA, "media_content": _BOX},
}
# Parents under which generic elements may appear (not image/textinput, see above).
_GENERIC_PARENTS = frozenset({"channel", "item", "media_content", "media_group", "itunes_owner"})
# Core (unprefixed) generic names allowed: a bare generic element writes its text under its own
# name, which must not be a key feedparser's handlers use (links, tags, title_detail, ...).
_BARE_GENERIC = frozenset({"comments", "docs", "skiphours", "skipdays", "hour", "day"})
_MAX_DEPTH = 40

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
_PREFIX_DECLARATION = re.compile(r"xmlns:([^\s=/>]+)\s*=\s*([\"'])(.*?)\2", re.S)


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
    if content_type:  # parse.py passes the header to feedparser only when it is non-empty
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


def _check_prefixes(text: str) -> None:
    """feedparser remembers, for the whole document, which standard prefix each declared prefix
    stands for, and dispatches on that: ``xmlns:dc="<Media RSS URI>"`` would make it treat real
    dc:* elements as media:*. Refuse any declaration that rebinds a standard prefix name. (This
    reads the raw text, so a lookalike in CDATA can only cause a needless refusal.)"""
    for found in _PREFIX_DECLARATION.finditer(text):
        prefix, uri = found.group(1), found.group(3)
        if prefix in _STANDARD_PREFIXES:  # (feedparser looks prefixes up in lower case)
            standard = _prefix_of(uri)  # an unknown URI leaves feedparser's map alone
            if "&" in uri or (standard is not None and standard != prefix):
                raise _Refuse


def _prefix_of(uri: str) -> str | None:
    lowered = uri.lower()
    if "backend.userland.com/rss" in lowered:  # feedparser folds every such URI into one
        lowered = "http://backend.userland.com/rss"
    return NAMESPACES.get(lowered)


def _name(tag: str) -> str:
    """The name feedparser dispatches an element on: standard prefix + "_" + lower-case local."""
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        prefix = _prefix_of(uri)
        if prefix is None or prefix != prefix.lower():
            # an unknown namespace: feedparser would dispatch on the document's own prefix
            raise _Refuse
    else:
        prefix, local = "", tag
    local = local.lower()
    return f"{prefix}_{local}" if prefix else local


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
        root = ET.fromstring(text)
        _check_prefixes(text)
        return _walk_rss(root)
    except (ET.ParseError, _Refuse):
        return None


def _walk_rss(root: ET.Element) -> RssFeed:
    if _name(root.tag) != "rss" or len(root) != 1:
        raise _Refuse
    _check_attributes(root, True)  # version="..." only picks feedparser's version string
    channel = root[0]
    if _name(channel.tag) != "channel" or channel.attrib:
        raise _Refuse  # lastmod/href on a channel write feed fields
    return _walk_channel(channel)


def _walk_channel(channel: ET.Element) -> RssFeed:
    title: str | None = None
    title_type = "text/plain"
    ttl: str | None = None
    dates: list[str] = []
    entries: list[RssEntry] = []
    seen: set[str] = set()
    for child in channel:
        name = _name(child.tag)
        _check_child(child, name, "channel", _CHANNEL, 1)
        if name == "item":
            entries.append(_walk_item(child))
            continue
        if name in ("title", "ttl", "itunes_summary"):
            # A second channel <title> may or may not replace the first (feedparser keeps the
            # first at equal depth). A second itunes:summary, or a <description> after one, is
            # read as channel *content* with an unbalanced element stack. Refuse all three.
            if name in seen:
                raise _Refuse
            seen.add(name)
        if name == "description" and "itunes_summary" in seen:
            raise _Refuse
        if name == "title":
            title = _text(child)
            title_type = "text/html" if _looks_like_html(title) else "text/plain"
            title = _finish(title)
        elif name == "ttl":
            ttl = _finish(_text(child))
        elif name in ("pubdate", "lastbuilddate", "dc_date"):
            dates.append(_finish(_text(child)))
    return RssFeed(title, title_type, ttl, tuple(entries), tuple(dates))


def _check_child(
    element: ET.Element, name: str, parent: str, rules: dict[str, tuple[bool, bool]], depth: int
) -> None:
    """Refuse unless ``element`` (and everything under it) may stand under ``parent``."""
    if depth > _MAX_DEPTH:
        raise _Refuse
    rule = rules.get(name)
    if rule is None:
        if name in HANDLED or parent not in _GENERIC_PARENTS:
            raise _Refuse  # a handler not reproduced here, or an element where none may be
        if "_" not in name and name not in _BARE_GENERIC:
            raise _Refuse
        rule = _BOX  # generic: its text goes under its own name; its children are generic too
        child_rules: dict[str, tuple[bool, bool]] = {}
        child_parent = "channel" if parent == "channel" else "item"  # any generic parent
    else:
        child_rules = _CHILDREN.get(name, {})
        child_parent = name
    attributes, children = rule
    _check_attributes(element, attributes)
    if len(element) and not children:
        raise _Refuse  # markup inside a text field: feedparser would switch it to XHTML
    if name == "item":
        return  # _walk_item checks its children
    for child in element:
        _check_child(child, _name(child.tag), child_parent, child_rules, depth + 1)


_ITEM_FIELDS = ("title", "link", "description", "content_encoded", "guid", "pubdate", "dc_date")


def _walk_item(item: ET.Element) -> RssEntry:
    fields: dict[str, ET.Element] = {}
    for child in item:
        name = _name(child.tag)
        _check_child(child, name, "item", _ITEM, 2)
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

    published = _finish(_text(fields["pubdate"])) if "pubdate" in fields else None
    updated = _finish(_text(fields["dc_date"])) if "dc_date" in fields else None
    return RssEntry(
        title, title_type, summary, content, guid, link, published, updated
    )
