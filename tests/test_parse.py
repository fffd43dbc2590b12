"""parse_feed and its helpers: golden feeds, keys, links, plain text, errors, the XML entity
guard, and Hypothesis invariants (parse_feed only ever returns a ParsedFeed or raises
FeedParseError). Golden files are regenerated with ``UPDATE_GOLDEN=1``."""

from __future__ import annotations

import codecs
import gzip
import http.server
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import FeedParseError
from bot.core.models import Story
from bot.parse.feed import ParsedFeed, canonical_link, parse_feed, story_key, to_plain_text

DATA = Path(__file__).resolve().parent / "data"
FEED_FILES = sorted((DATA / "feeds").iterdir())
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"  # bidi controls
)


def parse(
    body: bytes, headers: dict[str, str] | None = None, url: str = "https://feeds.example.test/feed"
) -> ParsedFeed:
    return parse_feed(body, feed_url=url, source="Test", headers=headers)


def rss(
    items: str, extra_channel: str = "", prolog: str = '<?xml version="1.0" encoding="utf-8"?>'
) -> bytes:
    return (
        f'{prolog}\n<rss version="2.0"><channel><title>T</title><link>https://site.example/</link>'
        f"<description>d</description>{extra_channel}{items}</channel></rss>"
    ).encode()


def story_record(story: Story) -> dict[str, Any]:
    return {
        "key": story.key,
        "link": story.link,
        "title": story.title,
        "summary": story.summary,
        "body": story.body,
        "published": story.published.isoformat() if story.published else None,
    }


# --- golden feeds -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_golden_feed(path: Path) -> None:
    media = "application/feed+json" if path.suffix == ".json" else "application/xml"
    url = f"https://feeds.example.test/{path.name}"
    parsed = parse_feed(
        path.read_bytes(), feed_url=url, source="Golden", headers={"Content-Type": media}
    )
    assert all(s.source == "Golden" and s.feed_url == url for s in parsed.stories)
    actual = {
        "title": parsed.title,
        "ttl_seconds": parsed.ttl_seconds,
        "warnings": list(parsed.warnings),
        "stories": [story_record(s) for s in parsed.stories],
    }
    golden = DATA / "golden" / f"{path.stem}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.exists(), f"no golden file for {path.name}: run with UPDATE_GOLDEN=1"
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


def test_every_golden_file_has_a_feed() -> None:
    feeds = {p.stem for p in FEED_FILES}
    assert {p.stem for p in (DATA / "golden").glob("*.json")} == feeds


# --- keys and links ---------------------------------------------------------------------------


def test_key_is_the_guid_then_the_canonical_link_then_a_title_hash() -> None:
    parsed = parse(
        rss(
            "<item><title>A</title><guid isPermaLink='false'>feed-42</guid>"
            "<link>https://site.example/a</link></item>"
            "<item><title>B</title><link>https://Site.example/b?utm_source=x#top</link></item>"
            "<item><title>  Only   A Title </title></item>"
        )
    )
    keys = [s.key for s in parsed.stories]
    assert keys[0] == "feed-42"
    assert keys[1] == "https://site.example/b"
    assert keys[2].startswith("sha1:")
    assert keys[2] == story_key(None, None, "only a title")


def test_same_feed_parsed_twice_gives_the_same_keys() -> None:
    body = (DATA / "feeds" / "rss2_without_guid.xml").read_bytes()
    first = [s.key for s in parse(body).stories]
    assert first == [s.key for s in parse(body).stories]
    assert first[0] == "https://ledger.example.com/tech/plate-reader-removed"  # keyed by link


def test_links_that_differ_only_in_tracking_give_one_key() -> None:
    parsed = parse((DATA / "feeds" / "tracking_links.xml").read_bytes())
    assert parsed.stories[1].key == parsed.stories[2].key
    assert parsed.stories[1].link == "https://relay.example.com/story/kiosk-audit?a=1&b=2&page=2"


def test_story_key_ignores_case_and_spacing_of_titles_and_hashes_long_guids() -> None:
    assert story_key(None, "", "Police  buy\tdrones") == story_key(None, None, "police buy drones")
    assert story_key(None, None, "police buy drones") != story_key(None, None, "police buy cameras")
    assert story_key("  g-1 ", "https://x.example/", "t") == "g-1"
    long_key = story_key("x" * 5000, None, "t")
    assert long_key.startswith("guid-sha1:") and len(long_key) < 100


CANONICAL = [
    ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
    ("HTTPS://News.Example.COM/Path/Case?q=1#section", "https://news.example.com/Path/Case?q=1"),
    ("https://example.com:443/x", "https://example.com/x"),
    ("http://example.com:80/x", "http://example.com/x"),
    ("http://example.com:8080/x", "http://example.com:8080/x"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/?b=2&a=1&c=3", "https://example.com/?a=1&b=2&c=3"),
    ("https://example.com/?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&igshid=5", "https://example.com/"),
    (
        "https://example.com/?ref_src=twsrc&_hsenc=p2&UTM_Campaign=z&keep=1",
        "https://example.com/?keep=1",
    ),
    ("https://example.com/s?q=a%20b&q=c+d", "https://example.com/s?q=a%20b&q=c+d"),
    ("https://example.com/?tag=b&tag=a", "https://example.com/?tag=b&tag=a"),
    ("https://example.com/?a=1&&b=2&", "https://example.com/?a=1&b=2"),
    ("  https://example.com/x  ", "https://example.com/x"),
    ("https://user@Example.com/x", "https://user@example.com/x"),
    ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
    ("https://example.com./x", "https://example.com/x"),
    ("https://[broken/x", "https://[broken/x"),
    ("not a url", "not a url"),
]


@pytest.mark.parametrize(("raw", "expected"), CANONICAL)
def test_canonical_link(raw: str, expected: str) -> None:
    assert canonical_link(raw) == expected
    assert canonical_link(expected) == expected  # canonical links are fixed points


def test_links_are_made_absolute_and_only_web_links_are_kept() -> None:
    parsed = parse(
        rss(
            "<item><title>rel</title><link>/news/1?utm_source=x</link></item>"
            "<item><title>js</title><link>javascript:alert(1)</link></item>"
            "<item><title>guid</title><guid>not-a-url-42</guid></item>"
        ),
        url="https://site.example/feeds/main.xml",
    )
    rel, js, guid = parsed.stories
    assert rel.link == "https://site.example/news/1"
    assert js.link is None
    assert guid.link is None and guid.key == "not-a-url-42"


# --- text -------------------------------------------------------------------------------------

PLAIN = [
    ("<p>Hello <b>world</b></p>", "Hello world"),
    ("<script>var x = '<p>no</p>';</script>kept", "kept"),
    ("<style>p { color: red }</style>kept", "kept"),
    ("AT&amp;T &lt;rocks&gt; &eacute;t&eacute; &#8220;q&#8221; &#x2014;", "AT&T <rocks> été “q” —"),
    ("one<br>two<p>three</p><li>four</li>", "one two three four"),
    ("<p>block</p>then text<div>and</div>more", "block then text and more"),
    ("in<b>line</b> stays joined", "inline stays joined"),
    ("  lots \n\t of   \u00a0 space  ", "lots of space"),
    ("zero\u200bwidth\u2060joined\ufeff", "zerowidthjoined"),
    ("\u202eevil\u202c \u2066iso\u2069 \u200emark\u200f", "evil iso mark"),
    ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
    ("<!-- hidden -->shown", "shown"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "expected"), PLAIN)
def test_to_plain_text(raw: str, expected: str) -> None:
    assert to_plain_text(raw) == expected


def test_text_fields_are_capped() -> None:
    words = " ".join(["surveillance"] * 6000)  # about 78,000 characters
    item = (
        f"<item><title>{words}</title><description>{words}</description>"
        f"<content:encoded>{words} end</content:encoded></item>"
    )
    body = rss(item).replace(
        b'<rss version="2.0">',
        b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    )
    story = parse(body).stories[0]
    assert 900 < len(story.title) <= 1_000
    assert 4_500 < len(story.summary) <= 5_000
    assert 19_000 < len(story.body) <= 20_000
    assert story.title.endswith("…")


def test_a_long_description_without_content_continues_in_the_body() -> None:
    text = " ".join(f"word{n}" for n in range(2000)) + " Palantir"
    story = parse(rss(f"<item><title>t</title><description>{text}</description></item>")).stories[0]
    assert len(story.summary) <= 5_000 and "Palantir" not in story.summary
    assert story.body.endswith("Palantir")


def test_untitled_item_is_headed_by_its_summary() -> None:
    story = parse(
        rss(
            "<item><description>Council votes to ban facial recognition in parks today"
            "</description></item>"
        )
    ).stories[0]
    assert story.title == "Council votes to ban facial recognition in parks today"


# --- dates and ttl ----------------------------------------------------------------------------


def test_dates_become_utc_and_broken_dates_become_none() -> None:
    parsed = parse((DATA / "feeds" / "broken_dates.xml").read_bytes())
    dates = [s.published for s in parsed.stories]
    assert dates[:3] == [None, None, None]
    assert dates[3] == datetime(2024, 1, 1, 16, 0, tzinfo=UTC)
    assert dates[4] == datetime(2024, 3, 16, 7, 59, 59, tzinfo=UTC)
    assert all(d is None or d.utcoffset() is not None for d in dates)


@pytest.mark.parametrize(
    ("ttl", "seconds"), [("60", 3600), (" 5 ", 300), ("soon", None), ("-1", None), ("0", None)]
)
def test_ttl_minutes_become_seconds(ttl: str, seconds: int | None) -> None:
    assert parse(rss("<item><title>x</title></item>", f"<ttl>{ttl}</ttl>")).ttl_seconds == seconds


# --- encodings --------------------------------------------------------------------------------


def test_charset_in_content_type_is_honoured() -> None:
    body = (
        rss("<item><title>Новости о слежке</title></item>", prolog="")
        .decode()
        .encode("windows-1251")
    )
    with_header = parse(body, {"Content-Type": "application/rss+xml; charset=windows-1251"})
    assert with_header.stories[0].title == "Новости о слежке"
    without_header = parse(body)
    assert without_header.stories[0].title != "Новости о слежке"
    assert any("decoded as" in w for w in without_header.warnings)


def test_utf16_with_bom_is_read() -> None:
    body = rss(
        "<item><title>Überwachung</title></item>", prolog='<?xml version="1.0" encoding="utf-16"?>'
    )
    parsed = parse(codecs.BOM_UTF16_LE + body.decode().encode("utf-16-le"))
    assert [s.title for s in parsed.stories] == ["Überwachung"]


# --- what is not a feed -----------------------------------------------------------------------

NOT_FEEDS = [
    (b"", {}, "empty"),
    (b"  \r\n\t ", {}, "empty"),
    (
        b"<!DOCTYPE html><html><head><title>Login</title></head><body><p>Sign in</body></html>",
        {},
        "HTML page",
    ),
    (b"<html><body>hello</body></html>", {"Content-Type": "text/html"}, "HTML page"),
    (b"just some words, no markup at all", {}, "not"),
    (b"<?xml version='1.0'?><catalog><book>x</book></catalog>", {}, "not an RSS or Atom"),
    (
        b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel>\n<title>x</titl>\n',
        {},
        "not well-formed XML: mismatched tag at line 4",
    ),
    (  # blank lines before the declaration are set aside, and the line is still the served one's
        b'\n\n<?xml version="1.0"?>\n<rss version="2.0">\n<channel>\n<title>x</titl>\n',
        {},
        "not well-formed XML: mismatched tag at line 6",
    ),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', {}, "JSON is malformed"),
    (b'{"title": "a JSON object but no feed"}', {}, "not a JSON Feed"),
    (b"[1, 2, 3]", {"Content-Type": "application/json"}, "not a JSON Feed"),
    (b"[" * 100_000, {"Content-Type": "application/json"}, "JSON"),
    (gzip.compress(b"<rss version='2.0'><channel></channel></rss>"), {}, "gzip"),
]


@pytest.mark.parametrize(("body", "headers", "words"), NOT_FEEDS)
def test_documents_that_are_not_feeds_raise_with_plain_words(
    body: bytes, headers: dict[str, str], words: str
) -> None:
    with pytest.raises(FeedParseError) as raised:
        parse(body, headers)
    assert words in str(raised.value)


def test_broken_xml_keeps_recovered_items_with_a_warning() -> None:
    body = rss("<item><title>first</title></item><item><title>second &nbsp; one</title></item>")
    parsed = parse(body.replace(b"</channel></rss>", b""))
    assert [s.title for s in parsed.stories] == ["first", "second one"]
    assert any("not well-formed XML" in w for w in parsed.warnings)


def test_a_valid_empty_feed_is_not_an_error() -> None:
    parsed = parse(rss(""))
    assert parsed.stories == () and parsed.title == "T"


def test_body_naming_a_local_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(rss("<item><title>secret local file</title></item>"))
    with pytest.raises(FeedParseError):
        parse(str(secret).encode())


# --- JSON Feed --------------------------------------------------------------------------------


def test_json_feed_items_that_are_not_objects_are_skipped_with_a_warning() -> None:
    parsed = parse((DATA / "feeds" / "jsonfeed_1_1.json").read_bytes())
    assert len(parsed.stories) == 3
    assert parsed.warnings == ("item 3 is not a JSON object; skipped",)


def test_json_feed_is_detected_by_content_type_or_by_version() -> None:
    doc = {
        "version": "http://jsonfeed.org/version/1",
        "items": [{"id": "1", "title": "t", "content_text": "c"}],
    }
    body = b"\xef\xbb\xbf \n" + json.dumps(doc).encode()
    for headers in ({}, {"Content-Type": "application/feed+json"}, {"Content-Type": "text/plain"}):
        assert [s.key for s in parse(body, headers).stories] == ["1"]


def test_json_feed_in_utf16_is_read() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"id": "ü", "title": "Überwachung"}],
    }
    assert parse(json.dumps(doc).encode("utf-16")).stories[0].title == "Überwachung"


# --- the XML entity guard ---------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n'
        for n in range(1, 10)
    )
    + "]>\n"
    '<rss version="2.0"><channel><title>&lol9;</title><item><title>t &lol9;</title>'
    "<description>d &lol9;</description></item></channel></rss>"
)
ONE_ENTITY_MANY_TIMES = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "' + "EXPANDED" * 64 + '">]>\n'
    '<rss version="2.0"><channel><title>t</title><item><title>many</title><description>'
    + "&big;" * 100_000
    + "</description></item></channel></rss>"
)


def total_text(parsed: ParsedFeed) -> int:
    return sum(len(s.title) + len(s.summary) + len(s.body) for s in parsed.stories)


def timed_parse(body: bytes, headers: dict[str, str] | None = None) -> ParsedFeed:
    started = time.monotonic()
    parsed = parse(body, headers)
    assert time.monotonic() - started < 5, "entity expansion must not cost seconds"
    return parsed


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_nested_entities_are_never_expanded(encoding: str) -> None:
    text = LAUGHS.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    parsed = timed_parse(text.encode(encoding))
    assert len(parsed.stories) == 1
    assert total_text(parsed) < 1_000
    assert "lollol" not in parsed.stories[0].summary + parsed.stories[0].title
    assert any("DTD" in w for w in parsed.warnings)


@pytest.mark.parametrize("broken", [False, True], ids=["well-formed", "needs-lenient-parser"])
def test_one_entity_referenced_100000_times_is_never_expanded(broken: bool) -> None:
    body = ONE_ENTITY_MANY_TIMES.encode()
    if broken:
        body = body.replace(b"</channel>", b"</chanel>")
    parsed = timed_parse(body)
    assert len(parsed.stories) == 1
    assert "EXPANDED" not in parsed.stories[0].summary + parsed.stories[0].body
    assert total_text(parsed) <= 30_000


def test_declarations_hidden_behind_a_comment_are_still_removed() -> None:
    body = ONE_ENTITY_MANY_TIMES.replace("<!DOCTYPE", "<!-- <a> --><!DOCTYPE", 1).encode()
    assert "EXPANDED" not in timed_parse(body).stories[0].summary


def test_subset_with_brackets_in_strings_and_comments_is_removed_whole() -> None:
    prolog = (
        '<?xml version="1.0"?>\n'
        "<!DOCTYPE rss [ <!-- ] > --> <!ENTITY a \"]>x\"> <!ENTITY b '<i>]'> ]>"
    )
    parsed = timed_parse(rss("<item><title>kept &a;</title></item>", prolog=prolog))
    assert parsed.stories[0].title.startswith("kept")
    assert "]>x" not in parsed.stories[0].title


def test_a_doctype_without_internal_subset_is_left_alone() -> None:
    prolog = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    parsed = parse(rss("<item><title>old school</title></item>", prolog=prolog))
    assert [s.title for s in parsed.stories] == ["old school"]
    assert parsed.warnings == ()


@pytest.mark.parametrize(
    "body",
    [
        # <!DOCTYPE rss [<!ENTITY a "x">]><rss/> with its markup spelled in UTF-7
        b'<?xml version="1.0" encoding="utf-7"?>'
        b"+ADw-!DOCTYPE rss +AFs-+ADw-!ENTITY a +ACI-x+ACI-+AD4-+AF0-+AD4-+ADw-rss/+AD4-",
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [ <!ENTITY a "never closed',
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [ <!ENTITY a "x"> <rss version="2.0"></rss>',
    ],
    ids=["utf-7", "unterminated-string", "unterminated-subset"],
)
def test_entity_declarations_that_cannot_be_removed_safely_are_refused(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse(body)


@pytest.fixture
def request_log() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every path requested of it."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            payload = b'<!ENTITY leak "FETCHED-FROM-NETWORK">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_external_entities_are_never_fetched_or_read(
    tmp_path: Path, request_log: tuple[str, list[str]]
) -> None:
    base, seen = request_log
    secret = tmp_path / "secret.txt"
    secret.write_text("LOCAL-SECRET")
    prologs = [
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>',
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{base}/entity">]>',
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{base}/dtd"> %ext;]>',
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{base}/external-subset.dtd">',
    ]
    for prolog in prologs:
        parsed = parse(rss("<item><title>t &xxe; &leak;</title></item>", prolog=prolog))
        text = " ".join(s.title + s.summary for s in parsed.stories)
        assert "LOCAL-SECRET" not in text and "FETCHED-FROM-NETWORK" not in text
    assert seen == []


# --- invariants (Hypothesis) ------------------------------------------------------------------


def check_invariants(body: bytes, headers: dict[str, str] | None = None) -> None:
    try:
        parsed = parse(body, headers)
    except FeedParseError as exc:
        assert str(exc).strip()
        return
    assert isinstance(parsed, ParsedFeed)
    for story in parsed.stories:
        assert story.key
        assert (
            len(story.title) <= 1_000 and len(story.summary) <= 5_000 and len(story.body) <= 20_000
        )
        assert not any(ch in INVISIBLE for ch in story.title + story.summary)
        assert story.published is None or story.published.utcoffset() is not None
        assert story.link is None or story.link.startswith(("http://", "https://"))


SEEDS = [p.read_bytes() for p in FEED_FILES]
FRAGMENTS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"]]>",
    b"<![CDATA[",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"&a;",
    b"</item>",
    b"<item>",
    b'"',
    b"{",
    b"\xc3",
]


@st.composite
def mutated_feeds(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        if action == "flip" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif action == "truncate":
            del data[pos:]
        elif action == "insert":
            data[pos:pos] = draw(st.sampled_from(FRAGMENTS) | st.binary(max_size=8))
        else:
            del data[pos : pos + draw(st.integers(1, 40))]
    return bytes(data)


HEADERS = st.sampled_from(
    [
        None,
        {"Content-Type": "application/rss+xml"},
        {"Content-Type": "text/xml; charset=utf-16"},
        {"Content-Type": "application/feed+json"},
        {"content-type": "text/html; charset=koi8-r"},
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000), HEADERS)
def test_random_bytes_only_give_a_feed_or_a_parse_error(
    body: bytes, headers: dict[str, str] | None
) -> None:
    check_invariants(body, headers)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_feeds(), HEADERS)
def test_mutated_feeds_only_give_a_feed_or_a_parse_error(
    body: bytes, headers: dict[str, str] | None
) -> None:
    check_invariants(body, headers)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_plain_text_has_no_invisible_characters_or_runs_of_space(text: str) -> None:
    plain = to_plain_text(text)
    assert not any(ch in INVISIBLE for ch in plain)
    assert "  " not in plain and plain == plain.strip()


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(
        r"https?://[A-Za-z0-9.-]{1,20}(:[0-9]{1,5})?(/[A-Za-z0-9._~%-]{0,10}){0,3}(\?[A-Za-z0-9_=&%+.-]{0,40})?(#[a-z]{0,5})?",
        fullmatch=True,
    )
)
def test_canonical_link_is_idempotent(url: str) -> None:
    once = canonical_link(url)
    assert canonical_link(once) == once
    assert "#" not in once
    names = [piece.split("=")[0].lower() for piece in urlsplit(once).query.split("&")]
    assert not any(name.startswith("utm_") for name in names)


LEADING = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>T</title>'
    b"<item><title>Police buy face scanners</title><link>https://news.example/1</link>"
    b"<description>&lt;p&gt;Council vote&lt;/p&gt;</description></item></channel></rss>"
)


@pytest.mark.parametrize("lead", [b"\n", b"\r\n\r\n", b"  \t\n ", b"\xef\xbb\xbf\n"])
def test_blank_lines_before_the_xml_declaration_read_as_a_well_formed_feed(lead: bytes) -> None:
    # Many templates print a newline before "<?xml": feedparser's strict parser refuses that, and
    # the lenient one read the same items under a warning that the feed was broken.
    bom = b"\xef\xbb\xbf" if lead.startswith(b"\xef\xbb\xbf") else b""
    plain = parse_feed(bom + LEADING, feed_url="https://news.example/rss", source="News")
    led = parse_feed(lead + LEADING, feed_url="https://news.example/rss", source="News")
    assert led.warnings == () == plain.warnings
    assert led.stories == plain.stories
    assert [s.summary for s in led.stories] == ["Council vote"]
