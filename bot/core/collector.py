"""How the bot's processes set Python's cyclic garbage collector (the bot's own and its parser
worker's): ``settle_garbage_collector``, called once the imports are done."""

from __future__ import annotations

import gc


def settle_garbage_collector() -> None:
    """Keep the cyclic garbage collector from re-scanning what the imports made.

    A poll allocates many short-lived objects (HTTP requests, responses, stories; in a parser
    worker, feedparser's dictionaries), each of which counts towards a collection of the
    youngest generation, and every so often a full scan of everything alive, most of it modules
    and classes that live as long as the process. Moving those to the permanent generation
    (gc.freeze) and collecting the youngest generation every 20,000 allocations rather than 700
    cut a 1,000-feed poll's CPU by ~7-9% (paired runs of bench/bench_poll.py's setup, 8 of 8 no
    worse), and a parser worker's parsing of the real corpus by ~2.6%. Reference counting still
    frees everything that is not in a cycle at once; only cyclic garbage waits a little longer.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
