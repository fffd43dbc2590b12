"""One writer per state folder: an OS-level lock (``fcntl.flock`` on ``<state>/writer.lock``)
that ``run`` and ``once`` take before they open the database, and hold until they exit.

Why a kernel lock: it belongs to the open file, so the kernel releases it when the process
ends in any way, SIGKILL and OOM included; a stale lock file never blocks the next start (the
file stays, the lock does not). Why refuse rather than wait: a second writer would poll the
same feeds and post from the same outbox, and a ``once`` started while the daemon runs has
nothing to add; saying so at once, with the holder's pid, is more useful than a silent wait.
Read-only commands (``status``, ``feeds``, ``health``) take no lock and work while it is held.

The lock is for SQLite only (``writer_lock``): a state in PostgreSQL (``BOT_DATABASE_URL``) is
shared by design, by processes on several machines, and takes no file lock.

What this module does not do: coordinate several hosts or replicas sharing one database
(flock is local to one machine's kernel; a network filesystem may not honour it).
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from bot.core.errors import StateBusyError, StoreError

LOCK_NAME = "writer.lock"


class WriterLock:
    """The state folder's writer lock; ``acquire`` raises ``StateBusyError`` when it is held."""

    def __init__(self, state_dir: str | Path, command: str) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> WriterLock:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create the lock file {self.path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise StateBusyError(self._busy_message(holder)) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock {self.path}: {exc}") from exc
        note = {"pid": os.getpid(), "command": self.command, "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(note) + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _busy_message(self, holder: dict[str, object]) -> str:
        who = f"`ethics-bot {holder['command']}`" if holder.get("command") else "another ethics-bot"
        pid = f"pid {holder['pid']}" if holder.get("pid") else "pid unknown"
        since = f", since {holder['since']}" if holder.get("since") else ""
        return (
            f"{who} is already running on {self.state_dir}/ ({pid}{since}); stop it, or use "
            f"`ethics-bot status` to look without writing. `{self.command}` did nothing."
        )


def writer_lock(state_dir: str | Path, command: str, database_url: str | None) -> AbstractContextManager[object]:
    """The state folder's writer lock for a SQLite state; nothing for a PostgreSQL one."""
    if database_url:
        return nullcontext()
    return WriterLock(state_dir, command)


def _read_holder(fd: int) -> dict[str, object]:
    """What the holder wrote about itself (empty if it has not written yet)."""
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
