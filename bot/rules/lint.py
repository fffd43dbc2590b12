"""The likely mistakes in a query that parses: what ``ethics-bot check`` warns about, and the
flood guard's static half.

``query_warnings`` reads a query's tokens and returns a ``Finding`` for each term that is
probably not what its author meant, each with what to write instead:

* ``and``, ``or``, ``not``, ``near`` in lower case: ordinary words, not operators;
* an all-capitals acronym that is also a common English word (``ICE``, ``AIM``, ``WHO``...)
  without ``{}``: terms ignore case, so it matches the everyday word too;
* a ``/regex/``: the language has no regular expressions, so it searches for its words;
* regex or wildcard punctuation inside a word (``colou?r``, ``face|facial``): it splits the
  term into a phrase that no story contains.

``matches_without_terms`` says whether a compiled query matches a story that holds none of
its words (``NOT x``, ``a OR NOT b``): such a rule would alert on nearly every story.

It reads query text and compiled queries only: no rules.yaml, no I/O. Syntax errors are
``bot.rules.query``'s; the config checker turns these findings into problems with lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.rules.lexer import QToken, lex_query
from bot.rules.query import Query
from bot.rules.words import WORD_RE, make_document, normalize

# Acronyms of this domain (agencies, companies, programmes) that are also common English words.
# Written bare, they match the word in any case: ICE matches "ice cream".
COMMON_WORD_ACRONYMS = frozenset(
    (
        "ace", "act", "aid", "aids", "aim", "arm", "arms", "art", "ban", "bar", "base", "bat", "bear",
        "bee", "box", "cab", "can", "cap", "car", "care", "case", "cat", "cop", "cost", "cure", "dare",
        "dart", "dash", "deal", "doe", "doge", "dot", "epic", "era", "eye", "fair", "fame", "fast",
        "fed", "fit", "flag", "flex", "hale", "heat", "hit", "ice", "it", "jet", "lamp", "lead",
        "leap", "map", "mad", "max", "met", "mine", "nice", "net", "now", "oil", "open", "owl",
        "pace", "pal", "par", "path", "peak", "pet", "pin", "pit", "raid", "ram", "rap", "reap",
        "rise", "run", "safe", "save", "score", "seal", "shield", "sun", "tap", "tip", "top", "us",
        "van", "war", "who", "win",
    )
)  # fmt: skip
_OPERATORS = {"and": "AND", "or": "OR", "not": "NOT", "near": "NEAR/5"}
# A /regex/ as other feed readers take it: slashes around something, not inside a word or URL.
_REGEX = re.compile(r"/[^/\s](?:[^/\n]*[^/\s])?/(?=$|[\s)])")
# Punctuation that means something in regular expressions or other search syntaxes but splits
# a term into words here (after a word character and before another).
_SPLITTERS = re.compile(r"(?<=\w)[?|\\^$\[\]~](?=\w)")


@dataclass(frozen=True)
class Finding:
    """A likely mistake in a query: the 1-based column, the term as written, and the advice."""

    column: int
    term: str
    message: str


def _bare(tok: QToken) -> bool:
    return tok.kind in ("TERM", "BAD") and tok.text[:1] not in '"“”{'


def _phrase(text: str) -> str:
    return " ".join(filter(None, (normalize(w) for w in WORD_RE.findall(text))))


def _words(tok: QToken) -> str:
    return " ".join(w.key + ("*" if w.prefix else "") for w in tok.words)


def query_warnings(text: str) -> list[Finding]:
    """The likely mistakes of a query (of one that parses; a broken one gives what it can)."""
    out: list[Finding] = []
    covered = -1  # end of the last /regex/ reported: its pieces are not reported again
    for tok in lex_query(text, []):
        if tok.pos < covered or not _bare(tok):
            continue
        term = tok.text
        after_url = text[: tok.pos].lower().endswith("url:")  # url:/news/ is a path
        if (regex := _REGEX.match(text, tok.pos)) is not None and not after_url:
            covered = regex.end()
            out.append(
                Finding(
                    tok.pos + 1,
                    regex.group(),
                    f"{regex.group()} looks like a regular expression, but the rule language has none: "
                    f'it searches for the phrase "{_phrase(regex.group())}"; write the words themselves, '
                    'with OR between spellings and * for any ending ("face recognition" OR "facial recogni*")',
                )
            )
        elif term.lower() in _OPERATORS and term != term.upper():
            operator = _OPERATORS[term.lower()]
            out.append(
                Finding(
                    tok.pos + 1,
                    term,
                    f'"{term}" is searched for as a word, not read as an operator (operators are written '
                    f'in capitals): write {operator}, or "{term}" in quotes to search for the word',
                )
            )
        elif term.isalpha() and term.isupper() and term.lower() in COMMON_WORD_ACRONYMS:
            out.append(
                Finding(
                    tok.pos + 1,
                    term,
                    f'{term} matches in any case, so it also matches the word "{term.lower()}"; '
                    f"write {{{term}}} to match the capitals only",
                )
            )
        elif (mark := _SPLITTERS.search(term)) is not None:
            hint = (
                "write the alternatives with OR (a OR b)"
                if mark.group() == "|"
                else "write each spelling with OR, or the start of the word followed by * (protest*)"
            )
            out.append(
                Finding(
                    tok.pos + 1,
                    term,
                    f'{term} can never match as meant: "{mark.group()}" is not an operator or a wildcard '
                    f'here, so it searches for the phrase "{_words(tok)}"; {hint}',
                )
            )
    return out


def matches_without_terms(query: Query) -> bool:
    """Whether ``query`` matches a story that contains none of its words, as ``NOT x`` or
    ``a OR NOT b`` do. Exact: such a query matches the empty story, and a query that matches
    some story with none of its positive terms also matches the empty one (removing words a
    query only wants absent cannot make it false)."""
    return query.evaluate(make_document(""), explain=False).matched
