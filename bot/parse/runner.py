"""Where feed documents are parsed: in a thread, or in a worker process when parsing is heavy.

What it does: ``FeedParser.parse`` runs ``bot.parse.feed.parse_feed`` off the event loop, one
parse at a time in one thread, and decides, poll by poll, whether a worker process
(``bot.parse.worker``) does it instead (see the class). What it does not do: parse
(parse/feed.py), fetch, or know about feeds beyond the bytes it is handed.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import itertools
import logging
import os
import pickle  # the answers of this bot's own worker process, through its own pipe
import statistics
import subprocess
import sys
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import bot
from bot.core.errors import FeedParseError
from bot.observe.logs import event, get_logger
from bot.parse.feed import ParsedFeed, parse_feed
from bot.parse.memory import trim, tune_malloc
from bot.parse.worker import FRAME, TRIM_AFTER, frame

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
# Parses handed to each worker at a time, and the bytes of their documents: enough that a worker
# always has the next document in hand while this process is busy with other work (its event
# loop hands parses over and collects them between fetching, matching and storing, sometimes
# tens of milliseconds apart). With 2, a real cold poll's worker sat idle a third of the time
# (BENCHMARKS.md); the bytes bound the memory the queue holds when documents are big. The other
# parses wait here, where this process's own thread may take them (see FeedParser).
WORKER_QUEUE = 16
WORKER_QUEUE_BYTES = 4 * 1024 * 1024
PIPE_SIZE = 1024 * 1024  # the pipes to a worker hold this much (where Linux allows), so a body goes in one write
WORKER_EXIT_WAIT = 10.0  # seconds a stopping worker may take to finish its parse before it is killed


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


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


class WorkerStartError(Exception):
    """A worker process ended before it answered anything, with an error of its own (it could
    not start: a broken installation, no memory): parsing stays in this process."""


class WorkerDied(FeedParseError):
    """The worker process ended while it read this document (killed, out of memory, a crash)."""


class _Retry(Exception):
    """The worker ended before this parse began: another worker takes it."""


class _Worker:
    """One worker process (``bot.parse.worker``), the pipes to it, and the parses it was sent.

    The pipes are non-blocking and read and written by the event loop itself (``add_reader``,
    ``add_writer``), so that no thread of this process stands between the loop and the worker.
    The worker answers in the order it was asked: when it ends (killed, out of memory, a crash
    in C code) the oldest unanswered parse is the one it was reading, and fails with a
    ``FeedParseError`` that says so; the others had not begun, and are parsed again elsewhere.
    """

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.pending: dict[int, asyncio.Future[ParsedFeed]] = {}
        self.answered = 0
        self._send, self._receive = proc.stdin.fileno(), proc.stdout.fileno()
        self._inbox = bytearray()
        self._outbox = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        for fd in (self._send, self._receive):
            os.set_blocking(fd, False)
            with contextlib.suppress(OSError, AttributeError):  # a bigger pipe: optional (Linux)
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)

    @classmethod
    def start(cls) -> _Worker:
        here = str(Path(bot.__file__).resolve().parents[1])  # this bot's code, wherever it is installed
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": here + (os.pathsep + path if path else "")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.parse.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal is for the bot, which stops its worker
        )
        return cls(proc)

    def submit(self, job: int, request: bytes) -> asyncio.Future[ParsedFeed]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests run several): answers come to this one
            self._detach()
            self._loop = loop
            loop.add_reader(self._receive, self._readable)
        future: asyncio.Future[ParsedFeed] = loop.create_future()
        self.pending[job] = future
        self._outbox += request
        self._writable()
        return future

    def _writable(self) -> None:
        try:
            written = os.write(self._send, self._outbox)
        except BlockingIOError:
            written = 0
        except OSError:  # the worker has ended: _readable sees it, and says so
            self._outbox.clear()
            written = 0
        del self._outbox[:written]
        assert self._loop is not None
        if self._outbox:
            self._loop.add_writer(self._send, self._writable)
        else:
            self._loop.remove_writer(self._send)

    def _readable(self) -> None:
        try:
            data = os.read(self._receive, PIPE_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._ended()
            return
        inbox = self._inbox
        inbox += data
        while len(inbox) >= FRAME.size:
            size = FRAME.unpack_from(inbox)[0]
            if len(inbox) < FRAME.size + size:
                break
            job, ok, value = pickle.loads(inbox[FRAME.size : FRAME.size + size])
            del inbox[: FRAME.size + size]
            self.answered += 1
            future = self.pending.pop(job, None)
            if future is not None and not future.done():
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _ended(self) -> None:
        """The worker closed its answers: it has exited, or is about to."""
        self._detach()
        try:
            code = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            code = None
        waiting, self.pending = list(self.pending.values()), {}
        if not waiting:
            return
        if not self.answered and code is not None and code > 0:
            failure: Exception = WorkerStartError(f"the parser process could not start (exit code {code})")
            for future in waiting:
                _fail(future, failure)
            return
        _fail(waiting[0], WorkerDied(f"the parser process {_ending(code)} while reading this document"))
        for future in waiting[1:]:
            _fail(future, _Retry())

    def _detach(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._receive)
            self._loop.remove_writer(self._send)
        self._loop = None

    def stop(self) -> None:
        """Close the pipes: the worker finishes its parse, if any, and exits (``_reap`` waits)."""
        self._detach()
        for future in self.pending.values():
            _fail(future, FeedParseError("the bot stopped its parser process before it read this document"))
        self.pending = {}
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _fail(future: asyncio.Future[ParsedFeed], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def _ending(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        hint = " (out of memory?)" if code == -9 else ""
        return f"was killed by signal {-code}{hint}"
    return f"exited (code {code})"


def _reap(procs: list[subprocess.Popen[bytes]], wait: bool) -> None:
    """Wait for stopped workers to exit (``wait``), or collect those that have; kill a worker
    that does not exit in time. Keeps, in ``procs``, the ones still running."""
    running = []
    for proc in procs:
        if wait:
            try:
                proc.wait(timeout=WORKER_EXIT_WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        elif proc.poll() is None:
            running.append(proc)
    procs[:] = running


def _stop_all(workers: list[_Worker], stopping: list[subprocess.Popen[bytes]]) -> None:
    """At exit: stop the workers and wait for them (their CPU time then counts as this process's)."""
    for worker in workers:
        worker.stop()
        stopping.append(worker.proc)
    workers.clear()
    _reap(stopping, wait=True)


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
    parses move to ``workers`` worker processes (``bot.parse.worker``, started with
    ``subprocess``: no thread of this process is forked, and their CPU time is accounted to this
    process) once the median of the thread's last ``PROCESS_SAMPLE`` parses in that poll reaches
    ``heavy_parse`` CPU-seconds, and a document of ``LARGE_BODY`` bytes or more goes there from
    the start. One worker, not one per CPU: the event loop's own work (fetching, matching,
    storing) needs the other CPU, and every worker holds its own copy of the parsing libraries
    and of the biggest document it has parsed (peak memory counts them all).
    The workers are handed ``WORKER_QUEUE`` parses (``WORKER_QUEUE_BYTES`` of documents) each at
    a time; while they have that many and the event loop's process has a CPU besides theirs
    (``cpus`` > ``workers``), this process's thread takes the next waiting parse when it is idle
    (never a ``LARGE_BODY`` document), so that the thread, not only the workers, parses when the
    workers are behind. On one CPU the thread leaves the workers' parses to them.
    The workers stay up while polls keep using them and are stopped at the start of a poll that
    follows one that did not, so a daemon whose ticks check a few feeds holds no extra
    processes; ``close`` stops them (and, failing that, the end of the program). A worker that
    dies (out of memory, a crash in C code) fails the parse it was reading with a
    ``FeedParseError`` that says so; the parses waiting behind it go to a new worker. Where a
    worker process cannot be started, parsing stays in a thread.
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
        self._pool: list[_Worker] = []  # the running worker processes
        self._stopping: list[subprocess.Popen[bytes]] = []  # stopped workers not yet known to have exited
        self._jobs = itertools.count()
        self._thread: ThreadPoolExecutor | None = None  # parses in this process, one at a time
        self._thread_busy = 0  # parses handed to the thread and not finished
        self._pool_busy = 0  # parses handed to the worker processes and not finished
        self._pool_bytes = 0  # the bytes of their documents
        self._waiters: list[asyncio.Future[None]] = []  # parses waiting for a worker or the thread
        self.taken: Counter[str] = Counter()  # how many parses ran where: "thread", "worker"
        weakref.finalize(self, _stop_all, self._pool, self._stopping)

    @property
    def worker_pids(self) -> list[int]:
        """The process ids of the running workers (none until a poll's parsing is heavy)."""
        return [worker.proc.pid for worker in self._pool]

    def begin_poll(self, feeds: int) -> None:
        """Say how many feeds the coming poll checks: a small poll parses in a thread only."""
        self._eligible = self.workers > 0 and feeds >= self.min_batch
        if not self._pool_used:
            self.close(wait=False)
        self._pool_used = False
        self._recent.clear()
        _reap(self._stopping, wait=False)

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
        request = (body, feed_url, source, dict(headers), known or None)  # what a worker is sent
        call = functools.partial(
            _parse, body, feed_url=feed_url, source=source, headers=request[3], known=request[4]
        )
        recent = self._recent
        heavy = len(body) >= LARGE_BODY or (
            len(recent) == PROCESS_SAMPLE and statistics.median(recent) >= self.heavy_parse
        )
        if not (self._eligible and heavy and (self._pool or self._start())):
            return await self._in_thread(call)
        while self._workers_full(len(body)):  # the workers have enough to do
            if not self.workers or self._may_help(len(body)):  # (none: they could not start)
                return await self._in_thread(call)
            await self._something_done()
        return await self._in_workers(request, call)

    def _workers_full(self, size: int) -> bool:
        """Whether the workers have as many parses as they are handed at a time (or as many
        bytes: a document is handed to a worker that has none, however big)."""
        if self._pool_busy >= WORKER_QUEUE * self.workers:
            return True
        return self._pool_busy > 0 and self._pool_bytes + size > WORKER_QUEUE_BYTES * self.workers

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

    async def _in_workers(self, request: tuple[Any, ...], call: Callable[[], ParsedFeed]) -> ParsedFeed:
        """``request`` in a worker (``call`` in the thread where no worker can start)."""
        size = len(request[0])
        self._pool_used = True
        self._pool_busy += 1
        self._pool_bytes += size
        self.taken["worker"] += 1
        try:
            while True:
                if not (self._pool or self._start()):  # workers cannot start here: the thread parses
                    return await self._in_thread(call)
                worker = min(self._pool, key=lambda w: len(w.pending))
                job = next(self._jobs)
                try:
                    return await worker.submit(job, frame((job, *request)))
                except _Retry:  # the worker ended before this parse began
                    self._forget(worker)
                except WorkerDied:
                    self._forget(worker)
                    raise
                except WorkerStartError as exc:
                    self._forget(worker)
                    self._unavailable(str(exc))
        finally:
            self._pool_busy -= 1
            self._pool_bytes -= size
            self._done()

    def _forget(self, worker: _Worker) -> None:
        """A worker that ended: out of the pool (every parse it failed calls this; once is enough)."""
        if worker in self._pool:
            self._pool.remove(worker)
            worker.stop()
            self._stopping.append(worker.proc)

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

    def _start(self) -> list[_Worker]:
        """Start the workers (none where a process cannot be started: parsing stays in a thread)."""
        if not self.workers:  # none to start, or they could not start
            return []
        try:
            while len(self._pool) < self.workers:
                self._pool.append(_Worker.start())
        except OSError as exc:
            self._unavailable(str(exc))
            return []
        event(log, "parse_workers_started", workers=self.workers)
        return self._pool

    def _unavailable(self, error: str) -> None:
        if not self.workers:  # said already
            return
        event(log, "parse_workers_unavailable", logging.WARNING, error=error, action="parsing in a thread")
        self.workers = 0
        self.close(wait=False)

    def close(self, *, wait: bool = True) -> None:
        """Stop the worker processes (``begin_poll`` does when a poll did not use them); with
        ``wait``, until they have exited."""
        for worker in self._pool:
            worker.stop()
            self._stopping.append(worker.proc)
        self._pool.clear()
        _reap(self._stopping, wait)
