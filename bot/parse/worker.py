"""A parsing process: reads parse requests on stdin, answers on stdout (``python -m bot.parse.worker``).

What it does: runs ``parse_feed`` for the requests ``runner.FeedParser`` sends, one at a time in
the order they came, and answers each with its ``ParsedFeed`` or the exception it raised; it
exits when its stdin closes. What it does not do: decide what is parsed where (runner.py), or
fetch, match or store anything.

The process imports only the parsing modules (not the command line, the store or the rules), and
is started by ``subprocess`` rather than ``multiprocessing``: no resource-tracker process beside
it, no semaphores in ``/dev/shm``, and no second import of the script that started the bot.

The messages on both pipes are frames: an 8-byte big-endian length, then a pickle. A request is
``(job, body, feed_url, source, headers, known)``; an answer is ``(job, ok, value)``, where value
is the ``ParsedFeed`` when ok and the exception otherwise. Pickles come only from the process
that started this one (the pipes are its own), never from the network.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
from typing import IO, Any

from bot.parse.feed import parse_feed
from bot.parse.memory import trim, tune_malloc

FRAME = struct.Struct(">Q")
TRIM_AFTER = 128 * 1024  # after parsing a document this big, free memory goes back to the system


def frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(data)) + data


def parse_request(request: tuple[Any, ...]) -> tuple[int, bool, Any]:
    """The answer to one request (``parse_feed``; after a big document, freed memory goes back)."""
    job, body, feed_url, source, headers, known = request
    try:
        return job, True, parse_feed(body, feed_url=feed_url, source=source, headers=headers, known=known)
    except Exception as exc:  # the caller raises it where the parse was asked for
        return job, False, exc
    finally:
        if len(body) >= TRIM_AFTER:
            trim()


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def serve(requests: IO[bytes], answers: IO[bytes]) -> int:
    """Answer requests until ``requests`` ends (the parent closed the pipe or exited)."""
    while (head := _read_exactly(requests, FRAME.size)) is not None:
        payload = _read_exactly(requests, FRAME.unpack(head)[0])
        if payload is None:
            break
        answer = parse_request(pickle.loads(payload))
        try:
            data = frame(answer)
        except Exception as exc:  # an exception that cannot be pickled: its words still go back
            data = frame((answer[0], False, RuntimeError(f"{answer[2]!r} (not picklable: {exc!r})")))
        answers.write(data)
        answers.flush()
    return 0


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the bot stops its worker itself
    tune_malloc()
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print() must not corrupt the answers
    sys.stdout = sys.stderr
    try:
        return serve(sys.stdin.buffer, answers)
    except BrokenPipeError:  # the bot closed the pipe: it no longer wants the answer
        return 0
    finally:
        with contextlib.suppress(OSError):
            answers.close()


if __name__ == "__main__":
    sys.exit(main())
