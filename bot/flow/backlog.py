"""How many fetched bodies may wait for the parser: no new fetch starts while the parser is behind.

A poll fetches up to ``concurrency`` feeds at once, and when parsing is the slower stage (a
cold poll of big documents) every finished fetch leaves its body waiting for the parser: 50
bodies, several MB at the peak of the bot's memory, where a dozen keep the parser as busy.
``Backlog`` counts the bodies fetched and not yet parsed (``holding``) and holds back the start
of a fetch (``room``) while there are ``limit`` of them. Each body parsed lets one held-back
fetch start, and that fetch keeps its place (it counts as a body) until it ends: a feed that
answers 304 or fails gives its place to the next one. While the parser keeps up, nothing waits,
so slow servers still use every fetch slot.

It does not bound fetches (the fetcher and ``concurrency`` do) or know what parsing is.
"""

from __future__ import annotations

import asyncio
from collections import deque

PARSE_BACKLOG = 16  # bodies waiting for the parser before fetches are held back


class Backlog:
    """Bodies fetched and not yet parsed, and the fetches held back for them."""

    def __init__(self, limit: int = PARSE_BACKLOG) -> None:
        self.limit = max(1, limit)
        self.bodies = 0  # fetched, not yet parsed
        self._placed = 0  # held-back fetches let through and not yet ended
        self._held: deque[asyncio.Future[None]] = deque()

    async def room(self) -> bool:
        """Wait until a fetch may start; True when it was held back (then ``fetched`` must follow)."""
        if not self._held and self.bodies + self._placed < self.limit:
            return False
        waiter = asyncio.get_running_loop().create_future()
        self._held.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # let through as it was cancelled: pass it on
                self._placed -= 1
                self._wake()
            raise
        return True

    def fetched(self, held: bool, body: bool) -> None:
        """A fetch has ended (``held``: ``room`` held it back), with a body to parse or not;
        with one, ``parsed`` must follow."""
        self.bodies += body
        self._placed -= held
        self._wake()

    def parsed(self) -> None:
        """A body fetched has been parsed (or its check has ended)."""
        self.bodies -= 1
        self._wake()

    def _wake(self) -> None:
        while self._held and self.bodies + self._placed < self.limit:
            waiter = self._held.popleft()
            if not waiter.done():
                self._placed += 1
                waiter.set_result(None)
