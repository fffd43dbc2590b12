"""The RSS fast path (bot/parse/plainrss.py) gives exactly what the feedparser path gives.

Every check compares ``_parse_xml`` (fast path first) with ``_parse_xml_feedparser`` (feedparser
only) on the same bytes and headers, as whole ``ParsedFeed`` values: feed title, every field of
every story, ttl and warnings, in order. Sources: the shared corpus, the repository's feed files,
the benchmark server's feeds (which must take the fast path), generated documents full of tricky
text, and documents the fast path must refuse. The facts parse/plainrss.py copies from feedparser (its
namespace table, handler names, HTML tag list, cp1252 map) are checked against the installed copy.
"""

from __future__ import annotations

import codecs
import csv
import html
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import feedparser.html
import feedparser.mixin
import feedparser.sanitizer
import feedparser.util
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import FeedParseError
from bot.parse import feed as parse
from bot.parse.feed import ParsedFeed, parse_feed
from bot.parse.plainrss import CP1252, HANDLED, HTML_TAGS, NAMESPACES, read_rss
from bot.parse.plainrss_facts import BARE_GENERIC
from bot.parse.xmlguard import strip_entity_declarations

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "feeds"
FEED_URL = "https://feeds.example.test/dir/feed.xml"
T = TypeVar("T")


def both(body: bytes, content_type: str = "") -> tuple[ParsedFeed | str, ParsedFeed | str, bool]:
    """(fast-path result, feedparser result, whether the fast path accepted); a FeedParseError
    is compared by its message."""
    try:
        accepted = read_rss(strip_entity_declarations(body, content_type)[0], content_type) is not None
    except FeedParseError:
        accepted = False
    results: list[ParsedFeed | str] = []
    for parse_xml in (parse._parse_xml, parse._parse_xml_feedparser):
        try:
            results.append(parse_xml(body, FEED_URL, "Test", content_type))
        except FeedParseError as exc:
            results.append(f"FeedParseError: {exc}")
    return results[0], results[1], accepted


# --- the copied facts -------------------------------------------------------------------------


def test_namespace_table_is_feedparsers() -> None:
    mixin = feedparser.mixin._FeedParserMixin
    assert {uri.lower(): prefix for uri, prefix in mixin.namespaces.items()} == NAMESPACES


def test_handled_names_are_feedparsers() -> None:
    mixin = feedparser.mixin._FeedParserMixin
    names = {n.split("_", 2)[2] for n in dir(mixin) if n.startswith(("_start_", "_end_"))}
    # dispatch names are lower case, so mixed-case handlers can never be reached by one
    assert {n for n in names if n == n.lower()} == HANDLED


def test_bare_generic_names_are_read_by_nothing() -> None:
    """A bare generic element writes its text under its own name; no code of feedparser's (nor
    parse/feed.py) may read that key. feedparser names every key it reads, so: not in its source as a
    string, except in can_be_relative_uri (which only resolves the generic value itself)."""
    root = Path(feedparser.mixin.__file__).parent
    paths = [*root.glob("*.py"), *root.glob("namespaces/*.py")]
    source = "".join(path.read_text(encoding="utf-8") for path in paths)
    parse_source = (REPO / "bot" / "parse" / "feed.py").read_text(encoding="utf-8")
    mixin = feedparser.mixin._FeedParserMixin
    for name in BARE_GENERIC:
        expected = 1 if name in mixin.can_be_relative_uri else 0
        assert source.count(f"'{name}'") + source.count(f'"{name}"') == expected, name
        assert f'"{name}"' not in parse_source, name
        assert name not in feedparser.util.FeedParserDict.keymap and name not in HANDLED, name


def test_html_tags_and_cp1252_are_feedparsers() -> None:
    assert set(feedparser.sanitizer._HTMLSanitizer.acceptable_elements) == HTML_TAGS
    assert feedparser.html._cp1252 == CP1252


# --- the shared corpus ------------------------------------------------------------------------

CONTENT_TYPES = ("", "application/rss+xml", "application/xml; charset=utf-8", "text/xml; charset=UTF-8")


def _corpus_paths() -> list[str]:
    index = CORPUS / "INDEX.tsv"
    if not index.exists():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        return [row["path"] for row in csv.DictReader(handle, delimiter="\t")]


def test_corpus_fast_path_equals_feedparser(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _corpus_paths()
    if not paths:
        pytest.skip(f"{CORPUS} is not available")
    accepted: set[str] = set()
    for path in paths:
        body = (CORPUS / path).read_bytes()
        for content_type in CONTENT_TYPES:
            try:
                data = strip_entity_declarations(body, content_type)[0]
            except FeedParseError:
                continue
            if read_rss(data, content_type) is None:
                continue  # refused: parse_feed runs exactly the feedparser path
            fast, slow, _ = both(body, content_type)
            assert fast == slow, (path, content_type)
            accepted.add(path)
    with capsys.disabled():
        print(f"\nrssfast: the fast path accepted {len(accepted)} of {len(paths)} corpus files")
    # every well-formed UTF-8 RSS 2.0 capture without unusual elements; fewer means a regression
    assert len(accepted) >= 31


# --- the repository's own feed files ----------------------------------------------------------


@pytest.mark.parametrize("path", sorted((REPO / "tests" / "data" / "feeds").iterdir()), ids=lambda p: p.name)
def test_repository_feeds_fast_path_equals_feedparser(path: Path) -> None:
    for content_type in CONTENT_TYPES:
        fast, slow, _ = both(path.read_bytes(), content_type)
        assert fast == slow


def test_repository_rss2_feeds_take_the_fast_path() -> None:
    for name in ("rss2_with_guid.xml", "rss2_without_guid.xml", "html_description.xml", "tracking_links.xml"):
        assert both((REPO / "tests" / "data" / "feeds" / name).read_bytes())[2], name


# --- the benchmark server's feeds -------------------------------------------------------------


def test_bench_feeds_take_the_fast_path_and_equal_feedparser() -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from poll_server import PollServer
    finally:
        sys.path.remove(str(REPO / "bench"))
    server = PollServer(60, seed=7, match_percent=30.0)  # bodies need no running server
    for index in range(60):
        for version in (0, 1, 3):
            body = server.body(index, version)
            for content_type in ("application/rss+xml; charset=utf-8", ""):
                fast, slow, took = both(body, content_type)
                assert took, (index, version, content_type)
                assert fast == slow
                assert isinstance(fast, ParsedFeed) and len(fast.stories) == 20


# --- generated documents ----------------------------------------------------------------------

TRICKY = [
    "AT&amp;T", "a &lt; b", "&lt;/b&gt;", "&lt;b&gt;bold&lt;/b&gt; text", "&amp;copy; 2024", "&amp;bogus;",
    "&amp;#39;", "&#150;", "&#x80;", "&#x9f;", "\u0096", "\u0085", "\u00a0", "Ã©tÃ©", "Ã", "caf\u00e9",
    "&#233;", "&#xE9;", "<![CDATA[<p>para</p> & more]]>", "<![CDATA[AT&T]]>", "<![CDATA[&copy;]]>",
    "  \n\t ", "<!-- a comment -->", "&lt;script&gt;x()&lt;/script&gt;", "&lt;img src=x&gt;", "&quot;q&quot;",
    "&apos;", "\u200b", "\u202e", "emoji \U0001f600", "&lt;p&gt;hi&lt;/p&gt;", "&lt;foo&gt;x&lt;/foo&gt;",
    "&amp;nbsp;", "&amp;amp;", "x\r\ny", "\u2028", "ICE", "Amazon", "police", "]]&gt;", "&#38;", "&#60;b&#62;",
]  # fmt: skip
LINKS = [
    "https://a.example/x?a=1&amp;b=2", "http:///x.example//y", "/relative/path", "x.html", "mailto:a@b.example",
    "javascript:alert(1)", "  https://a.example/  ", "https://a.example/?q=&amp;amp;", "https://a.example/&amp;copy;",
    "HTTP://A.EXAMPLE:80/Path?utm_source=x&amp;id=3#frag", "", "file:///etc/passwd", "&#104;ttps://a.example/",
    "https://a.example/\u00e9", "https://a.example/Ã©", "tag:a.example,2024:1", "urn:uuid:1234", "https:////b.example/",
    "https://a.example/?x=&amp;y;", "https://a.example/&#150;",
]  # fmt: skip
DATES = [
    "Mon, 06 Sep 2021 16:45:00 GMT", "2021-09-06T16:45:00Z", "2021-09-06", "garbage", "",
    "Mon, 06 Sep 2021 16:45:00 +0200", "06 Sep 2021", "Tue, 31 Feb 2021 10:00:00 GMT", "1630946700",
    "2021-13-45T99:99:99Z", "Sun, 1 Jan 0001 00:00:00 GMT", "2021-09-06T16:45:00.123+05:30",
    "  Mon, 6 Sep 21 1:2:3 EST ",
]  # fmt: skip
TTLS = ["15", " 60 ", "abc", "-5", "0", "99999999", "1e3", "&#150;", "\u0661\u0662", "525600", "525601", ""]
GUID_ATTRS = ["", ' isPermaLink="true"', ' isPermaLink="false"', ' isPermaLink="True"', ' ISPERMALINK="false"']
EXTRAS = [
    "<comments>https://a.example/c</comments>", "<slash:comments>3</slash:comments>", '<media:thumbnail url="x"/>',
    '<category domain="d">c</category>', '<enclosure url="u" length="1" type="audio/mpeg"/>',
    "<author>a@b.example (A)</author>",
    '<source url="http://s.example/">S</source>', "<dc:creator>Someone</dc:creator>",
    '<media:content url="m"><media:credit>c</media:credit></media:content>', "<itunes:duration>1:00</itunes:duration>",
    "<wfw:commentRss>https://a.example/r</wfw:commentRss>", "<feedburner:origLink>https://o.example/</feedburner:origLink>",
    '<x:y xmlns:x="http://unknown.example/">z</x:y>', '<x:Y xmlns:x="http://unknown.example/" a="1"><x:z>w</x:z></x:Y>',
    "<atom:updated>2021-09-06T16:45:00Z</atom:updated>", "<atom:published>garbage</atom:published>",
    "<dcterms:modified>2021-09-06</dcterms:modified>", '<atom:link rel="related" href="https://r.example/"/>',
    '<atom:link rel="enclosure" href="https://e.example/a.mp3" length="1"/>', "<byline>B</byline>",
    '<site xmlns="com-wordpress:feed-additions:1">1</site>', "<atom:id>urn:x</atom:id>",
    # refused: handled elsewhere, unknown names/namespaces, markup in a field, reserved keys
    "<itunes:summary>s</itunes:summary>", "<media:title>mt</media:title>", "<title_detail>td</title_detail>",
    '<atom:link href="https://l.example/"/>', '<post-id xmlns="com-wordpress:feed-additions:1">1</post-id>',
    '<m:y xmlns:m="http://unknown.example/other">z</m:y>', '<media:y xmlns:media="http://unknown.example/">z</media:y>',
    "<foo>bar</foo>", '<atom:link href="https://l.example/" rel="alternate"/>', "<description><b>x</b></description>",
    # authors and tags (what author: and tag: read): reproduced, or refused where they are not
    "<category>Tech &amp; Policy</category><category>  </category><category>tech &amp; policy</category>",
    '<category domain="d"/><category>Filled</category>', "<dc:subject>Subject</dc:subject>",
    "<media:keywords>a, b,, c ,</media:keywords>", "<itunes:keywords>x,y</itunes:keywords>",
    "<itunes:author>I</itunes:author><dc:creator>Last</dc:creator>", "<dc:creator>First</dc:creator><author></author>",
    '<media:group><media:content url="m"><media:keywords>k1,k2</media:keywords></media:content></media:group>',
    '<category term="t">c</category>', '<media:category scheme="s">m</media:category>',  # refused
]  # fmt: skip
CHANNEL_EXTRAS = [
    '<atom:link href="https://s.example/feed" rel="self" type="application/rss+xml"/>', "<language>en</language>",
    "<image><url>https://i.example/i.png</url><title>Img &amp; title</title><link>https://i.example/</link></image>",
    "<lastBuildDate>Mon, 06 Sep 2021 16:45:00 GMT</lastBuildDate>", "<itunes:summary>Show notes</itunes:summary>",
    "<generator>gen</generator>", "<sy:updatePeriod>hourly</sy:updatePeriod>", "<pubDate>garbage</pubDate>",
    "<skipHours><hour>1</hour></skipHours>", "<textInput><title>ti</title><name>n</name></textInput>",
    "<itunes:summary>Show notes</itunes:summary><description>D</description>", "<atom:updated>garbage</atom:updated>",
    '<x:y xmlns:x="http://unknown.example/">z</x:y>', '<atom:id>urn:feed</atom:id>',
    "<itunes:summary>S</itunes:summary><description>D</description><description>E</description>",  # refused
]  # fmt: skip
NAMESPACE_DECLARATIONS = (
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:media="http://search.yahoo.com/mrss/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
    ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:atom="http://www.w3.org/2005/Atom"'
    ' xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
    ' xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0" xmlns:dcterms="http://purl.org/dc/terms/"'
)
CONTENT_TYPES_GENERATED = [
    "", "", "application/rss+xml", "application/xml; charset=utf-8", "text/xml; charset=UTF-8", "text/xml",
    "application/rss+xml; charset=iso-8859-1", "text/html; charset=utf-8",
]  # fmt: skip
PROLOGS = ['<?xml version="1.0" encoding="utf-8"?>\n', "", '<?xml version="1.0"?>', "\ufeff", "\n  "]


class Picker:
    """The choices a generated document is made of: from Hypothesis, or from a seeded Random."""

    def __init__(self, pick: Callable[[Sequence[object]], object], number: Callable[[int, int], int],
                 free_text: Callable[[], str]) -> None:  # fmt: skip
        self._pick, self.number, self.free_text = pick, number, free_text

    def pick(self, options: Sequence[T]) -> T:
        return self._pick(options)  # type: ignore[return-value]

    def chance(self, percent: int) -> bool:
        return self.number(0, 99) < percent


def text_field(p: Picker) -> str:
    pieces = []
    for _ in range(p.number(0, 4)):
        pieces.append(p.pick(TRICKY) if p.chance(70) else html.escape(p.free_text(), quote=False))
    return "".join(pieces)


def item(p: Picker) -> str:
    fields = []
    if p.chance(85):
        fields.append(f"<title>{text_field(p)}</title>")
    if p.chance(70):
        fields.append(f"<link>{p.pick(LINKS)}</link>")
    if p.chance(60):
        value = p.pick(LINKS) if p.chance(50) else text_field(p)
        fields.append(f"<guid{p.pick(GUID_ATTRS)}>{value}</guid>")
    if p.chance(75):
        fields.append(f"<description>{text_field(p)}</description>")
    if p.chance(35):
        fields.append(f"<content:encoded>{text_field(p)}</content:encoded>")
    if p.chance(60):
        fields.append(f"<pubDate>{p.pick(DATES)}</pubDate>")
    if p.chance(20):
        fields.append(f"<dc:date>{p.pick(DATES)}</dc:date>")
    if p.chance(30):
        fields.append(p.pick(EXTRAS))
    if p.chance(4):
        fields.append(p.pick(fields or ["<title>t</title>"]))  # a repeated field (refused)
    order = [fields.pop(p.number(0, len(fields) - 1)) for _ in range(len(fields))]
    return "<item>" + "".join(order) + "</item>"


def document(p: Picker) -> tuple[bytes, str]:
    channel = []
    if p.chance(85):
        channel.append(f"<title>{text_field(p)}</title>")
    if p.chance(30):
        channel.append(f"<ttl>{p.pick(TTLS)}</ttl>")
    if p.chance(40):
        channel.append(p.pick(CHANNEL_EXTRAS))
    channel += [item(p) for _ in range(p.number(0, 4))]
    text = (
        p.pick(PROLOGS)
        + f'<rss version="2.0"{NAMESPACE_DECLARATIONS}><channel>'
        + "".join(channel)
        + "</channel></rss>"
    )
    return text.encode("utf-8"), p.pick(CONTENT_TYPES_GENERATED)


XML_CHARS = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff", max_codepoint=0x1FFFF
).filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)


@st.composite
def documents(draw: st.DrawFn) -> tuple[bytes, str]:
    picker = Picker(
        lambda options: draw(st.sampled_from(options)),
        lambda low, high: draw(st.integers(low, high)),
        lambda: draw(st.text(XML_CHARS, max_size=12)),
    )
    return document(picker)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_documents_fast_path_equals_feedparser(case: tuple[bytes, str]) -> None:
    body, content_type = case
    fast, slow, _ = both(body, content_type)
    assert fast == slow


def test_generated_documents_are_mostly_accepted() -> None:
    """The same generator from fixed seeds: equal every time, and the fast path takes a fair
    share (so the property above cannot hold by refusing everything)."""
    rng = random.Random(20240611)
    pool = "abcxyz ÄéΩ中\u0085\u0096&<>\"'\U0001f600"
    picker = Picker(
        lambda options: rng.choice(options),
        rng.randint,
        lambda: "".join(rng.choice(pool) for _ in range(rng.randint(0, 10))),
    )
    accepted = 0
    runs = 400
    for _ in range(runs):
        body, content_type = document(picker)
        fast, slow, took = both(body, content_type)
        assert fast == slow, (body, content_type)
        accepted += took
    assert accepted >= runs * 0.35, accepted


# --- what the fast path must refuse -----------------------------------------------------------

PLAIN = (
    '<rss version="2.0"><channel><title>T</title><item><title>One</title>'
    "<link>https://a.example/1</link><description>caf\u00e9</description></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(('<?xml version="1.0" encoding="iso-8859-1"?>' + PLAIN).encode("latin-1"), "", id="latin-1"),
        pytest.param(('<?xml version="1.0" encoding="windows-1252"?>' + PLAIN).encode("cp1252"), "", id="cp1252"),
        pytest.param(PLAIN.encode("latin-1"), "", id="undeclared-latin-1"),
        pytest.param(codecs.BOM_UTF16_LE + PLAIN.encode("utf-16-le"), "", id="utf-16"),
        pytest.param(PLAIN.encode(), "application/rss+xml; charset=iso-8859-1", id="charset-latin-1"),
        pytest.param(PLAIN.encode(), "text/html; charset=utf-8", id="text/html"),
        pytest.param(PLAIN.encode(), "Application/RSS+XML", id="media-type-case"),
        pytest.param(PLAIN.encode(), "text/xml", id="text/xml-non-ascii"),
        pytest.param(('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                      '"http://my.netscape.com/publish/formats/rss-0.91.dtd">' + PLAIN).encode(), "", id="doctype"),
        pytest.param(('<!DOCTYPE rss [<!ENTITY e "x">]>' + PLAIN.replace("One", "&e;")).encode(), "", id="dtd"),
        pytest.param(PLAIN.replace("<rss ", '<rss xmlns:dc="http://search.yahoo.com/mrss/" xmlns:d="http://purl.org/dc/'
                                   'elements/1.1/" ').replace("</item>", "<d:creator>c</d:creator></item>").encode(),
                     "", id="rebound-prefix"),  # feedparser reads d:creator as media:creator
        pytest.param(PLAIN.replace("</item>", "<cc:license>https://l.example/</cc:license></item>").replace(
            "<rss ", '<rss xmlns:cc="http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html" ').encode(),
                     "", id="creativeCommons-license"),  # its handler adds a link
        pytest.param(PLAIN.replace("<rss ", '<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:ATOM="http://u.'
                                   'example/" ').replace("</item>", "<ATOM:title>x</ATOM:title></item>").encode(), "",
                     id="prefix-lowercased-onto-atom"),
        pytest.param(PLAIN.replace("</item>", '<x:y xmlns:x="http://u.example/1">z</x:y><x:y xmlns:x="http://u.example/2">'
                                   "z</x:y></item>").encode(), "", id="unknown-prefix-two-uris"),
        pytest.param(PLAIN.replace("</item>", '<x:y xmlns:x="http://u.example/">z</x:y><w:y xmlns:w="http://u.example/">'
                                   "z</w:y></item>").encode(), "", id="unknown-uri-two-prefixes"),
        pytest.param(PLAIN.replace("</item>", '<x:y xmlns:x="http://u.example/">z</x:y><y xmlns="http://u.example/">'
                                   "z</y></item>").encode(), "", id="unknown-uri-prefix-and-default"),
        pytest.param(PLAIN.replace("</item>", '<media:y xmlns:media="http://u.example/">z</media:y></item>').encode(),
                     "", id="unknown-uri-standard-prefix"),
        pytest.param(PLAIN.replace("</item>", '<title:detail xmlns:title="http://u.example/">z</title:detail></item>')
                     .encode(), "", id="generic-title_detail"),
        pytest.param(PLAIN.replace("</item>", "<title_detail>z</title_detail></item>").encode(), "",
                     id="bare-title_detail"),
        pytest.param(PLAIN.replace("</item>", "<published_parsed>z</published_parsed></item>").encode(), "",
                     id="bare-published_parsed"),
        pytest.param(PLAIN.replace("</item>", '<foo xmlns="http://u.example/">z</foo></item>').encode(), "",
                     id="unknown-default-namespace-unlisted-name"),
        pytest.param(PLAIN.replace("</item>", '<link rel="alternate" href="https://x.example/"/></item>').encode(), "",
                     id="atom-link-alternate"),
        pytest.param(PLAIN.replace("</item>", '<link href="https://x.example/"/></item>').encode(), "",
                     id="atom-link-no-rel"),
        pytest.param(PLAIN.replace("</item>", '<link rel="related">https://x.example/</link></item>').encode(), "",
                     id="atom-link-no-href"),
        pytest.param(PLAIN.replace("</item>", "<pubDate>2021-01-01</pubDate><published>2021-01-02</published></item>")
                     .encode(), "", id="repeated-date-aliases"),
        pytest.param(PLAIN.replace("<item>", "<itunes:summary xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'>"
                                   "S</itunes:summary><description>D</description><description>E</description><item>")
                     .encode(), "", id="channel-two-descriptions-after-itunes:summary"),
        pytest.param(PLAIN.replace("</item>", "<item>").encode(), "", id="malformed"),
        pytest.param(PLAIN.replace("One", "&nbsp;One").encode(), "", id="undefined-entity"),
        pytest.param(PLAIN.replace("<channel>", '<channel xml:base="https://b.example/">').encode(), "", id="xml:base"),
        pytest.param(PLAIN.replace("<item>", '<item xml:base="https://b.example/">').encode(), "", id="item-base"),
        pytest.param(PLAIN.replace("caf\u00e9", "<b>caf\u00e9</b>").encode(), "", id="inline-markup"),
        pytest.param(PLAIN.replace("<title>One", '<title type="html">One').encode(), "", id="typed-title"),
        pytest.param(PLAIN.replace("</item>", "<title>Two</title></item>").encode(), "", id="repeated-title"),
        pytest.param(PLAIN.replace("</item>", "<media:title xmlns:media='http://search.yahoo.com/mrss/'>M"
                                   "</media:title></item>").encode(), "", id="media:title"),
        pytest.param(PLAIN.replace("</item>", "<itunes:summary xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0"
                                   ".dtd'>S</itunes:summary><description>D</description></item>").encode(),
                     "", id="itunes:summary-then-description"),
        pytest.param(b"  " + ('<?xml version="1.0"?>' + PLAIN).encode(), "", id="space-before-declaration"),
        pytest.param(b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                     b' xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel></rdf:RDF>', "", id="rss1"),
        pytest.param(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title></feed>', "", id="atom"),
        pytest.param(PLAIN.replace("<item>", "<!--" + "x" * (1024 * 1024) + "--><item>").encode(), "",
                     id="over-a-megabyte"),  # a tree of a hostile 10 MB document would not fit in memory
    ],
)  # fmt: skip
def test_fast_path_refuses_and_parse_feed_uses_feedparser(body: bytes, content_type: str) -> None:
    fast, slow, took = both(body, content_type)
    assert not took
    assert fast == slow
    headers = {"Content-Type": content_type} if content_type else None
    try:
        result: ParsedFeed | str = parse_feed(body, feed_url=FEED_URL, source="Test", headers=headers)
    except FeedParseError as exc:
        result = f"FeedParseError: {exc}"
    assert result == slow


def test_plain_document_is_accepted() -> None:
    fast, slow, took = both(('<?xml version="1.0" encoding="UTF-8"?>' + PLAIN).encode(), "application/rss+xml")
    assert took and fast == slow
    assert isinstance(fast, ParsedFeed) and fast.stories[0].summary == "caf\u00e9"


ITUNES = "xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'"


def _in_item(extra: str, declarations: str = "") -> bytes:
    return PLAIN.replace("<rss ", f"<rss {declarations} ").replace("</item>", extra + "</item>").encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_in_item('<x:y xmlns:x="http://u.example/">z</x:y>'), id="unknown-namespace"),
        pytest.param(_in_item('<X:Y a="1"><X:z>w</X:z></X:Y>', 'xmlns:X="http://u.example/"'), id="unknown-nested"),
        pytest.param(PLAIN.replace("<title>T", '<x:y xmlns:x="http://u.example/">z</x:y><title>T').encode(),
                     id="unknown-namespace-channel"),
        pytest.param(_in_item("", 'xmlns:dc="http://search.yahoo.com/mrss/"'), id="rebound-prefix-unused"),
        pytest.param(_in_item("<cc:other>o</cc:other>",
                              'xmlns:cc="http://backend.userland.com/creativeCommonsRssModule"'),
                     id="creativeCommons-generic"),
        pytest.param(PLAIN.replace("<title>T", '<site xmlns="com-wordpress:feed-additions:1">1</site><title>T')
                     .encode(), id="unknown-default-namespace"),
        pytest.param(_in_item('<title xmlns="http://u.example/">Two</title>').replace(b"<title>One</title>", b""),
                     id="unknown-default-namespace-title"),  # a bare <title> to feedparser too
        pytest.param(PLAIN.replace("<item>", f"<itunes:summary {ITUNES}>S</itunes:summary><description>D</description>"
                                   "<item><content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
                                   "C</content:encoded>").encode(), id="channel-itunes:summary-then-description"),
        pytest.param(_in_item('<a:updated xmlns:a="http://www.w3.org/2005/Atom">2021-09-06T16:45:00Z</a:updated>'),
                     id="atom-updated"),
        pytest.param(_in_item("<published>Mon, 06 Sep 2021 16:45:00 GMT</published><modified>2021-09-07</modified>"),
                     id="published-modified"),
        pytest.param(_in_item("<t:issued>2021-09-06</t:issued><lastBuildDate>2021-09-08</lastBuildDate>",
                              'xmlns:t="http://purl.org/dc/terms/"'), id="dcterms-issued"),
        pytest.param(_in_item("<id>http:///a.example/g</id>").replace(b"<link>https://a.example/1</link>", b""),
                     id="atom-id-permalink"),
        pytest.param(_in_item('<link rel="related" href="https://r.example/" type="text/html"/>'),
                     id="atom-link-related"),
        pytest.param(_in_item('<LINK REL="Enclosure" HREF="https://e.example/a.mp3"/>'), id="atom-link-enclosure"),
        pytest.param(PLAIN.replace("<title>T", "<updated>garbage</updated><id>urn:f</id><title>T").encode(),
                     id="channel-atom-dates-id"),
        pytest.param(_in_item("<byline>B</byline><linkmobile>https://m.example/</linkmobile><thumbnail>t</thumbnail>"),
                     id="bare-generic"),
        pytest.param(_in_item('<category domain="a"/><category>X</category><dc:subject>Y</dc:subject><category '
                              'domain="a">X</category><media:keywords>Y, Z</media:keywords><itunes:keywords>W'
                              '</itunes:keywords><category domain="b"/><category>V</category>',
                              f'{ITUNES} xmlns:dc="http://purl.org/dc/elements/1.1/" '
                              'xmlns:media="http://search.yahoo.com/mrss/"'), id="tags"),
        pytest.param(_in_item("<author>a@b.example (A)</author><dc:creator>C</dc:creator><itunes:author>I"
                              "</itunes:author>", f'{ITUNES} xmlns:dc="http://purl.org/dc/elements/1.1/"'),
                     id="authors"),
    ],
)  # fmt: skip
def test_widened_cases_are_accepted_and_equal(body: bytes) -> None:
    for content_type in ("", "application/rss+xml"):
        fast, slow, took = both(body, content_type)
        assert took and fast == slow


@pytest.mark.parametrize(
    "extra",
    [
        '<category term="t">c</category>',
        '<category domain="d" label="L">c</category>',
        '<media:category xmlns:media="http://search.yahoo.com/mrss/">m</media:category>',
    ],
)
def test_tags_the_fast_path_cannot_reproduce_go_to_feedparser(extra: str) -> None:
    fast, slow, took = both(_in_item(extra))
    assert not took and fast == slow


def test_the_fast_path_gives_each_storys_author_and_tags() -> None:
    body = _in_item(
        "<dc:creator>Jo Smith</dc:creator><category>Surveillance</category><category>AI &amp; ethics</category>"
        "<category>surveillance</category>",
        'xmlns:dc="http://purl.org/dc/elements/1.1/"',
    )
    fast, slow, took = both(body)
    assert took and fast == slow
    assert isinstance(fast, ParsedFeed)
    assert (fast.stories[0].author, fast.stories[0].tags) == ("Jo Smith", ("Surveillance", "AI & ethics"))


def test_fast_path_reproduces_feedparser_quirks() -> None:
    """A few behaviours worth seeing spelled out (each also covered by the generated tests)."""
    body = (
        '<rss version="2.0"><channel><title>AT&amp;T &amp;copy;</title><ttl> 30 </ttl><item>'
        "<title>Ã©tÃ© &lt;b&gt;x&lt;/b&gt; &#150;</title><guid>http:///a.example/p</guid>"
        '</item><item><guid isPermaLink="True">http:///a.example/q</guid><title>a &lt; b</title>'
        "</item></channel></rss>"
    ).encode()
    fast, slow, took = both(body)
    assert took and fast == slow
    assert isinstance(fast, ParsedFeed)
    assert fast.title == "AT&T ©" and fast.ttl_seconds == 1800
    first, second = fast.stories
    # HTML guessed (so tags go); UTF-8-as-Latin-1 repair fails (U+0096 is no UTF-8 byte); cp1252
    assert first.title == "Ã©tÃ© x –"
    assert first.link == "http://a.example/p"  # permalink guid as link, extra slash dropped
    assert second.key == "http:///a.example/q" and second.link is None  # "True" is not "true"
    assert second.title == "a < b"
    fast, slow, took = both('<rss><channel><title>Ã©tÃ©</title></channel></rss>'.encode())
    assert took and fast == slow and isinstance(fast, ParsedFeed) and fast.title == "été"
