"""A local feed server for the polling benchmarks: N simulated RSS feeds on loopback addresses.

A raw asyncio HTTP/1.1 server (keep-alive, GET only, no dependencies) running on its own event
loop in a background thread. It listens on ``hosts`` loopback addresses (127.0.0.2, 127.0.0.3,
...; Linux routes all of 127.0.0.0/8 to ``lo``), one port each, and spreads the feeds over them
round-robin, so the bot sees many distinct hosts as it would on the internet. It never listens
on anything but loopback and never connects anywhere.

Feeds are generated deterministically from ``seed`` with an invented vocabulary: RSS 2.0, about
20 items and about 10 KB per feed, item descriptions in CDATA HTML, every story dated within the
last day. About ``match_percent`` % of stories contain one of ``KEYWORDS`` (the terms the bench
rules and the baseline look for).

Rounds (``set_round``): in round 0 every feed answers 200 with its first version and an ETag.
From round 1 on, each feed has a fixed behaviour (by a permutation of its index, exact for N a
multiple of 100): 70% unchanged (304 to a matching ``If-None-Match``, else the same body), 20%
with 1-3 new stories (a new version per round), 5% slow (``slow_latency`` seconds, then as
unchanged) and 5% failing (HTTP 500). Every answer waits ``latency`` seconds first.

    server = PollServer(1000).start()
    server.urls            # the feed URLs
    server.set_round(1)    # re-poll behaviour
    server.stop()

``route(path, handler)`` adds a hand-written feed (the latency benchmark's live feed).

``RealPollServer`` serves real feed documents instead (``bench/real_feeds.py``: the corpus of
``../shared/feeds/real``, one document per feed, cycling through it, each feed's copy made
distinct): the same rounds and behaviours, each document with its own Content-Type, and
Last-Modified beside the ETag (304 to a matching ``If-None-Match``, or to a matching
``If-Modified-Since`` when no ETag is sent). A changed feed's re-poll version holds 1-3 more
items than its first version (see ``real_feeds``); only round 1 is modelled.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from real_feeds import Document

# 20 invented terms that never occur in the filler text; the bench rules and the baseline
# keyword loop both look for exactly these.
KEYWORDS: tuple[str, ...] = (
    "vexmoral", "quorbine", "zaltrix", "gromwell", "pyxadent", "thulvane", "oxmarrow", "jespeth",
    "krundale", "wimbrax", "falquist", "dravonne", "sklerith", "ombrevo", "nuxtaffe", "brillock",
    "yarrowmet", "cazzenby", "plorvath", "hextigan",
)
_SYLLABLES = (
    "ba", "de", "fi", "go", "ku", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "wo", "zu",
    "an", "el", "in", "on", "ur", "ka", "lo", "mi", "ren", "tu", "vos", "pel", "dar", "ish", "ent",
)
UNCHANGED, NEW, SLOW, FAILING = "unchanged", "new", "slow", "failing"
ITEMS = 20

Handler = Callable[[dict[str, str]], tuple[int, dict[str, str], bytes]]


def _vocabulary(size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    banned = set(KEYWORDS)
    words: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))
        if len(word) > 1 and word not in banned:
            words.add(word)
    return sorted(words)


def behaviour(index: int) -> str:
    """What feed ``index`` does from round 1 on (70/20/5/5 over every 100 consecutive feeds)."""
    slot = (index * 37 + 11) % 100
    if slot < 70:
        return UNCHANGED
    if slot < 90:
        return NEW
    if slot < 95:
        return SLOW
    return FAILING


@dataclass(frozen=True)
class FeedStats:
    """Answers given since the last ``reset_stats``."""

    by_status: dict[int, int]
    requests: int


class PollServer:
    def __init__(
        self,
        n_feeds: int,
        *,
        hosts: int = 64,
        latency: float = 0.05,
        slow_latency: float = 2.0,
        seed: int = 1,
        match_percent: float = 1.0,
        summary_words: int = 22,
    ) -> None:
        if not 1 <= hosts <= 250:
            raise ValueError("hosts must be between 1 and 250")
        self.n_feeds = n_feeds
        self.latency = latency
        self.slow_latency = slow_latency
        self.seed = seed
        self.match_percent = match_percent
        self.summary_words = summary_words
        self.addresses = [f"127.0.0.{2 + k}" for k in range(min(hosts, max(n_feeds, 1)))]
        self.ports: dict[str, int] = {}
        self.urls: list[str] = []
        self.started_at = datetime.now(UTC).replace(microsecond=0)
        self._round = 0
        self._round_started: dict[int, datetime] = {0: self.started_at}
        self._words = _vocabulary(2000, seed)
        self._bodies: dict[tuple[int, int], bytes] = {}
        self._routes: dict[str, Handler] = {}
        self._stats: Counter[int] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # ------------------------------------------------------------------ control (any thread)
    def start(self) -> PollServer:
        self._thread = threading.Thread(target=self._run, name="poll-server", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError(f"the bench feed server could not start: {self._error}") from self._error
        self.urls = [self.url_for(i) for i in range(self.n_feeds)]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> PollServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url_for(self, index: int) -> str:
        address = self.addresses[index % len(self.addresses)]
        return f"http://{address}:{self.ports[address]}/feeds/{index}.xml"

    def route(self, path: str, handler: Handler, *, address_index: int = 0) -> str:
        """Serve ``handler(request_headers) -> (status, headers, body)`` at ``path``; its URL."""
        self._routes[path] = handler
        address = self.addresses[address_index]
        return f"http://{address}:{self.ports[address]}{path}"

    def set_round(self, number: int) -> None:
        self._round_started.setdefault(number, datetime.now(UTC).replace(microsecond=0))
        self._round = number

    def reset_stats(self) -> None:
        self._stats = Counter()

    def stats(self) -> FeedStats:
        counts = dict(self._stats)
        return FeedStats(counts, sum(counts.values()))

    def drop_cache(self) -> None:
        self._bodies.clear()

    # ------------------------------------------------------------------ feeds
    def version(self, index: int, round_number: int | None = None) -> int:
        r = self._round if round_number is None else round_number
        return r if r > 0 and behaviour(index) == NEW else 0

    def new_per_round(self, index: int) -> int:
        return 1 + index % 3

    def story_numbers(self, index: int, version: int) -> range:
        """The story numbers a version holds, newest first."""
        top = ITEMS + version * self.new_per_round(index)
        return range(top - 1, top - 1 - ITEMS, -1)

    def is_match(self, index: int, story: int) -> bool:
        return random.Random(self.seed * 7_000_003 + index * 100_003 + story).random() * 100 < self.match_percent

    def matching_stories(self, index: int, version: int) -> list[int]:
        return [s for s in self.story_numbers(index, version) if self.is_match(index, s)]

    def body(self, index: int, version: int) -> bytes:
        key = (index, version)
        cached = self._bodies.get(key)
        if cached is None:
            cached = self._bodies[key] = self._render(index, version)
        return cached

    def _published(self, index: int, story: int) -> datetime:
        if story < ITEMS:  # the first version: one story every 55 minutes over the last day
            return self.started_at - timedelta(minutes=55 * (ITEMS - story))
        round_number = (story - ITEMS) // self.new_per_round(index) + 1
        return self._round_started.get(round_number, self.started_at)

    def _render(self, index: int, version: int) -> bytes:
        words = self._words
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
            f"<title>Bench feed {index}</title><link>https://news{index}.example/</link>",
            f"<description>Simulated feed {index}</description><language>en</language>",
        ]
        for story in self.story_numbers(index, version):
            rng = random.Random(self.seed * 1_000_003 + index * 10_007 + story)
            title = rng.choices(words, k=rng.randint(6, 10))
            summary = rng.choices(words, k=self.summary_words)
            if self.is_match(index, story):
                keyword = KEYWORDS[rng.randrange(len(KEYWORDS))]
                summary[rng.randrange(len(summary))] = keyword
                title[rng.randrange(len(title))] = keyword
            title[0] = title[0].capitalize()
            half = len(summary) // 2
            link = f"https://news{index}.example/{story}/{title[1]}-{title[2]}"
            parts.append(
                f"<item><title>{' '.join(title)} {index}-{story}</title><link>{link}</link>"
                f'<guid isPermaLink="false">bench-{index}-{story}</guid>'
                f"<pubDate>{format_datetime(self._published(index, story), usegmt=True)}</pubDate>"
                f"<description><![CDATA[<p>{' '.join(summary[:half])} <a href=\"{link}\">more</a></p>"
                f"<p>{' '.join(summary[half:])}.</p>]]></description></item>"
            )
        parts.append("</channel></rss>\n")
        return "".join(parts).encode()

    # ------------------------------------------------------------------ HTTP
    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            for address in self.addresses:
                server = loop.run_until_complete(
                    asyncio.start_server(self._serve, address, 0, backlog=1024, limit=65536)
                )
                self.ports[address] = server.sockets[0].getsockname()[1]
                self._servers.append(server)
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            for server in self._servers:
                server.close()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = [*lines[0].split(" "), "", ""][:3]
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                status, extra, body = await self._answer(method, path, headers)
                self._stats[status] += 1
                close = headers.get("connection", "").lower() == "close"
                out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                out.append(f"Content-Length: {len(body)}")
                out.append("Connection: close" if close else "Connection: keep-alive")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if method != "GET":
            return 405, {"Allow": "GET"}, b""
        path = path.split("?", 1)[0]
        if path in self._routes:
            await asyncio.sleep(self.latency)
            return self._routes[path](headers)
        index = _feed_index(path)
        if index is None or not 0 <= index < self.n_feeds:
            await asyncio.sleep(self.latency)
            return 404, {"Content-Type": "text/plain"}, b"no such feed\n"
        kind = behaviour(index) if self._round > 0 else UNCHANGED
        await asyncio.sleep(self.slow_latency if kind == SLOW else self.latency)
        if kind == FAILING:
            return 500, {"Content-Type": "text/plain"}, b"simulated failure\n"
        version = self.version(index)
        answer = self.validators(index, version)
        if self.not_modified(answer, headers):
            return 304, answer, b""
        return 200, {"Content-Type": self.content_type(index), **answer}, self.body(index, version)

    def validators(self, index: int, version: int) -> dict[str, str]:
        """The headers a 200 and a 304 for this version both carry."""
        return {"ETag": f'"{index}-{version}"'}

    def not_modified(self, validators: dict[str, str], request: dict[str, str]) -> bool:
        return request.get("if-none-match") == validators["ETag"]

    def content_type(self, index: int) -> str:
        return "application/rss+xml; charset=utf-8"


class RealPollServer(PollServer):
    """``PollServer`` serving real documents: feed ``index`` is ``documents[index % len]``."""

    def __init__(self, n_feeds: int, documents: Sequence[Document], **kwargs: float | int) -> None:
        super().__init__(n_feeds, **kwargs)  # type: ignore[arg-type]
        if not documents:
            raise ValueError("no documents to serve")
        self.documents = tuple(documents)

    def document(self, index: int) -> Document:
        return self.documents[index % len(self.documents)]

    def new_items(self, index: int) -> int:
        """Items a changed feed gains in round 1 (0 for the other behaviours)."""
        return self.new_per_round(index) if behaviour(index) == NEW else 0

    def version(self, index: int, round_number: int | None = None) -> int:
        return min(super().version(index, round_number), 1)

    def _render(self, index: int, version: int) -> bytes:
        return self.document(index).render(index, version=version, new_items=self.new_items(index))

    def items_served(self, index: int, version: int) -> int:
        """Items in this version of feed ``index`` (the bot's new stories on a first poll)."""
        doc, new = self.document(index), self.new_items(index)
        if version == 0:
            return doc.items - doc.hidden(new)
        return doc.items + (1 if new and doc.items == 1 else 0)

    def content_type(self, index: int) -> str:
        return self.document(index).content_type

    def validators(self, index: int, version: int) -> dict[str, str]:
        changed = self._round_started.get(version, self.started_at) if version else self.started_at
        return {**super().validators(index, version), "Last-Modified": format_datetime(changed, usegmt=True)}

    def not_modified(self, validators: dict[str, str], request: dict[str, str]) -> bool:
        if "if-none-match" in request:
            return super().not_modified(validators, request)
        return request.get("if-modified-since") == validators["Last-Modified"]


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}


def _feed_index(path: str) -> int | None:
    if not (path.startswith("/feeds/") and path.endswith(".xml")):
        return None
    digits = path[len("/feeds/") : -len(".xml")]
    return int(digits) if digits.isdigit() else None


if __name__ == "__main__":  # a quick look: python bench/poll_server.py
    with PollServer(200) as srv:
        sizes = [len(srv.body(i, 0)) for i in range(200)]
        print(f"{len(srv.addresses)} addresses, first feed {srv.urls[0]}")
        print(f"feed size: min {min(sizes)} max {max(sizes)} mean {sum(sizes) / len(sizes):.0f} bytes")
        matches = sum(len(srv.matching_stories(i, 0)) for i in range(200))
        print(f"matching stories in the first versions: {matches} of {200 * ITEMS}")
        kinds = Counter(behaviour(i) for i in range(200))
        print("re-poll behaviour:", dict(kinds))
        t = time.monotonic()
        for i in range(200):
            srv.body(i, 1)
        print(f"render: {(time.monotonic() - t) / 200 * 1000:.2f} ms per feed")
