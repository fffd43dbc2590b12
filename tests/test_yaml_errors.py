"""A rules.yaml that does not parse as YAML: the text a user sees, for the usual breakages. Each
names the line to fix and says in plain words what is wrong; where the line holds a query (or
another value), the suggested line, put back in the file, makes it valid."""

from __future__ import annotations

import pytest

from bot.config.load import parse_config
from bot.core.errors import ConfigError

HEAD = "version: 1\nfeeds: []\nrules:\n  - id: r1\n    category: c1\n"
QUOTE_HINT = "quote the query with '...' (a ' inside it is written ''): "

CASES = [
    # (name, the broken line(s) after HEAD, line reported, what the user reads, the suggested line)
    ("unquoted query with a colon", '    query: Amazon AND "police: contracts"\n', 6,
     "not valid YAML at column 30: a colon followed by a space inside a value starts a new key in YAML; "
     + QUOTE_HINT, "query: 'Amazon AND \"police: contracts\"'"),
    ("a query starting with a phrase", '    query: "facial recognition" AND police\n', 6,
     "not valid YAML at column 33: a value that starts with a quote must end with that quote; " + QUOTE_HINT,
     "query: '\"facial recognition\" AND police'"),
    ("a query starting with {", "    query: {ICE} AND drones\n", 6,
     "not valid YAML at column 18: a value starting with { is read as a YAML mapping; " + QUOTE_HINT,
     "query: '{ICE} AND drones'"),
    ("a query starting with @", "    query: @big_tech AND police\n", 6,
     "not valid YAML at column 12: YAML does not allow @ at the start of a value; " + QUOTE_HINT,
     "query: '@big_tech AND police'"),
    ("an apostrophe inside '...'", "    query: 'Amazon's police'\n", 6,
     "not valid YAML at column 20: a ' inside a value in '...' ends it early: write it as ''; " + QUOTE_HINT,
     "query: 'Amazon''s police'"),
    ("an unclosed quote", "    query: 'police AND drones\n  - id: r2\n    category: c2\n    query: x\n", 6,
     "not valid YAML: the ' opened at column 12 is never closed; " + QUOTE_HINT, "query: 'police AND drones'"),
    ("an unclosed double quote", '    query: "police AND drones\n', 6,
     'not valid YAML: the " opened at column 12 is never closed; ' + QUOTE_HINT,
     "query: '\"police AND drones\"'"),
    ("a tab in the indentation", "\tquery: police\n", 6,
     "not valid YAML: a tab character in the indentation (column 1); YAML indents with spaces only: "
     "replace the tab with spaces", None),
    ("a key out of line", "   query: police\n", 6,
     "not valid YAML at column 4: did not find expected '-' indicator (while parsing a block collection that "
     "starts on line 4); check the indentation: the keys of one item line up under each other", None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "broken", "line", "message", "fixed"), CASES, ids=[c[0] for c in CASES])
def test_yaml_syntax_errors_say_where_and_what_to_do(
    name: str, broken: str, line: int, message: str, fixed: str | None
) -> None:
    text = HEAD + broken
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    (problem,) = info.value.problems
    assert problem.line == line
    assert problem.message == message + (fixed or "")
    assert str(info.value).splitlines()[1] == f"  rules.yaml:line {line}: (file): {message}{fixed or ''}"
    if fixed is not None:  # the suggestion, put on the reported line, makes the file valid YAML
        lines = text.splitlines(keepends=True)
        lines[line - 1] = "    " + fixed + "\n"
        config = parse_config("".join(lines) + _lists(fixed))
        assert config.rules[0].query == _unquote(fixed)


def _lists(fixed: str) -> str:
    return "lists:\n  big_tech: [Amazon]\n" if "@big_tech" in fixed else ""


def _unquote(fixed: str) -> str:
    return fixed.split(": ", 1)[1][1:-1].replace("''", "'")
