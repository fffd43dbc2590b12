"""A local fake Slack that answers as the documented Slack does (../shared/slack-contract.md).

``FakeSlack`` is a real HTTP server on 127.0.0.1 (port 0 by default) serving ``/api/auth.test``,
``/api/conversations.list``, ``/api/chat.postMessage`` and incoming webhooks at
``/services/T…/B…/…``. Point the real ``slack_sdk`` clients at ``fake.api_url`` and
``fake.webhook_url()``. Tests read what Slack would have shown (``fake.messages``) and what each
request looked like (``fake.requests``: status, error, thread flags, mention analysis, rate
limits), and inject faults (``fail_next``, ``set_down``, ``set_ratelimit_every``,
``set_channel_rate``, ``reset``).

It does not implement any other Slack method, real permissions or scopes, threads' reply
counts, or Slack's undocumented splitting of long messages; ``fake_slack_socket.FakeSocketMode``
adds Socket Mode (``apps.connections.open`` and its WebSocket) and ``chat.update``.

Standalone, for container smoke tests::

    python -m tests.support.fake_slack --host 0.0.0.0 --port 8099 --log requests.jsonl
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

from tests.support.fake_slack_core import Channel, PostedMessage, SlackCore
from tests.support.fake_slack_http import FakeSlackServer

__all__ = ["Channel", "FakeSlack", "PostedMessage"]

_NAME = re.compile(r"[A-Za-z0-9]+")


class FakeSlack(SlackCore):
    """The fake Slack server. A context manager: serving inside ``with``, stopped after."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "xoxb-test-token",
        ratelimit_every: int = 0,
        retry_after: int = 1,
        channel_rate: int = 0,
        blocks_text_budget: int = 12000,
        msg_too_long: bool = False,
        webhooks: list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        log_stream: IO[str] | None = None,
    ) -> None:
        super().__init__(
            token=token, ratelimit_every=ratelimit_every, retry_after=retry_after,
            channel_rate=channel_rate, blocks_text_budget=blocks_text_budget,
            msg_too_long=msg_too_long, webhooks=webhooks, clock=clock, log_stream=log_stream,
        )
        self.host = host
        self._server = FakeSlackServer((host, port), self)
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` as a client on this machine reaches it."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, ending in ``/api/`` as slack_sdk needs (contract §7)."""
        return f"{self.base_url}/api/"

    def webhook_url(self, name: str = "default") -> str:
        """A well-formed incoming-webhook URL. A magic ``name`` (``removed``, ``invalid``,
        ``archived``, ``inactive``, ``prohibited``, ``nochannel``) gives that refusal. When the
        fake was started with ``webhooks=[...]``, ``"default"`` is the first listed hook."""
        if self.webhooks and name == "default":
            return self.base_url + self.webhooks[0]
        if not _NAME.fullmatch(name):
            raise ValueError(f"webhook name must be letters and digits: {name!r}")
        return f"{self.base_url}/services/T0FAKE0001/B0FAKE0001/{name}0a1b2c3d4e5f"

    def start(self) -> FakeSlack:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
            name=f"fake-slack:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.fake_slack",
                                     description="A local fake Slack Web API and webhooks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--token", default="xoxb-test-token")
    parser.add_argument("--ratelimit-every", type=int, default=0, metavar="K")
    parser.add_argument("--retry-after", type=int, default=1, metavar="S")
    parser.add_argument("--channel-rate", type=int, default=0, metavar="BURST")
    parser.add_argument("--blocks-text-budget", type=int, default=12000, metavar="N")
    parser.add_argument("--msg-too-long", action="store_true")
    parser.add_argument("--webhook", action="append", nargs="+", default=[], metavar="PATH")
    parser.add_argument("--log", metavar="FILE.jsonl")
    opts = parser.parse_args(argv)
    hooks = [path for group in opts.webhook for path in group] or None
    log_stream = open(opts.log, "a", encoding="utf-8") if opts.log else None  # noqa: SIM115
    fake = FakeSlack(
        host=opts.host, port=opts.port, token=opts.token, ratelimit_every=opts.ratelimit_every,
        retry_after=opts.retry_after, channel_rate=opts.channel_rate,
        blocks_text_budget=opts.blocks_text_budget, msg_too_long=opts.msg_too_long,
        webhooks=hooks, log_stream=log_stream,
    )
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with fake:
        print(f"fake slack: api {fake.api_url} webhook {fake.webhook_url()}", flush=True)
        stopping.wait()
    if log_stream is not None:
        log_stream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
