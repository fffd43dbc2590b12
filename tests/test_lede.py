"""The lede: which words of a story are its headline and opening sentences, the ``lede:`` scope
that reads only them, ``settings.match_lede`` that makes it the scope of every unscoped term,
and explanations that say when evidence lies past the lede."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import QuerySyntaxError
from bot.core.models import FIELDS, Rule, Story
from bot.review.explain import explain_text
from bot.rules.match import compile_rules, match_story
from bot.rules.query import make_document, parse_query
from bot.rules.words import LEDE_WORDS, lede_length, tokenize_field


def words(n: int, word: str = "word") -> str:
    return " ".join([word] * n)


def sentence(n: int, end: str = ".") -> str:
    """A sentence of ``n`` words that starts with a capital, as sentences do."""
    return ("Word " + words(n - 1)).strip() + end


# Sentences of 20 words each: two are the lede of a long field.
S20 = sentence(20)
LONG = " ".join([S20] * 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Police bought face-matching software.", 5),
        (words(LEDE_WORDS), LEDE_WORDS),  # a field within the budget is all lede
        (" ".join([sentence(10)] * 6), LEDE_WORDS),  # ... however many sentences it has
        (words(LEDE_WORDS + 1), LEDE_WORDS),  # one run-on "sentence" (link lists): the budget
        (LONG, 40),  # a longer field: its first two sentences
        (sentence(30) + " " + sentence(40) + " " + sentence(10), 30),  # the second would overflow
        (sentence(30, "!") + " " + sentence(20, "?") + " " + sentence(40), 50),
        (sentence(30, ".”") + " " + sentence(20, ".)") + " " + sentence(40), 50),  # closing quotes
        (sentence(30, "。") + " " + sentence(40), 30),  # full-width stop
        # No sentence end: decimals, domains, a lower-case word next, abbreviations, initials.
        (words(20) + " 3.5 billion example.com. and " + words(50), LEDE_WORDS),
        (words(20) + " said Mr. Gates of Alphabet Inc. And J. Smith " + words(50), LEDE_WORDS),
        (words(20) + " in the U.S. Officials " + words(50), LEDE_WORDS),  # "U.S." reads as initials
    ],
)
def test_lede_length(text: str, expected: int) -> None:
    assert lede_length(tokenize_field("summary", text)) == expected


def test_the_lede_is_the_title_and_the_opening_of_the_summary_else_of_the_body() -> None:
    doc = make_document("Headline here", LONG, LONG)
    assert doc.lede_ends == (2, 40, 0)  # a summary exists: the body is past the lede
    doc = make_document("Headline here", "", LONG)
    assert doc.lede_ends == (2, 0, 40)  # a feed that carries only the article
    assert make_document("", "", "").lede_ends == (0, 0, 0)
    assert make_document("t", "a b. c").lede_end_char(1) == len("a b. c")


DEEP = LONG + " Police bought facial recognition."  # the terms sit past the lede


@pytest.mark.parametrize(
    ("query", "title", "summary", "body", "expected"),
    [
        ("lede:police", "Police buy cameras", "", "", True),
        ("lede:police", "News", "Police bought it.", "", True),
        ("lede:police", "News", DEEP, "", False),
        ("summary:police", "News", DEEP, "", True),  # an explicit field reaches all of it
        ("police", "News", DEEP, "", True),  # unscoped terms too, unless match_lede is on
        ("lede:police", "News", "", "Police bought it. " + LONG, True),  # body lede, no summary
        ("lede:police", "News", "Short teaser.", "Police bought it.", False),
        ('lede:"facial recognition"', "x", words(59) + " facial recognition", "", False),  # half in
        ('lede:"facial recognition"', "x", words(58) + " facial recognition", "", True),
        ('lede:"facial recognition"', "x", words(58) + " facial recognition. " + LONG, "", True),
        ("lede:(police AND facial)", "Police", DEEP, "", False),
        ("lede:police AND summary:facial", "Police", DEEP, "", True),
        ("title:lede:police", "Police", "", "", True),  # the whole title is lede
        ("lede:title:police", "News", "Police.", "", False),
        ("lede:summary:police", "Police", "x", "", False),
        ("lede:summary:police", "x", "Police did it.", "", True),
        ("lede:@cops", "x", "Police did it.", "", True),
        ("lede:@cops", "x", DEEP, "", False),
        ("lede:(police NEAR/2 facial)", "x", "Police bought facial recognition.", "", True),
        ("NOT lede:police", "x", DEEP, "", True),
    ],
)
def test_lede_scope(query: str, title: str, summary: str, body: str, expected: bool) -> None:
    result = parse_query(query, {"cops": ["police"]}).evaluate(make_document(title, summary, body))
    assert result.matched is expected


def test_match_lede_makes_unscoped_terms_read_the_lede_only() -> None:
    lists = {"cops": ["police", '"law enforcement"']}
    deep = make_document("Quarterly results", DEEP)
    early = make_document("Quarterly results", "Police bought facial recognition. " + LONG)
    for source in ("police AND facial", "@cops NEAR/3 facial", '"facial recognition"'):
        assert parse_query(source, lists).evaluate(deep).matched  # today's default
        assert not parse_query(source, lists, lede=True).evaluate(deep).matched
        assert parse_query(source, lists, lede=True).evaluate(early).matched
    # summary: and body: still reach the whole field; lede: is the same as unscoped then.
    assert parse_query("summary:police AND facial", lists, lede=True).evaluate(make_document("facial", DEEP)).matched
    assert not parse_query("lede:police", lists, lede=True).evaluate(deep).matched
    # match_lede outranks fields=(title, summary): the body's lede counts when no summary.
    body_only = make_document("x", "", "Police bought facial recognition.")
    assert parse_query("police", lists, fields=("title", "summary"), lede=True).evaluate(body_only).matched
    assert not parse_query("police", lists, fields=("title", "summary")).evaluate(body_only).matched


@pytest.mark.parametrize(
    ("query", "fragment"),
    [("lede:", "must be followed by a term"), ("lede: police", "must be followed by a term"), ("lead:x", "lede:")],
)
def test_lede_syntax_errors(query: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse_query(query, {})
    assert fragment in str(err.value) + err.value.expected


def test_lede_explanation_names_the_scope() -> None:
    result = parse_query("lede:police AND summary:facial", {}).evaluate(make_document("Police", DEEP))
    assert result.explanation.startswith("lede:police✓ AND summary:facial✓")


# Words, sentence ends and oddities, joined without separators so that words also fuse; plus
# arbitrary text.
TEXT = st.one_of(
    st.lists(
        st.sampled_from(
            ["police", "facial", "ICE", "x", ".", ". ", "!", "? ", "\n", " ", "é", "\u0301", "\x00", "’s", "3.5", "”"]
        ),
        max_size=200,
    ).map("".join),
    st.text(max_size=80),
)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT, TEXT)
def test_lede_scope_never_raises_and_every_hit_is_inside_the_lede(title: str, summary: str, body: str) -> None:
    doc = make_document(title, summary, body)
    texts = dict(zip(FIELDS, (title, summary, body), strict=True))
    ends = {name: doc.lede_end_char(i) for i, name in enumerate(FIELDS)}
    cases = (("police OR {ICE} OR facial NEAR/3 police", True), ("lede:(police OR x) AND NOT facial", False))
    for source, lede in cases:
        result = parse_query(source, {}, lede=lede).evaluate(doc)
        assert result.matched or not result.hits
        for hit in result.hits:
            assert texts[hit.span.field][hit.span.start : hit.span.end] == hit.text
            assert hit.span.end <= ends[hit.span.field]
    for i, n in enumerate(doc.lede_ends):
        assert 0 <= n <= len(doc.fields[i].keys)


RULES = [
    Rule(id="face-police", category="facial-recognition", query='"facial recognition" AND police'),
    Rule(id="face-anywhere", category="facial-recognition", query='summary:"facial recognition"'),
]


def test_the_matcher_with_match_lede_alerts_on_the_lede_only() -> None:
    ruleset = compile_rules(RULES, {}, "#alerts", match_body=False, match_lede=True)
    deep = Story(key="1", feed_url="f", source="s", title="Weekly links", summary=DEEP)
    assert [m.rule_id for m in match_story(ruleset, deep)] == ["face-anywhere"]
    early = Story(key="2", feed_url="f", source="s", title="Police", summary="They bought facial recognition. " + LONG)
    assert [m.rule_id for m in match_story(ruleset, early)] == ["face-police", "face-anywhere"]


def test_explanation_says_where_the_lede_ends_and_which_evidence_lies_past_it() -> None:
    ruleset = compile_rules(RULES, {}, "#alerts", match_body=False, match_lede=True)
    story = Story(key="1", feed_url="f", source="s", title="Police", summary=DEEP)
    text = explain_text(ruleset, [story])
    end = make_document("Police", DEEP).lede_end_char(1)
    assert f"lede: the title and summary 0-{end} (of {len(DEEP)} characters)" in text
    start = DEEP.index("facial")
    assert f"“facial recognition” (summary {start}-{start + 18}, past the lede)" in text
    assert "no       face-police" in text
    short = Story(key="2", feed_url="f", source="s", title="Police buy facial recognition", summary="Short.")
    text = explain_text(ruleset, [short])
    assert "lede:" not in text and "past the lede" not in text
    assert "(title 11-29)" in text


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_sentence_numbers_follow_the_sentence_ends(text: str) -> None:
    """``FieldTokens.sentences`` (built from the stops only) numbers words exactly as checking
    every gap between words would."""
    from bot.rules.words import _sentence_ends_after

    toks = tokenize_field("summary", text)
    expected, n = [], 0
    for i in range(len(toks.keys)):
        expected.append(n)
        if i + 1 < len(toks.keys) and _sentence_ends_after(toks, i):
            n += 1
    assert list(toks.sentences) == expected


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT, TEXT)
def test_the_matcher_with_match_lede_never_raises_on_any_text(title: str, summary: str, body: str) -> None:
    rules = [
        *RULES,
        Rule(id="near", category="c", query="(police OR {ICE}) NEAR/3 (facial OR x) AND NOT lede:body:x"),
        Rule(id="body", category="c", query="body:police OR lede:(x x)", exclude="title:facial"),
    ]
    ruleset = compile_rules(rules, {}, "#alerts", match_body=False, match_lede=True)
    story = Story(key="k", feed_url="f", source="s", title=title, summary=summary, body=body)
    texts = {"title": title, "summary": summary, "body": body}
    for match in match_story(ruleset, story):
        for hit in match.hits:
            assert texts[hit.span.field][hit.span.start : hit.span.end] == hit.text
    assert explain_text(ruleset, [story])
