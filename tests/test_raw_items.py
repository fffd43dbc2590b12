"""Known items cut out of a changed document before feedparser reads it (parse/rawitems.py):
the stories are those of a full read minus the known ones, an edit of any byte is read again,
a document that cannot be cut reads as before, and stories stored with the older digest (of the
fields only) are still recognised and then given the new one. Parsing directly, and through the
real poll (local HTTP server, a real store on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from bot.core.errors import FeedParseError
from bot.parse.feed import ParsedFeed, item_scan, parse_feed
from bot.store.database import Store
from tests.conftest import SEED_SUMMARY, SEED_TITLE, Item, minutes_ago, rss, write_rules
from tests.support.feed_server import FeedServer
from tests.support.polling import poll_context, poll_once

URL = "https://news.example/feed"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


def parse(body: bytes, known: dict[str, str] | None = None, content_type: str = "") -> ParsedFeed:
    headers = {"Content-Type": content_type} if content_type else None
    return parse_feed(body, feed_url=URL, source="News", headers=headers, known=known)


def stored_digests(parsed: ParsedFeed, keys: set[str] | None = None, *, fields_only: bool = False) -> dict[str, str]:
    """What the store's ``known_raw`` gives once these stories are stored (every digest of a
    story's ``raw_hash`` leads to its key); ``fields_only``: as an earlier version stored them."""
    return {
        digest: key
        for key, raw in parsed.raw_hashes.items()
        if keys is None or key in keys
        for digest in (raw.split()[:1] if fields_only else raw.split())
    }


# --- documents -------------------------------------------------------------------------------

TEXT = st.text(st.sampled_from("abcxyz ÉéüØ€—&<>\"'\t"), max_size=12)


@dataclass(frozen=True)
class Entry:
    title: str
    body: str
    guid: str | None
    author: str
    tag: str
    cdata: bool
    extra: int  # 0: nothing; 1: content:encoded (namespace on the root); 2: declared on itself


ENTRIES = st.builds(
    Entry,
    title=TEXT,
    body=TEXT,
    guid=st.one_of(st.none(), st.sampled_from(["g-1", "g-2", "g-3", "https://news.example/p/4", "g-5"])),
    author=TEXT,
    tag=TEXT,
    cdata=st.booleans(),
    extra=st.integers(0, 2),
)


def _text(value: str, cdata: bool) -> str:
    return f"<![CDATA[{value}]]>" if cdata and "]]>" not in value else escape(value)


def rss_doc(entries: list[Entry], title: str = "T", ttl: str = "") -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:content="{CONTENT_NS}">\n<channel><title>{escape(title)}</title>'
        f"<link>https://news.example/</link><description>d</description>{ttl}\n"
    ]
    for n, e in enumerate(entries):
        parts.append(f"<item><title>{_text(e.title, e.cdata)}</title><link>https://news.example/{n}</link>")
        if e.guid:
            parts.append(f"<guid isPermaLink='false'>{escape(e.guid)}</guid>")
        parts.append(f"<description>{_text(e.body, e.cdata)}</description>")
        if e.author:
            parts.append(f"<dc:creator>{escape(e.author)}</dc:creator>")
        if e.tag:
            parts.append(f"<category>{escape(e.tag)}</category>")
        if e.extra:
            declared = f' xmlns:content="{CONTENT_NS}"' if e.extra == 2 else ""
            parts.append(f"<content:encoded{declared}>{escape('<p>' + escape(e.body) + '</p>')}</content:encoded>")
        parts.append(f"<pubDate>Tue, 10 Sep 2024 12:0{n % 10}:00 GMT</pubDate></item>\n")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def atom_doc(entries: list[Entry], title: str = "T", ttl: str = "") -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        f"<title>{escape(title)}</title><id>urn:feed</id><updated>2024-09-10T12:00:00Z</updated>\n"
    ]
    for n, e in enumerate(entries):
        kind = "html" if e.cdata else "text"
        parts.append(f"<entry><id>{escape(e.guid or f'urn:e:{n}')}</id><title type='{kind}'>{escape(e.title)}</title>")
        parts.append(f"<link rel='alternate' href='https://news.example/a/{n}'/>")
        parts.append(f"<updated>2024-09-10T12:0{n % 10}:00Z</updated>")
        if e.author:
            parts.append(f"<author><name>{escape(e.author)}</name></author>")
        if e.tag:
            parts.append(f"<category term={quoteattr(e.tag)}/>")
        if e.extra:  # XHTML content declares its (known) namespace as the default, inside the entry
            parts.append(f"<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>{escape(e.body)}</p></div></content>")
        else:
            parts.append(f"<summary type='{kind}'>{escape(e.body)}</summary>")
        parts.append("</entry>\n")
    parts.append("</feed>")
    return "".join(parts).encode()


DOCS = st.sampled_from([rss_doc, atom_doc])


def assert_same_feed(cut: ParsedFeed, full: ParsedFeed) -> None:
    assert cut.title == full.title
    assert cut.ttl_seconds == full.ttl_seconds
    assert cut.warnings == full.warnings


# --- the invariant ---------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(make=DOCS, entries=st.lists(ENTRIES, max_size=7), known_mask=st.lists(st.booleans(), min_size=7, max_size=7))
def test_stories_are_those_of_a_full_read_minus_the_known_ones(
    make: Callable[[list[Entry]], bytes], entries: list[Entry], known_mask: list[bool]
) -> None:
    body = make(entries)
    assert item_scan(body) is not None  # a document the parser does cut
    full = parse(body)
    keys = [s.key for s in full.stories]
    chosen = {key for key, pick in zip(keys, known_mask, strict=False) if pick}
    parsed = parse(body, stored_digests(full, chosen))
    assert parsed.unchanged == chosen
    assert parsed.stories == tuple(s for s in full.stories if s.key not in chosen)
    assert {k: v for k, v in full.raw_hashes.items() if k not in chosen} == dict(parsed.raw_hashes)
    assert_same_feed(parsed, full)
    assert not parsed.renewed


# namespaces declared anywhere, some of which feedparser knows, some under names it gives others
NAMESPACES = [
    (None, "http://www.w3.org/1999/xhtml"), ("og", "urn:og"), ("og", "urn:og2"), ("o2", "urn:og"),
    ("media", "http://search.yahoo.com/mrss/"), ("m", "http://search.yahoo.com/mrss/"), ("media", "urn:board"),
    (None, "urn:dflt"), ("q", "urn:dflt"), ("dc", "urn:notdc"), ("rdf", "http://purl.org/dc/elements/1.1/"),
    ("o3", "urn:notdc"),
]
LOCALS = ["title", "description", "category", "content", "creator", "x"]  # some feedparser reads
NS_ELEMENT = st.tuples(st.integers(0, len(NAMESPACES) - 1), st.sampled_from(LOCALS), st.booleans())
NS_ITEM = st.tuples(TEXT, st.lists(NS_ELEMENT, max_size=3))


def ns_doc(root: list[int], items: list[tuple[int, tuple[str, list[tuple[int, str, bool]]]]]) -> bytes:
    declared = {NAMESPACES[i][0]: NAMESPACES[i][1] for i in root}
    decls = "".join(f' xmlns:{p}="{u}"' if p else f' xmlns="{u}"' for p, u in declared.items() if p or u != "urn:dflt")
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"{decls}><channel><title>T</title>\n']
    for n, (title, elements) in items:
        parts.append(f"<item><title>{escape(title)}</title><guid>g-{n}</guid>")
        for i, local, declare in elements:
            prefix, uri = NAMESPACES[i]
            name = f"{prefix}:{local}" if prefix else local
            decl = (f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"') if declare else ""
            parts.append(f"<{name}{decl}>v{n}</{name}>")
        parts.append("</item>\n")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    root=st.lists(st.integers(0, len(NAMESPACES) - 1), max_size=3),
    pool=st.lists(NS_ITEM, min_size=1, max_size=6),
    before=st.lists(st.integers(0, 5), max_size=6),
    after=st.lists(st.integers(0, 5), max_size=6),
)
# two items that swap places; in each, feedparser would read the first item differently after
# the second, were the scan to let the second's declaration through
@example(root=[], pool=[("X", [(7, "category", True)]), ("Y", [(8, "x", True)])], before=[0, 1], after=[1, 0])
@example(root=[], pool=[("X", [(11, "creator", True)]), ("Y", [(9, "x", True)])], before=[0, 1], after=[1, 0])
@example(root=[6], pool=[("X", [(6, "content", False)]), ("Y", [(5, "x", True)])], before=[0, 1], after=[1, 0])
def test_across_versions_of_a_document_namespaces_anywhere_read_as_with_the_fields_digest_alone(
    root: list[int], pool: list[tuple[str, list[tuple[int, str, bool]]]], before: list[int], after: list[int]
) -> None:
    """The store holds the stories of one version of a document; the next version (items added,
    dropped, moved) reads exactly as an earlier version of the bot read it, with the digests
    of the fields alone (a full read): every story left out is the one the store has."""
    old = ns_doc(root, [(n % len(pool), pool[n % len(pool)]) for n in before])
    new = ns_doc(root, [(n % len(pool), pool[n % len(pool)]) for n in after])
    try:
        stored = parse(old)
        today = parse(new, stored_digests(stored, fields_only=True))
    except FeedParseError:
        return
    parsed = parse(new, stored_digests(stored))
    event("cut" if item_scan(new) is not None and parsed.unchanged else "read in full")
    assert parsed.stories == today.stories
    assert parsed.unchanged == today.unchanged
    assert_same_feed(parsed, today)
    full = {s.key: s for s in reversed(parse(new).stories)}
    first_stored = {s.key: s for s in reversed(stored.stories)}
    assert all(full[key] == first_stored[key] for key in parsed.unchanged if key in full)


def test_the_cut_document_is_the_document_without_those_items_byte_for_byte() -> None:
    head = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>T</title>\n'
    items = [b"<item><title>A</title></item>", b"<item><title>B</title><x:y xmlns:x='urn:q'/></item>",
             b"<item/>", b"<item ><title>D &amp; E</title></item >"]
    body = head + b"\n".join(items) + b"\n</channel></rss>"
    scan = item_scan(body)
    assert scan is not None and len(scan.items) == 4
    assert scan.without({0, 3}) == head + b"\n" + items[1] + b"\n" + items[2] + b"\n\n</channel></rss>"
    assert scan.without(set()) == body


# --- edits -----------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    make=DOCS,
    entries=st.lists(ENTRIES, min_size=1, max_size=5),
    which=st.integers(0, 4),
    where=st.floats(0, 1, exclude_max=True),
    byte=st.integers(0x20, 0x7E),
)
def test_a_known_item_with_any_byte_edited_is_never_skipped_unless_it_reads_the_same(
    make: Callable[[list[Entry]], bytes], entries: list[Entry], which: int, where: float, byte: int
) -> None:
    entries = [Entry(e.title, e.body, f"g-{n}", e.author, e.tag, e.cdata, e.extra) for n, e in enumerate(entries)]
    body = make(entries)
    scan = item_scan(body)
    assert scan is not None
    item = scan.items[which % len(scan.items)]
    at = item.start + int(where * (item.end - item.start))
    assume(body[at] != byte)
    edited = body[:at] + bytes([byte]) + body[at + 1 :]
    full = parse(body)
    try:
        today = parse(edited, stored_digests(full, None, fields_only=True))  # a full read, fields' digests
    except FeedParseError:
        return  # the edit broke the document beyond reading (the same with either digest)
    parsed = parse(edited, stored_digests(full))
    assert parsed.stories == today.stories
    assert parsed.unchanged == today.unchanged
    assert_same_feed(parsed, today)
    if parsed.unchanged != set(stored_digests(full).values()):
        assert any(scan_item.start <= at < scan_item.end for scan_item in scan.items)  # the edited item was read


def test_an_item_edited_without_changing_what_it_reads_gets_its_new_digest_recorded() -> None:
    body = rss_doc([Entry("A", "one", "g-1", "", "", False, 0), Entry("B", "two", "g-2", "", "", False, 0)])
    first = parse(body)
    spaced = body.replace(b"<title>A</title>", b"<title>A</title>\n   ", 1)
    parsed = parse(spaced, stored_digests(first))
    assert parsed.stories == () and parsed.unchanged == {"g-1", "g-2"}
    fields, _ = first.raw_hashes["g-1"].split()
    renewed = parsed.renewed["g-1"].split()
    assert list(parsed.renewed) == ["g-1"] and renewed[0] == fields and renewed[1] not in stored_digests(first)
    again = parse(spaced, stored_digests(first) | {renewed[1]: "g-1"})
    assert again.unchanged == {"g-1", "g-2"} and not again.renewed


# --- documents that are not cut --------------------------------------------------------------

ITEMS = [Entry("First", "one", "g-1", "Ann", "Labour", False, 0), Entry("Second", "two", "g-2", "", "", True, 0)]
PLAIN = rss_doc(ITEMS)
UNCUT = {
    "broken XML": PLAIN.replace(b"</title>", b"", 1),
    "UTF-16": PLAIN.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"),
    "an item outside the channel": PLAIN.replace(b"</channel></rss>", b"</channel><item><title>O</title></item></rss>"),
    "an item inside an item": PLAIN.replace(b"one</description>", b"one</description><item><title>I</title></item>"),
    "a DOCTYPE": PLAIN.replace(b"\n<rss", b"\n<!DOCTYPE rss SYSTEM 'http://my.netscape.com/rss-0.91.dtd'>\n<rss", 1),
    "a prefix declared for two unknown namespaces": PLAIN.replace(b"<category>", b"<q:x xmlns:q='urn:q'>v</q:x>")
    .replace(b"</description>", b"</description><q:x xmlns:q='urn:r'>v</q:x>"),
    # feedparser would then name the root's q: elements as Dublin Core ones for the rest of the document
    "a prefix bound to an unknown namespace, declared for a known one in an item": PLAIN.replace(
        b"<category>", b"<q:subject xmlns:q='http://purl.org/dc/elements/1.1/'>s</q:subject><category>", 1
    ).replace(b"<rss version='2.0'", b"<rss xmlns:q='urn:other' version='2.0'").replace(
        b'<rss version="2.0"', b'<rss xmlns:q="urn:other" version="2.0"'
    ),
    "a root feedparser reads but the scan does not know": PLAIN.replace(b"<rss version", b"<rss xmlns='urn:x' version")
    .replace(b"</rss>", b"</rss>"),
    "Shift_JIS": PLAIN.replace(b'encoding="utf-8"', b'encoding="shift_jis"'),
}


@pytest.mark.parametrize("name", sorted(UNCUT))
def test_a_document_that_cannot_be_cut_reads_exactly_as_before(name: str) -> None:
    body = UNCUT[name]
    assert item_scan(body, "application/rss+xml") is None
    full = parse(body)
    assert all(len(raw.split()) == 1 for raw in full.raw_hashes.values())  # the fields' digest only, as before
    known = stored_digests(full, {full.stories[0].key})
    parsed = parse(body, known)
    assert parsed.unchanged == {full.stories[0].key}  # recognised by the fields' digest, as before
    assert parsed.stories == full.stories[1:]
    assert_same_feed(parsed, full)


def test_an_encoding_feedparser_overrides_is_not_cut() -> None:
    latin = PLAIN.replace(b"First", "Fürst".encode("latin-1"))  # declared UTF-8, not UTF-8
    full = parse(latin, content_type="application/rss+xml")
    assert any("decoded as" in w for w in full.warnings)
    parsed = parse(latin, stored_digests(full, {"g-2"}), content_type="application/rss+xml")
    assert parsed.stories == full.stories[:1] and parsed.unchanged == {"g-2"}
    assert_same_feed(parsed, full)


def test_a_latin1_document_is_cut_and_a_charset_change_reads_it_again() -> None:
    latin = PLAIN.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"').replace(b"First", "Fürst".encode("latin-1"))
    full = parse(latin, content_type="application/rss+xml")
    assert full.stories[0].title == "Fürst" and all(len(r.split()) == 2 for r in full.raw_hashes.values())
    parsed = parse(latin, stored_digests(full, {"g-1"}), content_type="application/rss+xml")
    assert parsed.stories == full.stories[1:] and parsed.unchanged == {"g-1"}
    # served as windows-1252 now: the bytes' digest changes, the fields' digest still knows it
    again = parse(latin, stored_digests(full), content_type="application/rss+xml; charset=windows-1252")
    assert again.stories == () and set(again.renewed) == {"g-1", "g-2"}


def test_the_scan_expands_no_entity_and_follows_no_reference() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b"<rss version='2.0'><channel><item><title>&b;</title></item></channel></rss>"
    )
    assert item_scan(laughs) is None  # refused at the DOCTYPE, before any entity is read
    external = b"<rss version='2.0'><channel><item><title>&ext;</title></item></channel></rss>"
    assert item_scan(external) is None  # an undeclared entity: not well-formed


# --- through the poll ------------------------------------------------------------------------


@pytest.fixture
def poller(tmp_path: Path, store_url: str | None) -> Iterator[tuple[FeedServer, Store, Callable[[], None], str]]:
    with FeedServer() as feeds:
        feeds.set_feed("/tech.xml", rss([]))
        rules = write_rules(tmp_path / "rules.yaml", [feeds.url("/tech.xml")])
        ctx = poll_context(rules, tmp_path / "state", store_url)

        def poll() -> None:
            poll_once(ctx)

        yield feeds, ctx.store, poll, feeds.url("/tech.xml")
        ctx.store.close()


def alert_kinds(store: Store) -> list[str]:
    return sorted(row[0] for row in store._db.execute("SELECT kind FROM alerts"))


SEED = Item(SEED_TITLE, SEED_SUMMARY, link="https://news.example/seed", published=minutes_ago(5))
OTHER = Item("Council meets on Tuesday", "Agenda.", link="https://news.example/council", published=minutes_ago(5))
LETTER = Item("Google staff sign a letter against the drone contract", "Workers protest.",
              link="https://news.example/letter", published=minutes_ago(1))


def test_a_poll_reads_the_new_item_and_the_edited_one_and_cuts_the_rest(
    poller: tuple[FeedServer, Store, Callable[[], None], str],
) -> None:
    feeds, store, poll, url = poller
    feeds.set_feed("/tech.xml", rss([SEED, OTHER]))
    poll()
    assert alert_kinds(store) == ["new"]
    assert sorted(store.known_raw(url).values()) == sorted([SEED.link, SEED.link, OTHER.link, OTHER.link])
    known = store.known_raw(url)
    edited = Item(SEED.title, SEED.summary.replace("letter", "lettre"), link=SEED.link, published=SEED.published)
    body = rss([LETTER, edited, OTHER])
    parsed = parse_feed(body, feed_url=url, source="x", known=known)
    assert [s.title for s in parsed.stories] == [LETTER.title, SEED.title] and parsed.unchanged == {OTHER.link}
    feeds.set_feed("/tech.xml", body)
    poll()
    assert alert_kinds(store) == ["new", "new", "update"]  # the letter alerts; the edit gets its "Updated:" note
    assert {s.summary for s in store.stored_stories()} >= {edited.summary}
    assert len(store.known_raw(url)) == 6  # two digests for each of the three stories


def test_stories_stored_with_the_older_digest_are_recognised_and_given_the_new_one(
    poller: tuple[FeedServer, Store, Callable[[], None], str],
) -> None:
    feeds, store, poll, url = poller
    feeds.set_feed("/tech.xml", rss([SEED, OTHER]))
    poll()
    # what an earlier version stored: the fields' digest only
    with store.transaction() as db:
        for key, raw in list(db.execute("SELECT key, raw_hash FROM stories")):
            db.execute("UPDATE stories SET raw_hash = ? WHERE key = ?", (raw.split()[0], key))
    assert len(store.known_raw(url)) == 2
    edited = Item(SEED.title + " again", SEED.summary, link=SEED.link, published=SEED.published)
    feeds.set_feed("/tech.xml", rss([LETTER, edited, OTHER]))
    poll()
    assert alert_kinds(store) == ["new", "new", "update"]  # no duplicate alert, the edit not lost
    assert len(store.known_raw(url)) == 6  # the unchanged story got its bytes' digest too
    parsed = parse_feed(rss([LETTER, edited, OTHER]), feed_url=url, source="x", known=store.known_raw(url),
                        headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    assert parsed.stories == () and len(parsed.unchanged) == 3 and not parsed.renewed
