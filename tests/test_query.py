"""The rule language: what matches, what does not, where the evidence is, and how syntax errors
are reported."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import QuerySyntaxError
from bot.core.models import FIELDS
from bot.rules.query import make_document, parse_query

LISTS = {
    "immigration": ['"Immigration and Customs Enforcement"', "{ICE}", "CBP"],
    "big_tech": ["Amazon", "AWS", "Microsoft", "Google", "Palantir"],
    "staff": ["(employee* OR staff OR workers)"],
    "nested": ["@big_tech", "IBM"],
}


def matches(query: str, title: str, summary: str = "", body: str = "") -> bool:
    return parse_query(query, LISTS).evaluate(make_document(title, summary, body)).matched


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        # whole words, any case, possessives
        ("police", "Police used it", True),
        ("police", "POLICE STATE", True),
        ("police", "a policeman said", False),
        ("police", "the police's contract", True),
        ("police", "the police’s contract", True),
        ("amazon", "Amazon’s employees", True),
        ("amazon", "AMAZON'S EMPLOYEES", True),
        ("employees", "the employees’ letter", True),
        ("dont", "I don't know", True),
        ("don", "I don't know", False),
        # case-sensitive terms
        ("{ICE}", "contracts with ICE", True),
        ("{ICE}", "ICE's detention programs", True),
        ("{ICE}", "ice hockey", False),
        ("{ICE}", "Ice cream", False),
        ("{Rekog*}", "Amazon Rekognition", True),
        ("{Rekog*}", "rekognition", False),
        # wildcards
        ("protest*", "Workers protested on Monday", True),
        ("protest*", "a protest", True),
        ("protest*", "a pro-test result", False),
        ("employee*", "300 employees", True),
        # phrases across punctuation, hyphens and line breaks
        ('"facial recognition"', "facial-recognition software", True),
        ('"facial recognition"', "facial\nrecognition", True),
        ('"facial recognition"', "Facial — Recognition", True),
        ('"facial recognition"', "recognition of facial", False),
        ('"facial recognition"', "facial and recognition", False),
        ('"open lett*"', "an open letters campaign", True),
        ("“open letter”", "an open letter", True),
        ("facial-recognition", "facial recognition", True),
        # accents and compatibility forms
        ("societe", "La Société Générale", True),
        ("société", "la societe", True),
        ("société", "la socie\u0301te\u0301 anonyme", True),
        ("cafe", "un café", True),
        ("file", "ﬁle", True),
        ("strasse", "Hauptstraße", False),
        ("strasse", "Straße", True),
        # digits are words
        ("300", "signed by 300 employees", True),
        ("300", "signed by 3000 employees", False),
        # lower-case operator words are ordinary words
        ("law and order", "law and order", True),
        ("law and order", "order, law", False),
        ("cats or dogs", "cats", False),
    ],
)
def test_term_matching(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("employee* NEAR/5 letter", "a letter signed by 300 employees", True),
        ("employee* NEAR/5 letter", "employees signed a letter", True),
        (
            "employee* NEAR/5 letter",
            "employees of the firm, in a long and winding statement today that nobody read, "
            "sent a letter",
            False,
        ),
        ("letter NEAR/0 open", "open letter", True),
        ("letter NEAR/0 open", "open new letter", False),
        ("letter NEAR/1 open", "open new letter", True),
        ('"open letter" NEAR/3 employee*', "employees wrote an open letter", True),
        (
            "(employee* OR staff OR workers) NEAR/8 (letter OR petition)",
            "staff signed a petition",
            True,
        ),
        ("@staff NEAR/3 petition", "workers signed a petition", True),
        ("@immigration NEAR/3 contract*", "ICE contracts", True),
        ("@immigration NEAR/3 contract*", "ice contracts", False),
        # NEAR does not cross fields, and needs two different words
        ("amazon NEAR/5 police", "Amazon", False),
        ("police NEAR/5 polic*", "police", False),
        ("amazon NEAR/1 workers NEAR/1 protest*", "Amazon workers protest", True),
        ("amazon NEAR/1 workers NEAR/1 protest*", "Amazon workers stage a protest", False),
        # NEAR stays inside one sentence (the lede's sentence ends: README, "The lede")
        ("military NEAR/5 software", "It hit the military. The software update adds", False),
        ("military NEAR/5 software", "It hit the military, software says", True),
        ("military NEAR/5 software", "It hit the military. the software", True),  # lower case next
        ("military NEAR/5 software", "Gen. Smith of the military said Mr. Jones's software", True),
        ("staff NEAR/5 letter", "Amazon staff! Letter writers", False),
        ('"open letter" NEAR/3 staff', "Staff wrote an open. Letter", False),
    ],
)
def test_near(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


def test_near_does_not_cross_fields() -> None:
    assert not matches("amazon NEAR/5 police", "Amazon", "police")
    assert matches("amazon NEAR/5 police", "Amazon", "Amazon and police")


@pytest.mark.parametrize(
    ("query", "title", "summary", "body", "expected"),
    [
        ("title:police", "Police", "", "", True),
        ("title:police", "News", "police", "police", False),
        ("summary:police", "police", "", "", False),
        ("body:police", "", "", "police", True),
        ('title:"open letter"', "An open letter", "", "", True),
        ("title:(amazon OR google) AND police", "Amazon", "", "police", True),
        ("title:(amazon OR google) AND police", "Apple", "Amazon police", "", False),
        ("title:@big_tech", "Google", "", "", True),
        ("title:@big_tech", "", "Google", "", False),
        # words do not span fields
        ('"amazon police"', "Amazon", "police", "", False),
        ("police", "", "", "police", True),
    ],
)
def test_field_scopes(query: str, title: str, summary: str, body: str, expected: bool) -> None:
    assert matches(query, title, summary, body) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        # precedence NOT > NEAR > AND > OR
        ("a OR b AND c", "a", True),  # a OR (b AND c)
        ("a OR b AND c", "b", False),
        ("a OR b AND c", "b c", True),
        ("NOT a AND b", "b", True),  # (NOT a) AND b
        ("NOT a AND b", "a b", False),
        ("NOT a AND b", "c", False),
        ("a NEAR/2 b OR c", "c", True),  # (a NEAR/2 b) OR c
        ("a NEAR/2 b OR c", "a x y z b", False),
        ("a NEAR/2 b OR c", "a x b", True),
        ("(a OR b) AND c", "b c", True),
        ("(a OR b) AND c", "b", False),
        ("a b", "b a", True),  # adjacent terms are AND
        ("a b", "a", False),
        ("a NOT b", "a", True),
        ("a NOT b", "a b", False),
        ("NOT NOT a", "a", True),
        ("a AND (b OR NOT c)", "a", True),
        ("a AND (b OR NOT c)", "a c", False),
    ],
)
def test_precedence(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("@immigration", "Immigration and Customs Enforcement agents", True),
        ("@immigration", "Immigration & Customs Enforcement", False),
        ("@immigration", "ICE raids", True),
        ("@immigration", "thin ice", False),
        ("@immigration", "CBP", True),
        ("@big_tech AND police", "Palantir sells to police", True),
        ("@nested", "IBM and others", True),
        ("@nested", "Amazon", True),
    ],
)
def test_lists(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


def test_hits_point_at_the_story_text() -> None:
    title = "Now Amazon employees rebel: 'End police facial-recognition contracts, ICE support'"
    summary = "Amazon’s workers\nwrote an open\nletter."
    doc = make_document(title, summary)
    result = parse_query(
        '@big_tech AND ("facial recognition" OR police) AND @immigration AND "open letter"', LISTS
    ).evaluate(doc)
    assert result.matched
    found = {(h.term, h.text, h.span.field) for h in result.hits}
    assert found == {
        ("@big_tech:Amazon", "Amazon", "title"),
        ("@big_tech:Amazon", "Amazon", "summary"),
        ('"facial recognition"', "facial-recognition", "title"),
        ("police", "police", "title"),
        ("@immigration:{ICE}", "ICE", "title"),
        ('"open letter"', "open\nletter", "summary"),
    }
    texts = {"title": title, "summary": summary, "body": ""}
    for hit in result.hits:
        assert texts[hit.span.field][hit.span.start : hit.span.end] == hit.text


def test_not_branch_is_not_evidence() -> None:
    result = parse_query("police AND NOT (kindle AND police)", LISTS).evaluate(
        make_document("police and more police")
    )
    assert result.matched
    assert {h.term for h in result.hits} == {"police"}
    assert [h.span.start for h in result.hits] == [0, 16]


def test_a_failed_clause_gives_no_hits() -> None:
    result = parse_query("police AND kindle", LISTS).evaluate(make_document("police"))
    assert not result.matched
    assert result.hits == ()


def test_near_hits_are_only_the_near_pair() -> None:
    text = "letter one two three four five six seven eight nine ten employees signed a letter"
    result = parse_query("employee* NEAR/2 letter", LISTS).evaluate(make_document(text))
    assert result.matched
    assert [(h.text, h.span.start) for h in result.hits] == [
        ("employees", text.index("employees")),
        ("letter", text.rindex("letter")),
    ]


def test_explanation_marks_each_clause() -> None:
    query = parse_query('("facial recognition" OR Rekognition) AND (police OR @immigration)', LISTS)
    result = query.evaluate(make_document("Facial recognition for ICE"))
    assert result.explanation == (
        '("facial recognition"✓ OR Rekognition✗) AND (police✗ OR @immigration✓[{ICE}]) → match'
    )
    mixed = parse_query("a OR b AND c", LISTS)
    assert mixed.evaluate(make_document("a c")).explanation == "a✓ OR (b✗ AND c✓) → match"
    near = parse_query("NOT kindle AND title:(employee* NEAR/3 letter)", LISTS)
    assert near.evaluate(make_document("employees and a kindle")).explanation == (
        "(NOT kindle✓)✗ AND title:((employee*✓ NEAR/3 letter✗)✗)✗ → no match"
    )


def test_literals_and_requirements() -> None:
    query = parse_query('("facial recognition" OR protest*) AND NOT kindle AND police', LISTS)
    assert query.literals() == frozenset({"facial", "recognition", "protest*", "police"})
    assert query.requirements() == (frozenset({"police"}), frozenset({"recognition", "protest*"}))
    assert parse_query('"open letter"', LISTS).requirements() == (
        frozenset({"letter"}),
        frozenset({"open"}),
    )
    assert parse_query("NOT kindle", LISTS).requirements() == ()
    assert parse_query("a OR NOT b", LISTS).requirements() == ()
    assert parse_query("{ICE} NEAR/3 contract*", LISTS).requirements() == (
        frozenset({"contract*"}),
        frozenset({"ice"}),
    )


@pytest.mark.parametrize(
    ("query", "column", "fragment"),
    [
        ("", 1, "empty query"),
        ("   ", 4, "empty query"),
        ("(police", 1, "never closed"),
        ("police)", 7, "without a matching"),
        ("police AND", 11, "missing term after AND"),
        ("AND police", 1, "AND needs a term before it"),
        ("a OR OR b", 6, "unexpected OR"),
        ("a NEAR/x b", 8, "NEAR needs a distance"),
        ("a NEAR b", 7, "NEAR needs a distance"),
        ("a near/5 b", 3, "capitals"),
        ('a "open letter', 3, "unterminated phrase"),
        ("{ICE", 1, "unterminated {"),
        ("ICE}", 4, "} without {"),
        ("pr*", 1, "at least 3 letters"),
        ('"open le*"', 7, "at least 3 letters"),
        ("pro*test", 4, "* may only end a word"),
        ("*", 1, "* may only end a word"),
        ("headline:police", 1, "unknown field 'headline'"),
        ("title: police", 7, "must be followed by a term"),
        ("title:summary:x", 7, "can never match"),
        ("source:lede:zdnet", 8, "lede: inside another field can never match"),  # was an IndexError on a story
        ("@nope", 1, "unknown list @nope"),
        ("police AND @", 13, "list name"),
        ("()", 2, "empty parentheses"),
        ('""', 2, "letters or digits"),
        ("a AND -b", 7, "leading -"),
        ("(a AND b) NEAR/3 c", 1, "NEAR joins"),
        ("a NEAR/3 NOT b", 10, "NEAR joins"),
        ("NEAR/99999 x", 6, "at most"),
        ("(" * 100 + "a" + ")" * 100, 49, "nested too deeply"),
    ],
)
def test_syntax_errors(query: str, column: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query, LISTS)
    assert info.value.column == column
    assert fragment in info.value.message


def test_error_inside_a_list_points_at_the_reference() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("police AND @broken", {"broken": ["fine", "(unclosed"]})
    assert info.value.column == 12
    assert "@broken" in info.value.message and "item 2" in info.value.message


def test_unknown_list_suggests_a_known_one() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("police AND @bigtech", LISTS)
    assert (info.value.column, info.value.expected) == (12, "@big_tech")


def test_self_referencing_list_is_an_error() -> None:
    with pytest.raises(QuerySyntaxError, match="refers to itself"):
        parse_query("@loop", {"loop": ["a", "@loop"]})


def test_query_is_reusable_across_documents() -> None:
    query = parse_query("police", LISTS)
    assert query.source == "police"
    assert query.evaluate(make_document("police")).matched
    assert not query.evaluate(make_document("policy")).matched
    assert query.evaluate(make_document("police")).matched


QUERY_ALPHABET = st.sampled_from(
    [
        "a",
        "b",
        "pol",
        "ice",
        "ICE",
        "*",
        '"',
        "“",
        "”",
        "(",
        ")",
        "{",
        "}",
        " ",
        " ",
        "AND",
        "OR",
        "NOT",
        "NEAR/",
        "NEAR/3",
        "3",
        "@immigration",
        "@",
        "@x",
        "title:",
        "body:",
        "x:",
        "-",
        "'s",
        "\n",
        "é",
        "\u0301",
        "\x00",
        "\ud800",
        "near/2",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(QUERY_ALPHABET, max_size=14).map("".join)))
def test_parse_query_either_compiles_or_reports_a_column(text: str) -> None:
    try:
        query = parse_query(text, LISTS)
    except QuerySyntaxError as exc:
        assert 1 <= exc.column <= len(text) + 1
    else:
        query.evaluate(make_document(text, text, text))


STORY_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "ICE",
                "ice",
                "police",
                "police’s",
                "facial",
                "-",
                "recognition",
                "\n",
                " ",
                "Amazon's",
                "employees",
                "letter",
                "é",
                "\u0301",
                "\x00",
                "\ud800",
                "'",
                "s",
                "3",
            ]
        ),
        max_size=40,
    ).map(" ".join),
)
QUERIES = [
    "police OR {ICE}",
    '"facial recognition" OR employee* NEAR/3 letter',
    "@immigration OR @big_tech AND NOT kindle",
    'title:(amazon OR ice) OR summary:"police\'s" OR body:s',
    "(police OR ICE OR letter) NEAR/2 (facial OR employee*)",
]


@settings(max_examples=200, deadline=None)
@given(STORY_TEXT, STORY_TEXT, STORY_TEXT)
def test_evaluate_never_raises_and_spans_are_exact(title: str, summary: str, body: str) -> None:
    doc = make_document(title, summary, body)
    texts = dict(zip(FIELDS, (title, summary, body), strict=True))
    for source in QUERIES:
        result = parse_query(source, LISTS).evaluate(doc)
        assert result.matched or not result.hits
        for hit in result.hits:
            assert hit.span.field in texts
            assert 0 <= hit.span.start < hit.span.end <= len(texts[hit.span.field])
            assert texts[hit.span.field][hit.span.start : hit.span.end] == hit.text


def test_huge_and_odd_text_does_not_raise() -> None:
    big = ("police ICE " * 5000) + "\ud800\x00" + "employees letter " * 2000
    result = parse_query("(police OR {ICE}) NEAR/1 (employee* OR letter)", LISTS).evaluate(
        make_document(big, "", "")
    )
    assert result.matched
    assert 0 < len(result.hits) <= 200


@pytest.mark.parametrize(
    ("query", "title", "expected"),
    [
        ("{Meta}", "META FINED OVER TEEN DATA", True),  # all capitals: no case to compare
        ("{ICE}", "ICE RAIDS USE PALANTIR DATA", True),
        ("{Meta}", "Meta fined over teen data", True),
        ("{Meta}", "meta analysis of trials finds little", False),  # case still counts in normal text
        ("{ICE}", "Ice storm closes roads", False),
        ("{Meta}", "META", False),  # one word in capitals is not a shouted headline
    ],
)
def test_case_sensitive_terms_in_all_capitals_headlines(query: str, title: str, expected: bool) -> None:
    assert parse_query(query, {}).evaluate(make_document(title)).matched is expected


def test_unscoped_terms_can_leave_the_body_out_while_body_scope_still_reaches_it() -> None:
    doc = make_document("Quarterly results", "Revenue rose.", "Police bought facial recognition software.")
    assert parse_query("police", {}).evaluate(doc).matched
    assert not parse_query("police", {}, fields=("title", "summary")).evaluate(doc).matched
    assert parse_query("body:police", {}, fields=("title", "summary")).evaluate(doc).matched
    assert parse_query("body:(police AND facial)", {}, fields=("title", "summary")).evaluate(doc).matched
    lists = {"cops": ["police"]}
    assert not parse_query("@cops", lists, fields=("title", "summary")).evaluate(doc).matched


_WORDY = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 '’‘sS-_.\u00e9\u0301\u00df\u0130\ufb01\u2460\n\t")),
    max_size=40,
)


@settings(max_examples=500, deadline=None)
@given(_WORDY, _WORDY, _WORDY)
def test_the_prefilter_stream_is_the_tokens_joined(title: str, summary: str, body: str) -> None:
    """The prefilter's word stream is built without tokenising; it must be exactly the stream
    the tokens give, or the prefilter could skip a rule that matches."""
    cheap = make_document(title, summary, body).word_stream
    tokenised = make_document(title, summary, body)
    keys = [key for f in tokenised.fields for key in f.keys if key]
    assert cheap == " " + " ".join(keys) + " "
