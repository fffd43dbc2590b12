"""The matcher gives exactly what the matcher before it gave (tests/support/reference_matcher.py,
which tokenises every field and evaluates each candidate's whole tree): the same rules, in the
same order, with the same hits (term, field, span, text), on generated stories and rule sets of
every construct of the rule language, on the shipped rules, and on every story of the real
corpus. Its tokeniser gives the words ``tokenize_field`` gives, as far as it reads."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config.load import load_config
from bot.core.errors import FeedParseError, QuerySyntaxError
from bot.core.models import Rule, Story
from bot.rules.match import RuleSet, compile_config, compile_rules, explain_story, match_story
from bot.rules.view import lede_words, tokenize_words
from bot.rules.words import lede_length, tokenize_field
from tests.support import reference_matcher as reference

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "feeds" / "real"

LISTS = {
    "agencies": ["{ICE}", '"Customs and Border Protection"', "CBP", "polic*"],
    "firms": ["Amazon", "{AWS}", "Palantir", "café"],
    "nested": ["@agencies", '"open letter"'],
}
TERMS = [
    "police", "Police", "{Police}", "ice", "{ICE}", "{Ice}", "amazon", "{Amazon}", "amazon's", "palantir",
    "protest*", "pol*", "{Prot*}", "{POL*}", '"law enforcement"', '"open letter"', '"police officers"',
    '"amazon police"', '"{ICE} agents"', "{ICE agents}", "cafe", "café", "{Café}", "strasse", "straße", "dont",
    "don't", "a_b", "42", "x", "naive", "fi", "wal*", "@agencies", "@firms", "@nested", "drone*",
    "{US}", "us", '"mr smith"', "inc", "smith",
]  # fmt: skip
SCOPES = ["title", "summary", "body", "lede", "source", "author", "url", "tag"]



QUERIES = st.recursive(
    st.sampled_from(TERMS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" AND ", " OR ", " "]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        inner.map(lambda q: f"(NOT {q})"),
        st.tuples(inner, st.integers(0, 8), inner).map(lambda t: f"({t[0]} NEAR/{t[1]} {t[2]})"),
        st.tuples(st.sampled_from(SCOPES), inner).map(lambda t: f"{t[0]}:({t[1]})"),
        st.tuples(st.sampled_from(SCOPES), st.sampled_from(TERMS)).map(lambda t: f"{t[0]}:{t[1]}"),
    ),
    max_leaves=6,
)
FEEDS = [(), ("Wire",), ("https://a.example/*",), ("nothing-*",)]
RULES = st.lists(
    st.tuples(QUERIES, st.one_of(st.none(), QUERIES), st.booleans(), st.sampled_from(FEEDS)),
    min_size=1,
    max_size=6,
)

# Story text: rule words and their near misses, case variants, possessives, punctuation and
# sentence breaks, abbreviations, accents (composed and combining), wide and astral characters.
WORDS = [
    "police", "Police", "POLICE", "policeman", "police's", "Police’s", "police'", "ICE", "ice", "Ice", "icy",
    "ICE's", "Amazon", "amazon", "AMAZON", "Amazon’s", "Amazons", "Palantir", "protest", "protesters",
    "Protests", "PROTEST", "pro", "prot", "law", "enforcement", "law-enforcement", "open", "letter",
    "officers", "café", "cafe\u0301", "Café", "CAFÉ", "naïve", "Straße", "STRASSE", "strasse", "ﬁ",
    "don't", "dont", "don’t", "rock'n'roll", "a_b", "_a", "42", "x", "US", "us", "U.S.", "Mr.", "Inc.",
    "J.", "Smith", "drones", "Drone", "wal", "walk", "walkout", "CBP", "Customs", "and", "Border",
    "Protection", "agents", "AWS", "aws", "x's", "A’s", "s's", "US's",
    "\U0001d400", "\U0001f600", "\u0345", "e\U0001d167", "日本",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", " ", ", ", ". ", "! ", "? ", "… ", ".\" ", " - ", "—", "\n", "", "'", " (", ") "]
TEXT = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=90).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
LONG = st.tuples(TEXT, st.integers(1, 4)).map(lambda t: (t[0] + " ") * t[1])
STORIES = st.builds(
    lambda title, summary, body, source, author, tags: Story(
        key="k", feed_url="https://a.example/feed", source=source, title=title, summary=summary, body=body,
        link="https://news.example/police/amazon-ice", author=author, tags=tags,
    ),
    TEXT, st.one_of(TEXT, LONG), st.one_of(st.just(""), TEXT, LONG), st.sampled_from(["Wire", "Other"]),
    st.sampled_from(["", "Jo Smith", "ICE"]), st.lists(st.sampled_from(WORDS), max_size=3).map(tuple),
)  # fmt: skip


def _compile(specs: list[tuple[str, str | None, bool, tuple[str, ...]]]) -> list[Rule]:
    rules = []
    for n, (query, exclude, enabled, feeds) in enumerate(specs):
        rule = Rule(id=f"r{n}", category="c", query=query, exclude=exclude, enabled=enabled, feeds=feeds)
        try:
            compile_rules([rule], LISTS, "#c")
        except QuerySyntaxError:
            continue  # e.g. AND inside a NEAR operand: not a rule anyone can write
        rules.append(rule)
    return rules


def assert_same(new: RuleSet, old: reference.RuleSet, story: Story) -> None:
    got = match_story(new, story)
    assert got == reference.match_story(old, story), story
    explained = {e.rule_id: e for e in explain_story(new, story)}
    for match in got:  # the hits an alert shows are those `ethics-bot test` explains
        assert explained[match.rule_id].matched and not explained[match.rule_id].excluded
        assert explained[match.rule_id].hits == match.hits


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RULES, st.lists(STORIES, min_size=1, max_size=4), st.booleans(), st.booleans())
def test_generated_rules_and_stories_match_as_before(
    specs: list[tuple[str, str | None, bool, tuple[str, ...]]], stories: list[Story], body: bool, lede: bool
) -> None:
    rules = _compile(specs)
    new = compile_rules(rules, LISTS, "#c", match_body=body, match_lede=lede)
    old = reference.compile_rules(rules, LISTS, "#c", match_body=body, match_lede=lede)
    for story in stories:
        assert_same(new, old, story)


def _shipped() -> tuple[RuleSet, reference.RuleSet, list[str]]:
    config = load_config(REPO / "rules.yaml")
    s = config.settings
    old = reference.compile_rules(
        config.rules, config.lists, s.default_channel, match_body=s.match_body, match_lede=s.match_lede
    )
    words = sorted(
        {
            w
            for compiled in old.rules
            for query in (compiled.query, compiled.exclude)
            if query is not None
            for term, _ in query._root.terms(True)
            for w in term.written.strip('"{}').replace("*", "").split()
        }
    )
    return compile_config(config), old, words


SHIPPED = _shipped()
SHIPPED_TEXT = st.lists(
    st.tuples(st.one_of(st.sampled_from(SHIPPED[2]), st.sampled_from(WORDS)), st.sampled_from(SEPARATORS)),
    max_size=120,
).map(lambda pairs: "".join(w + s for w, s in pairs))


@settings(max_examples=300, deadline=None)
@given(SHIPPED_TEXT, SHIPPED_TEXT, st.one_of(st.just(""), SHIPPED_TEXT), st.sampled_from(["ZDNet", "Wire"]))
def test_the_shipped_rules_match_as_before(title: str, summary: str, body: str, source: str) -> None:
    story = Story(key="k", feed_url="https://www.zdnet.com/news/rss.xml", source=source, title=title,
                  summary=summary, body=body, link="https://www.zdnet.com/article/x/")  # fmt: skip
    assert_same(SHIPPED[0], SHIPPED[1], story)


@pytest.mark.parametrize(
    ("query", "title", "summary"),
    [
        ("{Police} OR (NOT ice)", "the police", ""),  # a live child false, an absent NOT child true
        ('"open letter" OR NOT amazon', "letter, open", ""),
        ("lede:police", "", " ".join(["word."] * 30) + " police"),  # past the lede
        ("lede:police", "", " ".join(["word"] * 59) + " police"),  # 60 words: all lede
        ("lede:police", "", " ".join(["word"] * 60) + " police"),  # 61: a budget's worth, no stop
        ("body:(lede:police)", "", ""),
        ("police NEAR/3 ice", "", "Police. Then ice"),  # NEAR stays in a sentence
        ("{ICE} AND amazon", "AMAZON AND ICE ARE HERE", ""),  # an all-capitals field
        ("x", "x's", ""),
    ],
)
def test_tricky_cases_match_as_before(query: str, title: str, summary: str) -> None:
    rules = [Rule(id="r", category="c", query=query)]
    for body in ("", summary, "police ice amazon"):
        story = Story(key="k", feed_url="f", source="s", title=title, summary=summary, body=body)
        for match_body, match_lede in ((True, False), (False, True), (True, True), (False, False)):
            new = compile_rules(rules, LISTS, "#c", match_body=match_body, match_lede=match_lede)
            old = reference.compile_rules(rules, LISTS, "#c", match_body=match_body, match_lede=match_lede)
            assert_same(new, old, story)


def test_every_real_story_matches_as_before() -> None:
    if not REAL.is_dir():
        pytest.skip("../shared/feeds/real is not available")
    from bot.parse.feed import parse_feed

    new, old, _ = SHIPPED
    seen = 0
    for path in sorted(REAL.iterdir()):
        try:
            stories = parse_feed(path.read_bytes(), feed_url=path.name, source=path.name).stories
        except FeedParseError:  # a document the parser rejects has no stories to match
            continue
        for story in stories:
            assert match_story(new, story) == reference.match_story(old, story), (path.name, story.key)
            seen += 1
    assert seen > 1000


@settings(max_examples=400, deadline=None)
@given(st.one_of(TEXT, LONG, st.text()), st.one_of(st.none(), st.integers(0, 130)))
@example("x's A’s b'S. Ab's", None)
@example("ABC DEF GHI jkl", 2)
@example("ǅ ABC DEF GHI", None)
@example("ABC DEF GHI ß", None)
@example("ᾈ ΑΒΓ ΔΕΖ", 61)
@example("Cafe\u0301 \U0001d167x e\U0001d167 \U0001f600 _a a_ 'b' c'", None)
def test_the_tokeniser_reads_words_as_tokenize_field_does(text: str, limit: int | None) -> None:
    full = tokenize_field("summary", text)
    part = tokenize_words("summary", text, limit)
    n = len(full.keys) if limit is None else limit
    assert part.keys == full.keys[:n]
    assert part.starts == full.starts[:n]
    assert part.ends == full.ends[:n]
    assert part.index == {k: [p for p in ps if p < n] for k, ps in full.index.items() if ps[0] < n}
    if limit is None or limit >= 3:
        assert part.shouting == full.shouting


def test_every_title_case_letter_is_in_the_basic_plane() -> None:
    """The shouting test lists the title-case letters of U+0000-U+FFFF only."""
    assert not [c for c in map(chr, range(0x10000, sys.maxunicode + 1)) if unicodedata.category(c) == "Lt"]


SENTENCES = st.lists(
    st.tuples(st.sampled_from(WORDS + ["word"] * 20), st.sampled_from([*SEPARATORS, ".) ", "?” ", "! ", ". a "])),
    min_size=55,
    max_size=130,
).map(lambda pairs: "".join(w + s for w, s in pairs))


@settings(max_examples=300, deadline=None)
@given(SENTENCES)
@example(" ".join(["word"] * 61))
@example("Mr. Smith met J. Doe. " + " ".join(["word"] * 70))
def test_the_lede_ends_where_lede_length_says(text: str) -> None:
    toks = tokenize_field("summary", text)
    assert lede_words(toks) == lede_length(toks)
    assert lede_words(tokenize_words("summary", text, 61)) == lede_length(toks)
