"""The parse backlog (bot/flow/backlog.py): no fetch starts while ``limit`` fetched bodies wait for
the parser; each body parsed lets one held-back fetch start, and a held-back fetch that brings no
body (304, a failure, a cancelled check) passes its place on, so no check waits for ever."""

from __future__ import annotations

import asyncio

import pytest

from bot.flow.backlog import Backlog


async def _started(backlog: Backlog, n: int) -> list[asyncio.Task[bool]]:
    tasks = [asyncio.create_task(backlog.room()) for _ in range(n)]
    await asyncio.sleep(0)
    return tasks


def test_fetches_start_freely_while_the_parser_keeps_up() -> None:
    async def main() -> None:
        backlog = Backlog(limit=2)
        assert await backlog.room() is False
        backlog.fetched(False, body=True)
        assert await backlog.room() is False  # one body waiting, room for another
        backlog.fetched(False, body=False)  # a 304: nothing to parse

    asyncio.run(main())


def test_a_full_backlog_holds_fetches_back_until_a_body_is_parsed() -> None:
    async def main() -> None:
        backlog = Backlog(limit=2)
        for _ in range(2):
            assert await backlog.room() is False
            backlog.fetched(False, body=True)
        held = await _started(backlog, 3)
        assert not any(t.done() for t in held)
        backlog.parsed()
        await asyncio.sleep(0)
        assert [t.done() for t in held] == [True, False, False]  # one body parsed: one fetch starts
        assert held[0].result() is True
        backlog.fetched(True, body=True)  # it brought a body: still full
        await asyncio.sleep(0)
        assert not held[1].done()
        for _ in range(3):
            backlog.parsed()
            await asyncio.sleep(0)
        assert all(t.done() for t in held)

    asyncio.run(main())


@pytest.mark.parametrize("ending", ["no body", "cancelled while held", "cancelled once let through"])
def test_a_held_fetch_that_brings_no_body_passes_its_place_on(ending: str) -> None:
    async def main() -> None:
        backlog = Backlog(limit=1)
        assert await backlog.room() is False
        backlog.fetched(False, body=True)
        first, second = await _started(backlog, 2)
        if ending == "cancelled while held":
            first.cancel()
            await asyncio.sleep(0)
            backlog.parsed()
        elif ending == "cancelled once let through":
            backlog.parsed()  # lets the first through ...
            first.cancel()  # ... but its check is cancelled before it runs on
        else:
            backlog.parsed()
            await asyncio.sleep(0)
            assert first.result() is True and not second.done()
            backlog.fetched(True, body=False)  # the held fetch got a 304
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert second.done() and second.result() is True
        assert first.cancelled() or first.result() is True

    asyncio.run(main())
