"""The real feed documents of ``../shared/feeds/real`` as per-feed bodies for the polling benchmark.

What it does: reads the corpus once (``load_corpus``; None when the folder is absent) and renders,
for feed ``index`` of a benchmark, document ``index % len(corpus)`` (sorted by file name) in a
version that is distinct per feed (``Document.render``), with the Content-Type a correctly
configured server would send for it. It also lists the "strong terms" of the shipped rules that
the sequential baseline looks for (``strong_terms``). The documents are read from the shared
folder at run time and never copied into the repository.

Why and how each feed's copy is made distinct: with 1,000 feeds over 113 documents every document
is served about nine times. Story identity is per feed in the store, but cross-feed clustering is
by canonical link, and a real deployment's feeds do not all carry the same links. So every item's
identity fields are rewritten with the feed number, in the document's own bytes and syntax, and
nothing else is touched (titles, text, dates, markup, encodings and element order stay as
published, so parsing and matching cost what they cost on the real document):

* RSS 0.9x/2.0 and RSS 1.0 (RDF): ``<guid>`` and ``<link>`` in each ``<item>``, the item's
  ``rdf:about`` and the channel's ``<rdf:li rdf:resource>`` list that points at it;
* Atom: ``<id>`` and every ``<link href>`` in each ``<entry>``;
* JSON Feed: each item's ``id``, ``url`` and ``external_url``; RSS-in-JSON: ``guid`` and ``link``.

A URL becomes ``scheme://f17.host/...`` (a host label in front, so the path, query and
fragment stay the publisher's and the URL stays absolute and canonical); a value that is not a
URL (``tag:``, ``urn:``, a number) gets ``f17-`` in front. Relative links are left alone: the bot
resolves them against the feed's own URL, which already differs per feed. Titles are NOT changed,
so the bot's title-similarity clustering still groups the copies of a matching story from
different feeds into one alert with "also reported by" notes, as it does for a syndicated story;
changing a title would change what the rules see. JSON documents are re-serialised (two-space
indent, UTF-8, no escaped slashes) after the rewrite; XML documents keep their exact bytes outside
the rewritten values.

Re-poll ("changed") versions: a changed feed's first version leaves out the document's first
``k`` items (1-3, at most all but one) and its next version is the whole document, so the new items
of a re-poll are genuine items of that publisher, at the top of the document as publishers add
them. A one-item document instead gains a copy of its item with identity fields marked for the
round (``f17n1``). Only round 1 is modelled; later rounds serve the round-1 version.

An empty link stays empty (the document's own base applies, as in 3 of the 3,000 items).

What it does not do: serve HTTP (``poll_server.RealPollServer``) or parse anything
(``tests/test_bench_real_feeds.py`` checks the rendered copies with the bot's parser).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "feeds" / "real"

_MEDIA = {
    "rss2": "application/rss+xml",
    "rss1": "application/rdf+xml",
    "atom1": "application/atom+xml",
    "atom03": "application/atom+xml",
}
_ITEM = {"rss2": b"item", "rss1": b"item", "atom1": b"entry", "atom03": b"entry"}
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
# an element with text (not self-closing) whose text is an identity: group 1 start tag, 2 text, 3 end tag
_ID_TEXT = re.compile(rb"(<" + _PREFIX + rb"(guid|id|link)(?=[\s>])[^>]*(?<!/)>)(.*?)(</" + _PREFIX + rb"\2\s*>)", re.S)
_LINK_TAG = re.compile(rb"<" + _PREFIX + rb"link(?=[\s/>])[^>]*>")
_HREF = re.compile(rb"""(\shref\s*=\s*)(["'])(.*?)\2""", re.S)
_ABOUT = re.compile(rb"""(\srdf:about\s*=\s*)(["'])(.*?)\2""", re.S)
_RESOURCE_LI = re.compile(rb"""(<rdf:li\s[^>]*?rdf:resource\s*=\s*)(["'])(.*?)\2""", re.S)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LEAD = re.compile(rb"\s*(?:<!\[CDATA\[\s*)?")


def mark_value(value: bytes, marker: bytes) -> bytes:
    """``value`` made distinct by ``marker`` (bytes; see the module docstring)."""
    for sep in (b"://", b":\\/\\/"):  # JSON may escape slashes
        if sep in value:
            return value.replace(sep, sep + marker + b".", 1)
    lead = _LEAD.match(value)
    start = lead.end() if lead else 0
    rest = value[start:]
    if not rest.strip() or rest.startswith(b"]]>"):
        return value  # empty: leave it empty
    if rest.startswith(b"//"):  # protocol-relative: a host label
        return value[:start] + b"//" + marker + b"." + rest[2:]
    if rest.startswith(b"/"):  # an absolute path: a first segment, so any base resolves it alike
        return value[:start] + b"/" + marker + rest
    return value[:start] + marker + b"-" + rest


def _mark_str(value: Any, marker: str) -> Any:
    if not isinstance(value, str) or not value.strip():
        return value
    return mark_value(value.encode("utf-8"), marker.encode()).decode("utf-8")


def mark_item(item: bytes, marker: bytes) -> bytes:
    """An item or entry with its identity fields marked (see the module docstring)."""

    def text(m: re.Match[bytes]) -> bytes:
        return m.group(1) + mark_value(m.group(3), marker) + m.group(4)

    def href(m: re.Match[bytes]) -> bytes:
        return _HREF.sub(lambda h: h.group(1) + h.group(2) + mark_value(h.group(3), marker) + h.group(2), m.group(0))

    item = _ID_TEXT.sub(text, item)
    item = _LINK_TAG.sub(href, item)
    head_end = item.find(b">") + 1  # rdf:about sits on the item's start tag only
    about = _ABOUT.sub(lambda a: a.group(1) + a.group(2) + mark_value(a.group(3), marker) + a.group(2), item[:head_end])
    return about + item[head_end:]


@dataclass(frozen=True)
class Document:
    """One corpus file, cut into the text around its items (``parts[0]`` item ``parts[1]`` ...)."""

    name: str
    format: str  # rss2, rss1, atom1, atom03, json
    content_type: str
    raw: bytes
    parts: tuple[bytes, ...]  # XML: text, item, text, item, ..., text; JSON: empty

    @property
    def items(self) -> int:
        if self.format == "json":
            return len(_json_items(json.loads(self.raw)))
        return len(self.parts) // 2

    def hidden(self, new_items: int) -> int:
        """How many leading items a changed feed's first version leaves out."""
        return max(0, min(new_items, self.items - 1))

    def render(self, index: int, *, version: int = 0, new_items: int = 0) -> bytes:
        """Feed ``index``'s copy. ``new_items`` > 0: a changed feed (see the module docstring);
        its version 0 lacks the first items that version 1 has."""
        marker = f"f{index}"
        hide = self.hidden(new_items) if version == 0 else 0
        extra = 1 if new_items and version > 0 and self.items == 1 else 0
        if self.format == "json":
            return self._render_json(marker, hide, extra)
        return self._render_xml(marker.encode(), hide, extra)

    def _render_xml(self, marker: bytes, hide: int, extra: int) -> bytes:
        parts = self.parts
        items = [mark_item(parts[k], marker) for k in range(1, len(parts), 2)]
        gaps = [parts[k] for k in range(2, len(parts), 2)]  # the text after each item
        out = [parts[0]]
        if extra:
            out += [mark_item(parts[1], marker + b"n1"), b"\n"]
        for item, gap in list(zip(items, gaps, strict=True))[hide:]:  # the last gap: the tail
            out += [item, gap]
        body = b"".join(out)
        if self.format == "rss1":  # the channel's list of item URIs follows the items' rdf:about
            body = _RESOURCE_LI.sub(
                lambda m: m.group(1) + m.group(2) + mark_value(m.group(3), marker) + m.group(2), body
            )
        return body

    def _render_json(self, marker: str, hide: int, extra: int) -> bytes:
        doc = json.loads(self.raw)
        items = _json_items(doc)
        originals = [dict(item) for item in items]
        for item in items:
            _mark_json_item(item, marker)
        kept = items[hide:]
        if extra:
            copy = dict(originals[0])
            _mark_json_item(copy, marker + "n1")
            kept = [copy, *kept]
        items[:] = kept
        return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def _json_items(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        return doc["items"]
    channel = doc.get("rss", {}).get("channel", {}) if isinstance(doc, dict) else {}
    items = channel.get("item")
    return items if isinstance(items, list) else []


def _mark_json_item(item: dict[str, Any], marker: str) -> None:
    for key in ("id", "guid"):
        if key in item:
            item[key] = _mark_str(item[key], marker)
    for key in ("url", "external_url", "link"):
        if key in item:
            item[key] = _mark_str(item[key], marker)


def _content_type(fmt: str, raw: bytes) -> str:
    if fmt == "json":
        media = "application/feed+json" if b"jsonfeed.org" in raw[:2000] else "application/json"
        return media + "; charset=utf-8"
    declared = _DECLARED.match(raw)
    charset = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    return f"{_MEDIA[fmt]}; charset={charset}"


def _split(raw: bytes, fmt: str) -> tuple[bytes, ...]:
    tag = _ITEM[fmt]
    pattern = re.compile(rb"<(" + _PREFIX + tag + rb")(?=[\s>/])[^>]*?(?<!/)>.*?</\1\s*>", re.S)
    parts: list[bytes] = []
    pos = 0
    for m in pattern.finditer(raw):
        parts += [raw[pos : m.start()], m.group(0)]
        pos = m.end()
    parts.append(raw[pos:])
    return tuple(parts)


def _formats(folder: Path) -> dict[str, str]:
    """File name -> format, from the corpus's INDEX.tsv (which classified the parsed documents)."""
    index = folder.parent / "INDEX.tsv"
    if not index.exists():
        return {}
    with index.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return {Path(r["path"]).name: r["format"] for r in rows if r["path"].startswith(folder.name + "/")}


def _sniff(raw: bytes) -> str:
    head = raw[:4000].lstrip()
    if head.startswith(b"{"):
        return "json"
    if re.search(rb"<rdf:RDF|<rss[^>]*version=[\"']0\.90", head):
        return "rss1"
    if re.search(rb"<feed[\s>]", head):
        return "atom1"
    return "rss2"


def load_corpus(folder: Path = CORPUS) -> list[Document] | None:
    """Every document of ``folder``, sorted by name; None when the folder is absent or empty."""
    if not folder.is_dir():
        return None
    formats = _formats(folder)
    docs = []
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        fmt = formats.get(path.name) or _sniff(raw)
        parts = () if fmt == "json" else _split(raw, fmt)
        docs.append(Document(path.name, fmt, _content_type(fmt, raw), raw, parts))
    return docs or None


# --------------------------------------------------------------------------- the baseline's terms

_TOKEN = re.compile(r'"[^"]*"|\{[^}]*\}|\(|\)|[^\s()]+')
_OPERATOR = re.compile(r"^(AND|OR|NOT|NEAR/\d+)$")


def _top_level(tokens: list[str], op: str) -> list[list[str]]:
    out: list[list[str]] = [[]]
    depth = 0
    for tok in tokens:
        depth += tok == "("
        depth -= tok == ")"
        if tok == op and depth == 0:
            out.append([])
        else:
            out[-1].append(tok)
    return out


def _unwrap(tokens: list[str]) -> list[str]:
    """``( x )`` -> ``x`` while the first parenthesis closes at the last token."""
    while tokens and tokens[0] == "(" and _closing(tokens) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _closing(tokens: list[str]) -> int:
    """The index of the parenthesis that closes ``tokens[0]``."""
    depth = 0
    for at, tok in enumerate(tokens):
        depth += tok == "("
        depth -= tok == ")"
        if depth == 0:
            return at
    return len(tokens)


def strong_terms(rules_path: Path) -> list[tuple[str, bool]]:
    """The strong terms of the shipped rules, for the baseline's keyword loop: every single term
    (word, prefix, "phrase" or {Exact}) that stands alone as an OR alternative in the query of a
    rule whose id ends in ``-terms`` (the rules of canonical terms that alert on their own; where
    such a query is ``(terms) AND (context)``, the alternatives of its first operand). Compound
    alternatives (NEAR, AND groups) are left out. Returns (text, case_sensitive) with the
    wildcard removed, so the baseline can test ``term in text``."""
    import yaml

    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))["rules"]
    out: dict[tuple[str, bool], None] = {}
    for rule in rules:
        if not str(rule.get("id", "")).endswith("-terms"):
            continue
        tokens = _unwrap(_TOKEN.findall(rule["query"]))
        alternatives = _top_level(tokens, "OR")
        if len(alternatives) == 1:  # (terms) AND (context): the terms
            tokens = _unwrap(_top_level(tokens, "AND")[0])
            alternatives = _top_level(tokens, "OR")
        for alt in alternatives:
            if len(alt) != 1 or alt[0] in "()" or _OPERATOR.match(alt[0]) or alt[0].startswith("@"):
                continue
            term = alt[0]
            exact = term.startswith("{")
            term = term.strip('"{}').rstrip("*")
            out[(term if exact else term.lower(), exact)] = None
    return list(out)


if __name__ == "__main__":  # a quick look: python bench/real_feeds.py
    corpus = load_corpus()
    if corpus is None:
        raise SystemExit(f"{CORPUS} is absent")
    print(f"{len(corpus)} documents, {sum(len(d.raw) for d in corpus):,} bytes, {sum(d.items for d in corpus)} items")
    terms = strong_terms(ROOT / "rules.yaml")
    print(f"{len(terms)} strong terms: {', '.join(t for t, _ in terms[:12])}, ...")
