"""Keep a parsing process's memory close to what it uses: glibc malloc settings and trimming.

Parsing a big feed document (feedparser's dictionaries, BeautifulSoup's trees) allocates tens
of megabytes that are freed a moment later. Left to its defaults, glibc keeps much of that
memory: one malloc arena per thread that ever allocated, a threshold for returning large blocks
to the system that rises each time such a block is freed, and free pages in the middle of the
heap that only ``malloc_trim`` hands back. The process's peak memory then grows with the
biggest documents it has seen rather than with what it holds. ``tune_malloc`` caps the arenas
and fixes the thresholds (what the ``MALLOC_ARENA_MAX``, ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` environment variables would set, for a process that cannot rely on
its environment); ``trim`` returns free pages after a big parse.

What it does not do: limit memory (a hostile document is bounded by ``max_body_bytes``, the
xmlguard and the parse caps), or anything at all where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2  # the event loop's thread and the parsing thread; others share them
LARGE_BLOCK = 128 * 1024  # blocks this big come from (and go back to) the system directly


@cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:  # pragma: no cover - no shared C library
        return None


def tune_malloc() -> bool:
    """Cap glibc's arenas and fix its thresholds for this process; False where not glibc."""
    libc = _libc()
    if libc is None:  # pragma: no cover - musl, macOS
        return False
    libc.mallopt(M_ARENA_MAX, ARENAS)
    libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
    libc.mallopt(M_TRIM_THRESHOLD, LARGE_BLOCK)
    return True


def trim() -> None:
    """Hand the free pages of the heap back to the system (after a big parse)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
