"""Which feeds a rule reads: a rule's ``feeds:`` lists feed names or URL patterns, and a story is
the rule's business only when its feed (its name, ``Story.source``, or its address,
``Story.feed_url``) matches one of them.

Patterns are shell-style (``fnmatch``: ``*`` any run of characters, ``?`` one, ``[abc]`` one
of those) and compared without regard to case; a pattern equal to a name matches it even when
the name holds ``*``, ``?`` or ``[``. Pure: no I/O, nothing about queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase


def feed_matches(pattern: str, name: str, url: str) -> bool:
    """Whether ``pattern`` (from a rule's ``feeds:``) names the feed called ``name`` at ``url``."""
    p = pattern.casefold()
    n, u = name.casefold(), url.casefold()
    return p in (n, u) or fnmatchcase(n, p) or fnmatchcase(u, p)


def reads_feed(patterns: Sequence[str], name: str, url: str) -> bool:
    """Whether a rule with ``feeds: patterns`` reads stories of this feed (every feed when empty)."""
    return not patterns or any(feed_matches(p, name, url) for p in patterns)
