"""The compiled rule set's memory: its queries share their equal clauses (bot.rules.shared), every
use of an @list in the same scope one subtree, compiled once, and sharing changes no verdict,
evidence or explanation; a matched story's words are freed as soon as matching ends."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from bot.config.load import load_config
from bot.core.models import Rule, Story
from bot.rules.match import compile_config, compile_rules, explain_story, match_story
from bot.rules.query import make_document, parse_query
from bot.rules.shared import Nodes
from bot.rules.tree import Node, Trace, Wrapper
from bot.rules.view import StoryView

ROOT = Path(__file__).resolve().parents[1]
LISTS = {
    "companies": ["Amazon", "{Meta}", "Palantir", "Google*"],
    "staff": ["(employee* OR staff OR workers)", '"tech workers"'],
    "nested": ["@companies", "IBM"],
}
# Lists used twice in one query, under NOT, inside NEAR, nested in another list, and in scopes.
QUERIES = [
    "@companies AND @staff",
    "@companies NEAR/4 @staff",
    "(@companies AND protest) OR (@companies AND NOT @staff)",
    "@nested AND NOT (@companies NEAR/2 contract)",
    "title:@companies AND body:@staff",
    "@staff AND (@companies OR @nested)",
]
TEXTS = [
    ("Amazon workers protest", "Staff at Amazon walked out.", ""),
    ("Meta signs contract", "IBM and Google employees object to the contract.", "tech workers at Palantir"),
    ("META FINED", "", "A contract for Palantir, staff said"),
    ("Nothing here", "weather report", "rain"),
]


def _wrappers(node: Node) -> list[Wrapper]:
    found = [node] if isinstance(node, Wrapper) and node.name.startswith("@") else []
    for child in (getattr(node, "child", None), getattr(node, "left", None), getattr(node, "right", None)):
        if child is not None:
            found += _wrappers(child)
    for child in getattr(node, "children", ()):
        found += _wrappers(child)
    return found


def test_every_use_of_a_list_in_one_scope_is_one_subtree() -> None:
    made = Nodes()
    one = parse_query("@companies AND protest", LISTS, made=made)
    two = parse_query("@staff OR @companies", LISTS, made=made)
    alone = parse_query("@companies AND protest", LISTS)
    assert _wrappers(one._root)[0] is _wrappers(two._root)[1]
    assert _wrappers(alone._root)[0] is not _wrappers(one._root)[0]  # another rule set: its own
    scoped = parse_query("title:@companies", LISTS, made=made)
    assert _wrappers(scoped._root)[0] is not _wrappers(one._root)[0]  # another scope: other terms


@pytest.mark.parametrize("query", QUERIES)
def test_sharing_changes_no_verdict_evidence_or_explanation(query: str) -> None:
    made = Nodes()
    for other in QUERIES:  # the other queries made first, so this one reuses their clauses
        parse_query(other, LISTS, made=made)
    shared, alone = parse_query(query, LISTS, made=made), parse_query(query, LISTS)
    for title, summary, body in TEXTS:
        doc = make_document(title, summary, body)
        assert shared.evaluate(doc) == alone.evaluate(doc)
        assert shared.evaluate(doc, explain=False) == alone.evaluate(doc, explain=False)


def test_a_rule_set_matches_and_explains_as_its_rules_one_by_one() -> None:
    rules = [Rule(id=f"r{i}", category="test", query=q) for i, q in enumerate(QUERIES)]
    together = compile_rules(rules, LISTS, "#alerts")
    for title, summary, body in TEXTS:
        story = Story(key=title, feed_url="https://x.test/feed", source="T", title=title, summary=summary, body=body)
        apart = [m for r in rules for m in match_story(compile_rules([r], LISTS, "#alerts"), story)]
        assert match_story(together, story) == apart
        assert explain_story(together, story) == [
            e for r in rules for e in explain_story(compile_rules([r], LISTS, "#alerts"), story)
        ]


def test_the_shipped_rules_compile_each_list_once_per_scope() -> None:
    ruleset = compile_config(load_config(ROOT / "rules.yaml"))
    uses = [w for c in ruleset.rules for q in (c.query, c.exclude) if q is not None for w in _wrappers(q._root)]
    distinct = {id(w) for w in uses}
    assert len(uses) > 100  # the shipped rules name their lists often
    assert len(distinct) < len(uses) / 3


def test_a_matched_story_leaves_nothing_for_the_cyclic_collector() -> None:
    """The story view and its words are freed when matching ends: the daemon collects cycles
    rarely (bot/cli/main.py), and each story's words waiting for it were MBs at a poll's peak."""
    ruleset = compile_rules([Rule(id="r", category="test", query=q) for q in QUERIES], LISTS, "#alerts")
    program = ruleset.program
    gc.disable()
    try:
        view = StoryView(make_document(*TEXTS[1]).texts, program.extents)
        found = program.found(view.stream())
        query, _ = program.evaluators[1]
        assert query(found, view, Trace(False))[0]  # every field read, words and spans
        assert view.lede_ends[1] > 0
        gone = weakref.ref(view)
        del view
        assert gone() is None
    finally:
        gc.enable()
