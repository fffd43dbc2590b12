"""What ``rssfast`` knows about feedparser 6.0, and where it lets each RSS element stand.

What it holds: feedparser's namespace table, the element names it has handlers for, the HTML
tags it accepts in text it guesses to be HTML and its cp1252 map (tests/test_rssfast.py checks
each against the installed feedparser), and the placement rules: which elements may appear under
the channel, an item and the few containers, with or without attributes and children. Facts
only, no code; parse/plainrss.py reads documents with them. Keep it in step with feedparser upgrades:
the tests fail when the installed copy disagrees.
"""

from __future__ import annotations

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
STANDARD_PREFIXES = frozenset(p.lower() for p in NAMESPACES.values() if p)

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
LEAF, LEAF_NO_ATTRS, BOX = (True, False), (False, False), (True, True)

# Media RSS inside an item, <media:content> or <media:group>: these only record attributes and
# text under their own keys. (media:title and media:description would write the item's title and
# summary, so they are not here.)
_MEDIA = {
    "media_thumbnail": LEAF,
    "media_credit": LEAF,
    "media_rating": LEAF,
    "media_player": LEAF,
    "media_restriction": LEAF,
    "media_license": LEAF,
    "media_keywords": LEAF_NO_ATTRS,  # with attributes its handler splits None (read as tags: plainrss)
}
# media:category adds a tag whose term may come from an attribute (plainrss does not reproduce
# it): only under the channel, whose tags nothing reads.
_MEDIA_TAGS = {"media_category": LEAF}
_COMMON = {  # harmless under the channel and under an item
    "category": LEAF,
    "dc_creator": LEAF,
    "dc_publisher": LEAF,
    "dc_subject": LEAF,
    "itunes_author": LEAF,
    "itunes_subtitle": LEAF,
    "itunes_image": LEAF,
    "itunes_explicit": LEAF,
    "itunes_block": LEAF,
    "itunes_keywords": LEAF_NO_ATTRS,  # as media:keywords
    **_MEDIA,
}
CHANNEL = {
    **_COMMON,
    **_MEDIA_TAGS,
    "title": LEAF_NO_ATTRS,  # read: the feed title
    "ttl": LEAF_NO_ATTRS,  # read: a generic element feedparser stores as feed["ttl"]
    "item": (False, True),  # without attributes: lastmod/href/rdf:about would write item fields
    "link": LEAF,
    "description": LEAF,  # the feed's subtitle (but see itunes:summary in _walk_channel)
    "itunes_summary": LEAF_NO_ATTRS,
    "language": LEAF,
    "copyright": LEAF,
    "generator": LEAF,
    "webmaster": LEAF,
    "managingeditor": LEAF,
    # dates (CHANNEL_DATES): only checked to parse without an exception
    **{name: LEAF for name in ("lastbuilddate", "pubdate", "dc_date", "published", "updated")},
    **{name: LEAF for name in ("issued", "modified", "dcterms_issued", "dcterms_modified")},
    "id": LEAF,  # Atom <id>: feed id (and maybe feed link); items reset the guid state it sets
    "dc_language": LEAF,
    "dc_rights": LEAF,
    "cloud": LEAF,
    "image": BOX,
    "textinput": BOX,
    "itunes_owner": BOX,
    "itunes_category": BOX,
    "feedburner_info": LEAF,
    "feedburner_browserfriendly": LEAF,
}
ITEM = {
    **_COMMON,
    # the fields read, each at most once per item (checked in _walk_item)
    "title": LEAF_NO_ATTRS,
    "link": LEAF,  # with attributes an Atom link: only a non-alternate one (rssfast checks)
    "description": LEAF_NO_ATTRS,
    "content_encoded": LEAF_NO_ATTRS,
    "guid": LEAF,  # only isPermaLink (checked in _walk_item)
    "pubdate": LEAF_NO_ATTRS,
    "dc_date": LEAF_NO_ATTRS,
    **{name: LEAF_NO_ATTRS for name in ("published", "issued", "dcterms_issued")},
    **{name: LEAF_NO_ATTRS for name in ("updated", "modified", "lastbuilddate", "dcterms_modified")},
    "id": LEAF,  # Atom <id>: feedparser's _start_id is _start_guid
    # harmless
    "author": LEAF,
    "enclosure": LEAF,
    "source": LEAF,
    "media_content": BOX,
    "media_group": BOX,
}
# Item elements whose feedparser handlers are the same as a field's: the field's name. (dc:date,
# dcterms:modified and Atom's updated/modified all run _start_updated/_end_updated; pubDate,
# Atom's published/issued and dcterms:issued _start_published/_end_published; id is guid.)
ITEM_ALIASES = {
    **dict.fromkeys(("published", "issued", "dcterms_issued"), "pubdate"),
    **dict.fromkeys(("updated", "modified", "lastbuilddate", "dcterms_modified"), "dc_date"),
    "id": "guid",
}
CHANNEL_DATES = frozenset({"pubdate", "dc_date", *ITEM_ALIASES} - {"id"})
# Inside <image> and <textInput>, feedparser keeps writing to the image/textinput only while every
# element is one of these (any other name switches it back to the channel): nothing else allowed.
_IMAGE = {name: LEAF for name in ("title", "url", "link", "width", "height", "description")}
_TEXTINPUT = {name: LEAF for name in ("title", "description", "name", "link")}
CHILDREN: dict[str, dict[str, tuple[bool, bool]]] = {
    "image": _IMAGE,
    "textinput": _TEXTINPUT,
    "itunes_owner": {"itunes_name": LEAF, "itunes_email": LEAF},
    "itunes_category": {"itunes_category": BOX},
    "media_content": _MEDIA,
    "media_group": {**_MEDIA, "media_content": BOX},
}
# Parents under which generic elements may appear (not image/textinput, see above).
GENERIC_PARENTS = frozenset({"channel", "item", "media_content", "media_group", "itunes_owner"})
# Core (unprefixed) generic names allowed: a bare generic element writes its text under its own
# name, which must not be a key feedparser's handlers use (links, tags, title_detail, ...).
# (tests/test_rssfast.py checks that feedparser's code names none of them except as a URI field.)
BARE_GENERIC = frozenset(
    {"comments", "docs", "skiphours", "skipdays", "hour", "day", "linkmobile", "thumbnail"}
    | {"smallimage", "bigimage", "byline", "site", "nested-field", "nest1", "nest2", "nest3"}
)
MAX_DEPTH = 40
