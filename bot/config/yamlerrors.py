"""YAML syntax errors of rules.yaml in plain words: where (line and column) and what to do.

libyaml's own wording ("mapping values are not allowed in this context", "did not find expected
key") names the parser's state, not the mistake. ``describe`` turns a ``MarkedYAMLError`` into
one ``Problem`` on the line to fix, for the usual breakages: a tab in the indentation, a quote
opened and never closed, and a value that YAML reads as syntax (a colon and a space inside it,
a leading quote that does not end the value, a leading ``{``, ``[``, ``@`` or backtick). When
that line holds a query (``query:``, ``exclude:``) or any other ``key: value``, it suggests the
line with the value in single quotes, written out, with any ``'`` inside doubled as YAML wants.

It reads only the text and the error's marks; validating the document is ``load``'s job.
"""

from __future__ import annotations

import re

import yaml

from bot.core.errors import Problem

_KEY_VALUE = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>[A-Za-z_][\w.-]*)\s*:\s+(?P<value>.*?)\s*$")
_QUERY_KEYS = {"query", "exclude"}


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _quoted(value: str) -> str:
    """``value`` as one single-quoted YAML scalar, keeping the text the user meant."""
    inner = value
    if len(value) >= 2 and value[0] == value[-1] == "'":
        inner = value[1:-1].replace("''", "'")
    elif value.startswith("'") and "'" not in value[1:]:
        inner = value[1:]  # an opening quote never closed
    elif value.startswith('"') and '"' not in value[1:]:
        inner = value + '"'  # a phrase never closed: close it
    return "'" + inner.replace("'", "''") + "'"


def _suggestion(text: str, reason: str) -> str:
    """The plain reason, and for a ``key: value`` line the same line with the value quoted."""
    m = _KEY_VALUE.match(text)
    if not m or not m["value"]:
        return reason
    fixed = f"{m['indent'].strip()} {m['key']}: {_quoted(m['value'])}".strip()
    what = "the query" if m["key"] in _QUERY_KEYS else "the value"
    return f"{reason}; quote {what} with '...' (a ' inside it is written ''): {fixed}"


# libyaml's words for "this value is YAML syntax, not text": a quoted value fixes them
_VALUE_PROBLEMS = ("mapping values are not allowed", "expected key", "cannot start any token", "expected <block end>")


def _why(problem: str, value: str) -> str:
    value_start = value[0]
    if "mapping values are not allowed" in problem:
        return "a colon followed by a space inside a value starts a new key in YAML"
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return "a ' inside a value in '...' ends it early: write it as ''"
    if value_start in "\"'":
        return "a value that starts with a quote must end with that quote"
    if value_start in "{[":
        return f"a value starting with {value_start} is read as a YAML {'mapping' if value_start == '{' else 'list'}"
    if value_start in "@`":
        return f"YAML does not allow {value_start} at the start of a value"
    if value_start in "*&!|>%":
        return f"{value_start} at the start of a value means something else in YAML"
    return f"YAML cannot read it ({problem})"


def describe(text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """One problem, on the line to fix, in plain words with a hint."""
    lines = text.splitlines()
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    column = mark.column + 1 if mark else 0
    problem = str(exc.problem or exc)
    at = _line(lines, line)
    if "\t" in at[: max(column, len(at) - len(at.lstrip()))] or "tab" in problem:
        return Problem("(file)", line, f"not valid YAML: a tab character in the indentation (column {column}); "
                       "YAML indents with spaces only: replace the tab with spaces")  # fmt: skip
    if exc.context and "quoted scalar" in exc.context and exc.context_mark is not None:
        opened = exc.context_mark.line + 1
        quote = _line(lines, opened)[exc.context_mark.column : exc.context_mark.column + 1] or "quote"
        reason = f"the {quote} opened at column {exc.context_mark.column + 1} is never closed"
        return Problem("(file)", opened, f"not valid YAML: {_suggestion(_line(lines, opened), reason)}")
    m = _KEY_VALUE.match(at)
    if m and m["value"] and any(p in problem for p in _VALUE_PROBLEMS):
        hint = _suggestion(at, _why(problem, m["value"]))
        return Problem("(file)", line, f"not valid YAML at column {column}: {hint}")
    where = ""
    if exc.context and exc.context_mark is not None:
        where = f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
    hint = "; check the indentation: the keys of one item line up under each other" if "expected" in problem else ""
    return Problem("(file)", line, f"not valid YAML at column {column}: {problem}{where}{hint}")
