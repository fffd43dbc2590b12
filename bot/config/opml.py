"""OPML in and out: the feed lists that every feed reader imports and exports.

``read_opml`` takes an OPML 1.0/2.0 document as readers write it (Feedly, Inoreader,
NetNewsWire, Miniflux and others: folders as nested outlines, feeds as outlines with
``xmlUrl``, a name in ``text`` and/or ``title``, sometimes a ``category`` attribute) and
returns its feeds in document order, each once, with the folder it was filed in.
``write_opml`` writes the configured feeds as OPML 2.0.

Only the standard library's XML parser is used; a document declaring entities is refused (no
reader needs them, and they are how XML bombs work). It neither reads nor writes rules.yaml.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.errors import BotError
from bot.core.models import Feed


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    name: str
    folder: str = ""


def _attr(element: ET.Element, name: str) -> str:
    """An attribute by name, whatever its case (``xmlUrl``, ``xmlurl``, ``XMLURL``)."""
    for key, value in element.attrib.items():
        if key.lower() == name.lower():
            return " ".join(value.split())
    return ""


def _walk(element: ET.Element, folders: tuple[str, ...]) -> Iterator[tuple[ET.Element, tuple[str, ...]]]:
    for child in element:
        if child.tag.rsplit("}", 1)[-1] != "outline":
            continue
        if _attr(child, "xmlUrl"):
            yield child, folders
        label = _attr(child, "text") or _attr(child, "title")
        yield from _walk(child, (*folders, label) if label and not _attr(child, "xmlUrl") else folders)


def read_opml(data: bytes, source: str = "the OPML file") -> tuple[list[OpmlFeed], list[str]]:
    """The feeds of an OPML document, and a plain-words note for each outline skipped."""
    if b"<!ENTITY" in data:
        raise BotError(f"{source} declares XML entities; feed readers never write them, so it is refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BotError(f"{source} is not well-formed XML ({exc})") from exc
    if root.tag.rsplit("}", 1)[-1].lower() != "opml":
        raise BotError(f"{source} is not OPML (its root element is <{root.tag}>, not <opml>)")
    body = next((child for child in root if child.tag.rsplit("}", 1)[-1] == "body"), None)
    if body is None:
        raise BotError(f"{source} has no <body>: there are no feeds in it")
    feeds: list[OpmlFeed] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for outline, folders in _walk(body, ()):
        url = _attr(outline, "xmlUrl")
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            skipped.append(f"{url}: not an http(s) address")
            continue
        if url in seen:
            continue
        seen.add(url)
        name = _attr(outline, "text") or _attr(outline, "title") or parts.netloc
        folder = "/".join(folders) or _attr(outline, "category").strip("/").split(",")[0].strip()
        feeds.append(OpmlFeed(url, name, folder))
    return feeds, skipped


def write_opml(feeds: Sequence[Feed], title: str = "ethics-bot feeds") -> str:
    """OPML 2.0 listing ``feeds`` (no dates, so the same feeds always give the same file)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(opml, "body")
    for feed in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed.name, title=feed.name, xmlUrl=feed.url)
    ET.indent(opml, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"
