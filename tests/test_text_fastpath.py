"""The regular-expression reading of simple feed HTML gives exactly BeautifulSoup's text.

``to_plain_text`` reads simple, well-nested markup with one regular expression and hands
everything else to BeautifulSoup. The shortcut is only allowed to exist if it never changes the
answer, so these tests compare the two on generated markup (Hypothesis), on every HTML field of
the shared feed corpus, and on a table of the cases it must refuse.
"""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.core.text import clean_text
from bot.parse.plaintext import _simple_markup_text, _soup_text, to_plain_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "feeds"

TEXT = st.sampled_from(
    [
        "word", "two words", " ", "\n", "\t", "AT&amp;T", "&lt;b&gt;", "&copy;", "&#169;", "&#x27;",
        "&bogus;", "&amp", "a & b", "x < y", "a > b", "&nbsp;", "caf\u00e9", "\u200b", "Ã©",
        "&#0;", "&#x110000;", "'quote'", '"double"', "=", "/", "-->", "]]>",
    ]
)
# Text whose references the shortcut reads (it declines "&bogus;", "&amp" without ";", "&#0;"...).
PLAIN_TEXT = TEXT.filter(lambda t: t not in ("&bogus;", "&amp", "&#0;", "&#x110000;", "x < y"))
NAMES = st.sampled_from(
    ["p", "div", "a", "b", "i", "em", "span", "br", "hr", "img", "li", "ul", "h2", "td", "tr",
     "blockquote", "pre", "P", "DIV", "Br", "script", "style", "title", "head", "rt", "rp",
     "template", "textarea", "unknown", "x-y", "svg", "math", "center", "iframe", "input",
     "html", "body", "col", "colgroup", "SCRIPT", "noscript", "xmp", "meta", "path", "table"]
)
ATTRIBUTES = st.sampled_from(
    ["", ' href="https://example.com/a?b=1&amp;c=2"', " class=x", " alt='it&#39;s'", ' title="a>b"',
     ' title="a<b"', " disabled", ' data-x = "1"', " a=`b`", ' href="x"y', " /", "  "]
)


@st.composite
def tags(draw: st.DrawFn) -> str:
    name = draw(NAMES)
    shape = draw(st.sampled_from(["open", "close", "self", "comment", "decl", "stray", "raw"]))
    if shape == "open":
        return f"<{name}{draw(ATTRIBUTES)}>"
    if shape == "close":
        return f"</{name}>"
    if shape == "raw":
        return f"<{name}>{draw(st.sampled_from(['x = 1;', 'a && b', '', 'p{}', 'a < b', '</b>']))}</{name}>"
    if shape == "self":
        return f"<{name}{draw(ATTRIBUTES)}/>"
    if shape == "comment":
        return "<!-- a comment -->"
    if shape == "decl":
        return draw(st.sampled_from(["<!DOCTYPE html>", "<![CDATA[x]]>", "<?php echo 1; ?>"]))
    return draw(st.sampled_from(["<", "< p>", "<1>", "</>", "<p", "<a href='x'", "<!-- a -- b -->", "<!-->",
                                 "<!--->", "<iframe>x</iframe>", "<!-- open"]))


@st.composite
def balanced(draw: st.DrawFn, depth: int = 0) -> str:
    """Properly nested simple markup: the kind the shortcut must accept."""
    pieces: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            name = draw(st.sampled_from(["p", "div", "a", "b", "em", "li", "span", "h3", "td", "svg", "center"]))
            inner = draw(balanced(depth + 1))
            # the end tag may be left out, to be closed by the end tag of an element around it
            end = draw(st.sampled_from([f"</{name}>", f"</{name}>", ""])) if depth else f"</{name}>"
            pieces.append(f"<{name}{draw(ATTRIBUTES.filter(_attribute_is_clean))}>{inner}{end}")
        elif draw(st.booleans()):
            pieces.append(draw(st.sampled_from(
                ["<br>", "<br/>", "<br />", "<hr>", '<img src="i.png">', "</br>", '<img src="i.png"></img>',
                 "<!-- a comment -->", "<!---->", "<!-- <p>not markup</p> -->", '<iframe src="v"></iframe>',
                 "<script>var a = 1;</script>", "<style>b {}</style>", '<path d="M0"/>', "<col>"]
            )))
        else:
            pieces.append(draw(PLAIN_TEXT))
    return "".join(pieces)


def _attribute_is_clean(attribute: str) -> bool:
    return not re.search(r"""["'][^"']*[<>]""", attribute) and attribute not in (' href="x"y', " /", " a=`b`")


def _agree(markup: str) -> bool | None:
    """None when the shortcut declined, else whether it agreed with BeautifulSoup."""
    fast = _simple_markup_text(markup)
    if fast is None:
        return None
    return clean_text(fast) == clean_text(_soup_text(markup))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TEXT, tags()), max_size=14))
def test_any_markup_the_shortcut_reads_matches_beautifulsoup(pieces: list[str]) -> None:
    markup = "".join(pieces)
    assert _agree(markup) in (None, True), markup


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced())
def test_well_nested_simple_markup_takes_the_shortcut_and_matches(markup: str) -> None:
    assert _agree(markup) is True, markup


@pytest.mark.parametrize(
    "markup",
    [
        "<p>a <script>var x = '<b>';</script> b</p>",  # script text is dropped by BeautifulSoup
        "<style>p { color: red; content: '<' }</style>text",  # a "<" in raw text: parsers differ
        "<script/>a</script>b",
        "<textarea>a <b>b</b></textarea>",  # raw text (RCDATA) in newer Pythons
        "<noscript><p>a</p></noscript>",
        "<ruby>漢<rt>kan</rt></ruby>",  # ruby text is not text to BeautifulSoup
        "x < y <b>bold</b>",  # a stray "<"
        '<a title="a>b">link</a>',  # ">" inside a quoted attribute
        "<title>t <b>x</b></title>body",
        "<p>cut off <a hre",
        "a <!-- one -- two --> b",  # "--" inside a comment: parsers disagree on where it ends
        "<iframe>inner <b>text</b></iframe>",  # some Pythons read an iframe's content as raw text
        "a <!-- never closed",
    ],
)
def test_the_shortcut_declines_what_beautifulsoup_reads_differently(markup: str) -> None:
    assert _simple_markup_text(markup) is None
    assert to_plain_text(markup) == clean_text(_soup_text(markup))


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<p>Police use <a href="https://x.example/?a=1&amp;b=2">face matching</a>.</p><p>More.</p>',
         "Police use face matching. More."),
        ("AT&amp;T<br/>contract", "AT&T contract"),
        ("<b>ICE</b>&nbsp;deal", "ICE\u00a0deal"),
        ("<P>Upper<BR>case</P>", "Upper case"),
        ("<ul><li>one</li><li>two</li></ul>", "one two"),
        ("face<!-- tracking pixel -->matching", "facematching"),
        ('<p>Photo <img src="a.jpg"></img>caption</p>', "Photo caption"),
        ("line one</br>line two<br>three", "line oneline two three"),
        ('watch <iframe src="https://v.example/1" allowfullscreen></iframe>now', "watch now"),
        ("<style>p { color: red }</style>text", "text"),
        ('a<script type="text/javascript">var x = 1 && y;</SCRIPT>b', "ab"),
        ("<span><div>a</span>b", "a b"),  # BeautifulSoup closes the div at </span>
        ("a</p>b", "ab"),  # an end tag with nothing to close: BeautifulSoup ignores it
        ("<div>a</div></p>b", "a b"),
        ("<div><b>a</div>b</b>", "a b"),  # the </div> closed the b: the </b> changes nothing
        ("<html><head></head><body><p>Hi</p></body></html>", "Hi"),
        ("<title>t</title>body", "body"),
        ("<p>one<ul><li>two</ul></p>three", "one two three"),
        ('<svg viewBox="0 0 1 1"><path d="M0 0"/><g><circle r="1"></circle></g></svg>Caption', "Caption"),
        ("<html><body><center>Centred</center> text</body></html>", "Centred text"),
        ("<table><colgroup><col><col></colgroup><caption>Cap</caption><tr><td>1</td></tr></table>", "Cap 1"),
        ("<picture><source srcset=a.webp><img src=a.png></picture>Photo", "Photo"),
    ],
)
def test_simple_markup_reads_as_expected(markup: str, expected: str) -> None:
    assert _simple_markup_text(markup) is not None
    assert to_plain_text(markup) == clean_text(expected)


def _corpus_html_fields() -> list[str]:
    fields: list[str] = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.suffix not in (".xml", ".rss", ".atom", ".rdf"):
            continue
        result = feedparser.parse(path.read_bytes(), sanitize_html=False, resolve_relative_uris=False)
        for entry in result.entries:
            fields.extend(part.get("value", "") for part in entry.get("content") or ())
            fields.append(entry.get("summary", ""))
            fields.append(entry.get("title", ""))
    return [field for field in fields if "<" in field or "&" in field]


def test_every_html_field_of_the_feed_corpus_reads_the_same() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/feeds is not present")
    fields = _corpus_html_fields()
    assert len(fields) > 500, "the corpus should hold many HTML fields"
    taken = 0
    for field in fields:
        verdict = _agree(field)
        assert verdict in (None, True), field[:300]
        taken += verdict is True
    # The shortcut is worth having only if it reads a good share of real feed HTML.
    assert taken > len(fields) * 0.3, f"the shortcut read only {taken} of {len(fields)} fields"


def test_every_html4_entity_and_ordinary_reference_reads_the_same() -> None:
    import html.entities

    references = [f"&{name};" for name in html.entities.name2codepoint]
    references += [f"&#{n};" for n in (*range(32, 127), 160, 233, 8212, 0xD7FF, 0xE000, 0xFFFD)]
    references += [f"&#x{n:x};" for n in (65, 0xA0, 0x2014)] + [f"&#X{n:X};" for n in (66, 0x2019)]
    for reference in references:
        assert _agree(f"a{reference}b") is True, reference


def _whole_then_clipped(markup: str, limit: int) -> str:
    """What ``to_plain_text`` must give: the text of the (capped) markup, then clipped."""
    from bot.parse.plaintext import _MARKUP_PER_TEXT_CHAR, clip

    return clip(clean_text(_soup_text(markup[: limit * _MARKUP_PER_TEXT_CHAR])), limit)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TEXT, tags()), min_size=20, max_size=120), st.integers(min_value=5, max_value=60))
@example(["word", "word", '<p title="a<b">', *["word"] * 17], 10)  # a cut inside an attribute value
@example(["word", "<!-- a <b> comment", *["word"] * 30, "-->"], 10)
@example(["word", "<script>", *["x < y"] * 30, "</script>", "word"], 10)
def test_long_markup_read_in_part_gives_the_same_clipped_text(pieces: list[str], limit: int) -> None:
    """Long markup is read from its head when that gives enough text: never a different answer."""
    markup = "".join(pieces) * 3
    assert to_plain_text(markup, limit) == _whole_then_clipped(markup, limit)


def test_long_corpus_fields_read_in_part_give_the_same_clipped_text() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/feeds is not present")
    long_fields = [field for field in _corpus_html_fields() if len(field) > 2_000]
    assert len(long_fields) > 100
    for field in long_fields:
        for limit in (100, 500, len(field) // 8):
            assert to_plain_text(field, limit) == _whole_then_clipped(field, limit), field[:200]
