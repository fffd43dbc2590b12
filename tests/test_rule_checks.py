"""`ethics-bot check` on the likely mistakes of a rule edit: the warnings (exact text, with the
rule, the line, the term and what to write instead), the flood guard's static half (a query that
matches without any of its words is an error), and every syntax error of a query at once."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.load import parse_config
from bot.core.errors import ConfigError
from bot.rules.lint import query_warnings
from bot.rules.query import check_query
from tests.conftest import REPO, run_cli


def rules_file(query: str, *, lists: str = "[CBP]", extra: str = "") -> str:
    """A rules.yaml whose one rule has ``query`` on line 10."""
    return textwrap.dedent(
        f"""\
        version: 1
        lists:
          agencies: {lists}
        feeds:
          - url: https://www.zdnet.com/news/rss.xml
            name: ZDNet
        rules:
          - id: watch
            category: surveillance
            query: {json.dumps(query)}
        """
    ) + extra


def warnings_of(text: str) -> list[str]:
    """The warning lines as ``ethics-bot check --rules rules.yaml`` prints them."""
    return [f"rules.yaml:{w}" for w in parse_config(text, "rules.yaml").warnings]


HEAD = "rules.yaml:line 10: rules[0].query: rule 'watch' query"


@pytest.mark.parametrize(
    ("query", "lines"),
    [
        (
            "police and drones",
            [
                f'{HEAD}, column 8: "and" is searched for as a word, not read as an operator (operators are '
                'written in capitals): write AND, or "and" in quotes to search for the word'
            ],
        ),
        (
            "spyware or stalkerware",
            [
                f'{HEAD}, column 9: "or" is searched for as a word, not read as an operator (operators are '
                'written in capitals): write OR, or "or" in quotes to search for the word'
            ],
        ),
        (
            "spyware not Pegasus",
            [
                f'{HEAD}, column 9: "not" is searched for as a word, not read as an operator (operators are '
                'written in capitals): write NOT, or "not" in quotes to search for the word'
            ],
        ),
        (
            "police near drones",
            [
                f'{HEAD}, column 8: "near" is searched for as a word, not read as an operator (operators are '
                'written in capitals): write NEAR/5, or "near" in quotes to search for the word'
            ],
        ),
        (
            "ICE AND contract*",
            [
                f'{HEAD}, column 1: ICE matches in any case, so it also matches the word "ice"; write {{ICE}} '
                "to match the capitals only"
            ],
        ),
        (
            "WHO AND surveillance",
            [
                f'{HEAD}, column 1: WHO matches in any case, so it also matches the word "who"; write {{WHO}} '
                "to match the capitals only"
            ],
        ),
        (
            "/face.?recogn/ AND police",
            [
                f"{HEAD}, column 1: /face.?recogn/ looks like a regular expression, but the rule language has "
                'none: it searches for the phrase "face recogn"; write the words themselves, with OR between '
                'spellings and * for any ending ("face recognition" OR "facial recogni*")'
            ],
        ),
        (
            "colou?r AND face|facial",
            [
                f'{HEAD}, column 1: colou?r can never match as meant: "?" is not an operator or a wildcard here, '
                'so it searches for the phrase "colou r"; write each spelling with OR, or the start of the word '
                "followed by * (protest*)",
                f'{HEAD}, column 13: face|facial can never match as meant: "|" is not an operator or a wildcard '
                'here, so it searches for the phrase "face facial"; write the alternatives with OR (a OR b)',
            ],
        ),
    ],
)
def test_each_likely_mistake_is_a_warning_that_says_what_to_write(query: str, lines: list[str]) -> None:
    assert warnings_of(rules_file(query)) == lines


@pytest.mark.parametrize(
    "query",
    [
        "police AND drones",
        "{ICE} AND contract*",
        "CBP AND contract*",  # an acronym that is no English word
        '"and" AND "or"',  # the words themselves, asked for in quotes
        "AI NEAR/5 weapons",
        "url:/news/ AND police",  # a path, not a /regex/
        "@agencies",
    ],
)
def test_what_is_written_as_meant_gives_no_warning(query: str) -> None:
    assert warnings_of(rules_file(query)) == []


def test_a_list_term_is_warned_about_on_its_own_line() -> None:
    assert warnings_of(rules_file("@agencies AND contract*", lists="['{ICE}', ICE]")) == [
        "rules.yaml:line 3: lists.agencies[1]: list @agencies, term 'ICE': ICE matches in any case, so it also "
        'matches the word "ice"; write {ICE} to match the capitals only'
    ]


def test_a_feed_under_a_rules_feeds_that_is_configured_nowhere_is_a_warning() -> None:
    text = rules_file("police", extra="    feeds: [ZDnet, Wired, 'https://*.zdnet.com/*']\n")
    assert warnings_of(text) == [
        "rules.yaml:line 11: rules[0].feeds[1]: rule 'watch' feeds: 'Wired' is the name of no feed under feeds: "
        "and matches none of their URLs, so the rule never sees a story from it; write a feed's name as under "
        "feeds: (ZDNet) or a URL pattern with * ('https://*.example.org/*')"
    ]  # ZDnet: names compare without case


def test_check_prints_warnings_exits_0_and_strict_makes_them_errors(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules_file("police and drones"))
    ran = run_cli("check", "--rules", str(rules))
    assert ran.code == 0, ran.stderr
    assert "is valid" in ran.stdout
    assert "1 warning(s): likely mistakes (check --strict refuses the file for them):" in ran.stdout
    assert f'  {rules}:line 10: rules[0].query: rule \'watch\' query, column 8: "and" is searched' in ran.stdout
    strict = run_cli("check", "--strict", "--rules", str(rules))
    assert strict.code == 2
    assert f"1 problem(s) in {rules}:" in strict.stderr
    assert f"{rules}:line 10: rules[0].query: rule 'watch' query, column 8" in strict.stderr
    assert "is valid" not in strict.stdout


def test_the_shipped_rules_pass_check_strict() -> None:
    ran = run_cli("check", "--strict", "--rules", str(REPO / "rules.yaml"))
    assert ran.code == 0, ran.stderr
    assert "warning" not in ran.stdout


# --- the flood guard's static half ---------------------------------------------------------------


def test_check_exits_2_on_not_pegasus_with_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules_file("NOT Pegasus"))
    ran = run_cli("check", "--rules", str(rules))
    assert ran.code == 2
    assert (
        f"{rules}:line 10: rules[0].query: rule 'watch': query 'NOT Pegasus' matches a story that contains none "
        "of its words (NOT only says what must be absent), so it would alert on nearly every story; give it a "
        "word the story must contain, as in 'spyware AND NOT Pegasus', and put what must be absent in exclude: "
        "if you like"
    ) in ran.stderr
    assert "is valid" not in ran.stdout


@pytest.mark.parametrize(
    ("query", "lists", "floods"),
    [
        ("NOT Pegasus", "[CBP]", True),
        ("spyware OR NOT Pegasus", "[CBP]", True),
        ("NOT (Pegasus AND NSO)", "[CBP]", True),
        ("title:(NOT Pegasus)", "[CBP]", True),
        ("@agencies", "[CBP, 'NOT Apple']", True),  # a list item that is a negation
        ("spyware AND NOT Pegasus", "[CBP]", False),
        ("(spyware OR stalkerware) AND NOT Pegasus", "[CBP]", False),
        ("NOT NOT Pegasus", "[CBP]", False),  # silly, but it needs the word
        ("@agencies AND NOT Apple", "[CBP]", False),
    ],
)
def test_a_query_that_matches_without_any_of_its_words_is_refused(query: str, lists: str, floods: bool) -> None:
    text = rules_file(query, lists=lists)
    if not floods:
        parse_config(text)
        return
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert [(p.line, p.path) for p in info.value.problems] == [(10, "rules[0].query")]
    assert "would alert on nearly every story" in info.value.problems[0].message


def test_a_disabled_rule_may_hold_such_a_query_and_the_exclude_may_be_a_negation() -> None:
    parse_config(rules_file("NOT Pegasus", extra="    enabled: false\n"))
    parse_config(rules_file("spyware", extra="    exclude: 'NOT Pegasus'\n"))


# --- every syntax error of a query ---------------------------------------------------------------


def test_every_syntax_error_of_a_query_is_reported_with_the_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(rules_file("pr* AND (police OR OR sheriff) AND headline:drones AND @agenciez AND {ICE"))
    assert [str(p) for p in info.value.problems] == [
        "line 10: rules[0].query: rule 'watch': query does not parse at column 1: a wildcard needs at least 3 "
        "letters before * (expected 3 or more letters before *)",
        "line 10: rules[0].query: rule 'watch': query does not parse at column 20: unexpected OR after OR "
        "(expected a word, phrase, @list, ( or NOT)",
        "line 10: rules[0].query: rule 'watch': query does not parse at column 36: unknown field 'headline' (put "
        "text with a colon in quotes) (expected title:, summary:, body:, lede:, source:, author:, url: or tag:)",
        "line 10: rules[0].query: rule 'watch': query does not parse at column 56: unknown list @agenciez "
        "(expected @agencies)",
        "line 10: rules[0].query: rule 'watch': query does not parse at column 70: unterminated { (expected a "
        "closing })",
    ]


@pytest.mark.parametrize(
    ("query", "columns"),
    [
        ("police AND", [11]),
        ("police) AND drones AND", [7, 23]),
        ("AND police AND OR drones", [1, 16]),
        ("pr* NEAR b near/3 c", [1, 9, 12]),
        ("(a AND b) NEAR/3 c AND x*y", [1, 24]),
    ],
)
def test_the_parser_reads_on_after_a_mistake(query: str, columns: list[int]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(rules_file(query))
    assert [int(p.message.split("column ")[1].split(":")[0]) for p in info.value.problems] == columns


def test_a_regex_inside_a_text_scope_is_warned_about_too() -> None:
    assert [w.term for w in query_warnings("title:/face.?recogn/ AND police")] == ["/face.?recogn/"]
    assert query_warnings("url:/news/ AND police") == []


QUERY_PIECES = st.sampled_from(
    ["police", "AND", "OR", "NOT", "NEAR/3", "NEAR", "near", "and", "(", ")", '"open', 'letter"', "{ICE", "}",
     "pr*", "protest*", "@agencies", "@nope", "title:", "source:", "tag:", "headline:", "/a.?b/", "x|y", "ICE", " "]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(QUERY_PIECES, max_size=12).map(" ".join)))
def test_checking_any_query_reports_errors_with_columns_and_never_raises(text: str) -> None:
    query, errors = check_query(text, {"agencies": ["CBP", "{ICE}"]})
    assert (query is None) == bool(errors)
    assert all(1 <= e.column <= len(text) + 1 for e in errors)
    for found in query_warnings(text):
        assert 1 <= found.column <= len(text) and found.term in text
