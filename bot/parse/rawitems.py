"""Where each item of an RSS or Atom document sits in its bytes, with a digest of those bytes, so
that the items a store already has can be cut out before feedparser reads the document.

What it does: ``scan_items`` runs the standard library's expat over a document (one that
``xmlguard`` has already stripped of entity declarations) in the encoding feedparser will read it
in, and finds the byte span of every item: RSS 0.9x/2.0 ``rss/channel/item``, RSS 0.90/1.0
``rdf:RDF/item``, Atom ``feed/entry``. Each item's digest covers its bytes and everything else
that decides how feedparser reads them: the encoding, the Content-Type, the XML declaration and
the start tags of the item's ancestors (names, attributes such as ``xml:base`` and ``version``,
namespace declarations). ``ItemScan.without`` gives the document with some items' spans removed
and every other byte as it was, so the feed's title, ttl and the remaining items read as before.

Only start and end tags call back into Python (no handler sees text), and expat stops at the
first error. It refuses (returns None), and the caller reads the whole document as before,
whenever cutting could change how the rest reads or it cannot tell:

* the document is not well-formed in that encoding, or the encoding is not one whose markup
  bytes are ASCII (UTF-8, ASCII, ISO-8859-x, Windows-125x): no UTF-16/32, no multi-byte sets;
* it has a DOCTYPE (feedparser removes it, and entity references then read differently);
* a namespace is declared below the root (or an RSS ``channel``) in a way that could change how
  other items read: feedparser keeps what it learns from a declaration for the rest of the
  document (see ``_Scanner._declared`` for what is let through);
* an ``item`` or ``entry`` element (any case, any namespace) stands anywhere but where items
  belong, or the root is not one of the above.

What it does not do: choose the encoding (feed.py asks feedparser's own rules), read any field of
an item, or decide which items are known.
"""

from __future__ import annotations

import hashlib
import pyexpat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DIGEST_VERSION = "x1"  # changes when what a digest covers changes

# encodings whose markup bytes are ASCII, as codecs names feedparser may report
_SAFE_ENCODINGS = frozenset(
    ["utf-8", "utf8", "ascii", "us-ascii", "latin-1", "latin1", "iso-8859-1", "iso8859-1"]
    + [f"iso-8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)]
    + [f"windows-125{n}" for n in range(9)]
    + [f"cp125{n}" for n in range(9)]
)
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns# RDF"
_ATOM10, _ATOM03 = "http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"
# root element -> (the element items stand in, or "" for the root itself; the item elements)
_LAYOUTS: dict[str, tuple[str, frozenset[str]]] = {
    "rss": ("channel", frozenset(["item"])),
    _RDF: ("", frozenset(["http://purl.org/rss/1.0/ item", "http://my.netscape.com/rdf/simple/0.9/ item"])),
    f"{_ATOM10} feed": ("", frozenset([f"{_ATOM10} entry"])),
    f"{_ATOM03} feed": ("", frozenset([f"{_ATOM03} entry"])),
}
_ITEM_NAMES = ("item", "entry")
_VERSION_URIS = frozenset(["http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/", _ATOM10.lower()])


@dataclass(frozen=True)
class RawItem:
    start: int  # byte offsets of the item element in the document, [start, end)
    end: int
    digest: str


@dataclass(frozen=True)
class ItemScan:
    """The items of one document, in document order."""

    data: bytes
    items: tuple[RawItem, ...]

    def without(self, drop: set[int]) -> bytes:
        """The document with the items at these positions in ``items`` cut out."""
        pieces: list[bytes] = []
        previous = 0
        for index in sorted(drop):
            item = self.items[index]
            pieces.append(self.data[previous : item.start])
            previous = item.end
        pieces.append(self.data[previous:])
        return b"".join(pieces)


def _local(name: str) -> str:
    """The local part of an expat name ("uri local prefix", "uri local" or "local")."""
    parts = name.split(" ", 2)
    return parts[1] if len(parts) > 1 else parts[0]


class _Refused(Exception):
    """The document is not one this module cuts safely."""


def scan_items(
    data: bytes, encoding: str, content_type: str = "", namespaces: Mapping[str, str] | None = None
) -> ItemScan | None:
    """The items of ``data`` read in ``encoding`` (the one feedparser will use), or None when the
    document cannot be cut safely (see the module docstring). ``namespaces``: the namespace URIs
    feedparser knows (lower case) and the name it gives each (the caller must pass them all:
    every other namespace is taken for one it does not know)."""
    if encoding.lower() not in _SAFE_ENCODINGS:
        return None
    scanner = _Scanner(data, encoding, content_type, namespaces or {})
    try:
        scanner.parser.Parse(data, True)
    except (_Refused, pyexpat.ExpatError, ValueError, LookupError, UnicodeError):
        return None
    if scanner.layout is None or scanner.conflicts():
        return None
    return ItemScan(data, tuple(scanner.items))


class _Scanner:
    """The expat callbacks: depth, the root and the element items stand in, each item's span."""

    def __init__(self, data: bytes, encoding: str, content_type: str, namespaces: Mapping[str, str]) -> None:
        self.data = data
        self.namespaces = namespaces
        self.parser = parser = pyexpat.ParserCreate(encoding, " ")
        parser.namespace_prefixes = True  # names come as "uri local prefix": the prefix gives the end tag
        parser.ordered_attributes = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartNamespaceDeclHandler = self.namespace
        parser.XmlDeclHandler = self.declaration
        parser.StartDoctypeDeclHandler = self.doctype
        self.context: list[Any] = [DIGEST_VERSION, encoding.lower(), content_type]
        self.base: Any = None  # the digest of the context, once the root has started
        self.container_digest: Any = None  # the root's digest plus the container's start tag
        self.layout: tuple[str, frozenset[str]] | None = None
        self.version_fixed = True  # feedparser has decided the feed's version at the root
        self.depth = 0
        self.item_depth = 0
        self.in_container = False
        self.pending: list[tuple[str | None, str]] = []  # namespace declarations of the next element
        self.checked: set[tuple[str | None, str, bool]] = set()  # declarations seen already
        self.renamed: set[str] = set()  # prefixes declared below the root for a known namespace
        self.overwritten: set[str] = set()  # the names of the known namespaces declared below the root
        self.context_unknown: set[str] = set()  # prefixes the root or channel declares for unknown ones
        self.default_unknown: set[str] = set()  # unknown namespaces declared as a default
        self.prefixed_below: set[str] = set()  # unknown namespaces declared with a prefix below the root
        self.unknown: dict[str, str] = {}  # prefix -> namespace, for namespaces feedparser does not know
        self.prefixes: dict[str, str] = {}  # and the other way round
        self.item_start = -1
        self.item_name: list[str] = []
        self.items: list[RawItem] = []

    def declaration(self, version: str | None, encoding: str | None, standalone: int) -> None:
        self.context.append(("xml", version, encoding, standalone))

    def doctype(self, *_: Any) -> None:
        raise _Refused("a DOCTYPE")

    def namespace(self, prefix: str | None, uri: str | None) -> None:
        self.pending.append((prefix, uri or ""))  # declared on the element that starts next

    def start(self, name: str, attributes: list[str]) -> None:
        self.depth += 1
        depth, pending = self.depth, self.pending
        if pending:
            self.pending = []
            self._declared(depth, name, pending)
        if depth > self.item_depth > 0:  # most elements: within items, or deeper than items stand
            low = name.lower()
            if ("item" in low or "entry" in low) and _local(name).lower() in _ITEM_NAMES:
                raise _Refused("an item element where items do not belong")
            return
        parts = name.split(" ")
        if depth == self.item_depth and self.in_container and " ".join(parts[:2]) in self.layout[1]:  # type: ignore[index]
            self.item_start = self.parser.CurrentByteIndex
            self.item_name = parts
        elif _local(name).lower() in _ITEM_NAMES:
            raise _Refused("an item element where items do not belong")
        elif depth == 1:
            self.layout = _LAYOUTS.get(" ".join(parts[:2]))
            if self.layout is None:
                raise _Refused("not an RSS or Atom root")
            self.context.append((name, attributes, pending))
            self.base = hashlib.blake2b(repr(self.context).encode("utf-8", "surrogatepass"), digest_size=16)
            self.item_depth = 3 if self.layout[0] else 2
            if not self.layout[0]:
                self.in_container, self.container_digest = True, self.base
        elif depth == 2 and self.item_depth == 3:
            self.in_container = name == self.layout[0]  # type: ignore[index]
            if self.in_container:
                self.container_digest = self.base.copy()
                self.container_digest.update(repr((name, attributes, pending)).encode("utf-8", "surrogatepass"))

    def _declared(self, depth: int, name: str, pending: list[tuple[str | None, str]]) -> None:
        """Check the namespace declarations of the element that starts. On the root or channel
        they are part of every item's digest. Below, feedparser keeps what it learns from them
        for the rest of the document (it names an element of a namespace it does not know by
        the first prefix declared for it, and maps a prefix declared for one it knows to that
        one's name), so they must change nothing that another item reads: each prefix of a
        namespace it does not know stands for one namespace and each such namespace has one
        prefix, throughout the document; a namespace it knows may be declared under any prefix
        that does not also stand for an unknown one (``conflicts``, checked at the end)."""
        if depth == 1:
            self.version_fixed = name != _RDF or any(uri.lower() in _VERSION_URIS for _, uri in pending)
        context = depth == 1 or (depth == 2 and self.item_depth == 3 and name == self.layout[0])  # type: ignore[index]
        for prefix, uri in pending:
            if (prefix, uri, context) in self.checked:  # feeds repeat the same declaration in every item
                continue
            self.checked.add((prefix, uri, context))
            key = uri.lower()
            if "backend.userland.com/rss" in key:
                key = "http://backend.userland.com/rss"
            known = self.namespaces.get(key)
            if not uri:
                continue  # feedparser ignores an undeclaration
            if known is None:
                if prefix is None:  # its elements take a prefix declared for it before them, if any
                    self.default_unknown.add(uri)
                    continue
                if not context:
                    self.prefixed_below.add(uri)
                if self.unknown.setdefault(prefix, uri) != uri or self.prefixes.setdefault(uri, prefix) != prefix:
                    raise _Refused("a prefix or a namespace declared twice, differently")
                if context:
                    self.context_unknown.add(prefix)
                continue
            if context:
                continue
            if key in _VERSION_URIS and not self.version_fixed:
                raise _Refused("a namespace that decides the feed's version, below the root")
            self.overwritten.add(known)
            if prefix is None or prefix == known:
                continue
            if prefix == "rdf":  # feedparser looks up rdf: attributes by that name
                raise _Refused("a namespace declared as rdf: below the root")
            self.renamed.add(prefix)

    def conflicts(self) -> bool:
        """Whether a declaration below the root changes the name of an element elsewhere: a
        prefix declared for a known namespace that also stands for an unknown one, a known
        namespace's name that the root or channel declares as the prefix of an unknown one, or
        an unknown namespace declared as a default and with a prefix below the root."""
        return not (
            self.renamed.isdisjoint(self.unknown)
            and self.overwritten.isdisjoint(self.context_unknown)
            and self.default_unknown.isdisjoint(self.prefixed_below)
        )

    def end(self, name: str) -> None:
        if self.depth == self.item_depth and self.item_start >= 0:
            self.items.append(self._item(self.item_start, self.parser.CurrentByteIndex))
            self.item_start = -1
        elif self.depth == 2 and self.item_depth == 3:
            self.in_container = False
        self.depth -= 1

    def _item(self, start: int, at: int) -> RawItem:
        """The item that started at ``start`` and whose end event came at byte ``at``: the start
        of its end tag, or, for an empty element ``<item/>``, just after it."""
        parts = self.item_name
        local = parts[1] if len(parts) > 1 else parts[0]
        qname = (f"{parts[2]}:{local}" if len(parts) == 3 else local).encode("ascii", "replace")
        data = self.data
        if data.startswith(b"</" + qname, at) and data[at + 2 + len(qname) : at + 3 + len(qname)] in b" \t\r\n>":
            end = data.index(b">", at) + 1
        elif data[at - 2 : at] == b"/>":
            end = at
        else:
            raise _Refused("cannot tell where an item ends")
        digest = self.container_digest.copy()
        digest.update(memoryview(data)[start:end])
        return RawItem(start, end, digest.hexdigest())
