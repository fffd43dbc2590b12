"""A story's identity within its feed: ``story_key``.

The guid as the feed gives it (hashed when very long), else the canonical link, else a hash of
the normalised title. It does not decide whether a story is new (bot.store does, with the key).
"""

from __future__ import annotations

import hashlib
import unicodedata

from bot.core.text import clean_text
from bot.parse.links import canonical_link

GUID_LIMIT = 512  # longer guids are hashed so keys stay index-friendly


def story_key(guid: str | None, link: str | None, title: str) -> str:
    """The story's identity within its feed: the guid as given, else the canonical link, else
    ``sha1:`` and the hash of the normalised title (case and spacing ignored)."""
    guid = (guid or "").strip()
    if guid:
        if len(guid) > GUID_LIMIT:
            return "guid-sha1:" + hashlib.sha1(guid.encode("utf-8", "surrogatepass")).hexdigest()
        return guid
    link = canonical_link(link or "")
    if link:
        return link
    normalised = unicodedata.normalize("NFKC", clean_text(title)).casefold()
    return "sha1:" + hashlib.sha1(normalised.encode("utf-8", "surrogatepass")).hexdigest()
