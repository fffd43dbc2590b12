"""Where feed documents are parsed: in a thread, or in worker processes when parsing is heavy.

What it does: ``FeedParser.parse`` runs ``bot.parse.feed.parse_feed`` off the event loop, one
parse at a time in one thread, and decides, poll by poll, whether a worker process does it
instead (see the class). What it does not do: parse (parse/feed.py), fetch, or know about feeds
beyond the bytes it is handed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import signal
import statistics
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.observe.logs import event, get_logger
from bot.parse.feed import ParsedFeed, parse_feed
from bot.parse.memory import trim, tune_malloc

log = get_logger("parse_runner")

PROCESS_BATCH = 50  # only a poll of at least this many feeds may parse in worker processes
# Parsing moves to the worker process when a poll's documents take this long each to parse in the
# thread: the median of the last PROCESS_SAMPLE parses (a median, so that a first parse that
# warms caches, or a moment of contention, does not decide it). Below it (small feeds), the
# worker's start-up and pickling cost more than they save; feedparser takes 5-20 ms on a typical
# real feed, and that much GIL-holding Python in a thread slows the event loop to a crawl.
HEAVY_PARSE = 0.004
PROCESS_SAMPLE = 20
LARGE_BODY = 512 * 1024  # a document this big parses in a worker process from the start
# Parses handed to each worker at a time: one parsing, one waiting, so that a worker never waits
# for this process (which hands over and collects parses between its other work); the other
# parses wait here, where this process's own thread may take them (see FeedParser).
WORKER_QUEUE = 2
TRIM_AFTER = 128 * 1024  # after parsing a document this big, free memory goes back to the system


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _worker_started() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # workers ignore Ctrl-C: the daemon stops them itself
    tune_malloc()


def _parse(
    body: bytes, *, feed_url: str, source: str, headers: dict[str, str], known: Mapping[str, str] | None = None
) -> ParsedFeed:
    """``parse_feed``, then, after a big document, the freed memory goes back to the system."""
    try:
        return parse_feed(body, feed_url=feed_url, source=source, headers=headers, known=known)
    finally:
        if len(body) >= TRIM_AFTER:
            trim()


def default_workers() -> int:
    """One worker process where there is a second CPU for it, none otherwise."""
    return 1 if usable_cpus() > 1 else 0


class FeedParser:
    """Runs ``parse_feed`` off the event loop: in a thread, or in worker processes when a poll's
    parsing is heavy.

    Most feeds parse in a few milliseconds, and for those a thread is cheapest: a worker process
    costs about half a second of CPU to start plus the pickling of every document and result.
    Parses in this process run one at a time in one thread: parsing is CPU-bound Python that
    holds the GIL, so parallel parsing threads would gain nothing, while each would hold a
    document's parse in memory. A thread that parses for long (feedparser on big or unusual
    documents) makes the event loop wait at every system call, so, in a poll of at least
    ``min_batch`` feeds with ``workers`` > 0 (by default one worker where there is a second CPU),
    parses move to a pool of ``workers`` worker processes (started with "spawn", so no thread of
    this process is ever forked, and their CPU time is accounted to this process) once the
    median of the thread's last ``PROCESS_SAMPLE`` parses in that poll reaches ``heavy_parse``
    CPU-seconds, and a document of ``LARGE_BODY`` bytes or more goes there from the start. One
    worker, not one per CPU: the event loop's own work (fetching, matching, storing) needs the
    other CPU, and every worker holds its own copy of the parsing libraries and of the biggest
    document it has parsed (peak memory counts them all).
    The workers are handed ``WORKER_QUEUE`` parses each at a time; while they have that many and
    the event loop's process has a CPU besides theirs (``cpus`` > ``workers``), this process's
    thread takes the next waiting parse when it is idle (never a ``LARGE_BODY`` document), so
    that the thread, not only the workers, parses when the workers are behind: in a big cold
    poll the event loop's own work leaves most of its CPU free. On one CPU the thread leaves the
    workers' parses to them.
    The pool stays up while polls keep using it and is shut down at the start of a poll that
    follows one that did not, so a daemon whose ticks check a few feeds holds no extra
    processes. A worker that dies (out of memory, a crash in C code) fails the parses in
    flight; the next parse starts a new pool. Where worker processes cannot be made (no working
    ``/dev/shm``), parsing stays in a thread.
    """

    def __init__(
        self,
        workers: int | None = None,
        min_batch: int = PROCESS_BATCH,
        heavy_parse: float = HEAVY_PARSE,
        cpus: int | None = None,
    ) -> None:
        self.workers = default_workers() if workers is None else workers
        self.cpus = usable_cpus() if cpus is None else cpus
        tune_malloc()
        self.min_batch = min_batch
        self.heavy_parse = heavy_parse
        self._eligible = False  # this poll may use worker processes
        self._pool_used = False  # this poll has used them
        self._recent: deque[float] = deque(maxlen=PROCESS_SAMPLE)  # CPU-seconds of recent thread parses
        self._executor: ProcessPoolExecutor | None = None
        self._thread: ThreadPoolExecutor | None = None  # parses in this process, one at a time
        self._thread_busy = 0  # parses handed to the thread and not finished
        self._pool_busy = 0  # parses handed to the worker processes and not finished
        self._waiters: list[asyncio.Future[None]] = []  # parses waiting for a worker or the thread
        self.taken: Counter[str] = Counter()  # how many parses ran where: "thread", "worker"

    def begin_poll(self, feeds: int) -> None:
        """Say how many feeds the coming poll checks: a small poll parses in a thread only."""
        self._eligible = self.workers > 0 and feeds >= self.min_batch
        if not self._pool_used:
            self.close(wait=False)
        self._pool_used = False
        self._recent.clear()

    async def parse(
        self,
        body: bytes,
        *,
        feed_url: str,
        source: str,
        headers: Mapping[str, str],
        known: Mapping[str, str] | None = None,
    ) -> ParsedFeed:
        """``parse_feed`` off the event loop (``known``: see there)."""
        call = functools.partial(
            _parse, body, feed_url=feed_url, source=source, headers=dict(headers), known=known or None
        )
        recent = self._recent
        heavy = len(body) >= LARGE_BODY or (
            len(recent) == PROCESS_SAMPLE and statistics.median(recent) >= self.heavy_parse
        )
        pool = (self._executor or self._start()) if self._eligible and heavy else None
        if pool is None:
            return await self._in_thread(call)
        while self._pool_busy >= WORKER_QUEUE * self.workers:  # the workers have enough to do
            if self._may_help(len(body)):
                return await self._in_thread(call)
            await self._something_done()
        pool = self._executor or self._start()  # a new pool if the last one broke meanwhile
        return await (self._in_thread(call) if pool is None else self._in_workers(pool, call))

    def _may_help(self, size: int) -> bool:
        """Whether this process's thread may take a parse while the workers are all busy: the
        thread is idle, a CPU is left over for this process, and the document is not one that
        only a worker may parse."""
        return not self._thread_busy and self.cpus > self.workers and size < LARGE_BODY

    async def _something_done(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    def _done(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:  # all of them look again, in the order they came
            if not waiter.done():
                waiter.set_result(None)

    async def _in_workers(self, pool: ProcessPoolExecutor, call: Callable[[], ParsedFeed]) -> ParsedFeed:
        self._pool_used = True
        self._pool_busy += 1
        self.taken["worker"] += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, call)
        except BrokenProcessPool:
            if self._executor is pool:
                self._executor = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            self._pool_busy -= 1
            self._done()

    async def _in_thread(self, call: Callable[[], ParsedFeed]) -> ParsedFeed:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="parse")
        self._thread_busy += 1
        self.taken["thread"] += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, self._timed, call)
        finally:
            self._thread_busy -= 1
            self._done()

    def _timed(self, call: Callable[[], ParsedFeed]) -> ParsedFeed:
        started = time.thread_time()
        try:
            return call()
        finally:
            self._recent.append(time.thread_time() - started)  # deque.append is thread-safe

    def _start(self) -> ProcessPoolExecutor | None:
        try:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_started,
            )
        except (OSError, ImportError, NotImplementedError) as exc:  # no working sem_open (/dev/shm)
            event(log, "parse_workers_unavailable", logging.WARNING, error=str(exc), action="parsing in a thread")
            self.workers = 0
            return None
        event(log, "parse_workers_started", workers=self.workers)
        return self._executor

    def close(self, *, wait: bool = True) -> None:
        """Stop the worker processes (``begin_poll`` calls it when a poll did not use them)."""
        pool, self._executor = self._executor, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)
