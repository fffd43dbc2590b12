"""A throwaway PostgreSQL cluster for the tests, and fixtures that give each test its own database.

``postgres_server`` (session-scoped) runs ``initdb`` in a temporary folder and starts the server
on a Unix socket in that folder only (no TCP), with ``fsync=off``: its data dies with the session,
and so does the server, even when the test process is killed (a parent-death signal), and the
next session removes the folder a killed one left. PostgreSQL refuses to run as root, so under
root the folder is handed to ``nobody`` and initdb and the server run as that user. The programs
are found on PATH or under /usr/lib/postgresql/*/bin (the Debian layout; ``make test`` installs
them with apt when missing).

``store_url`` is parametrized over both backends: ``None`` for SQLite (the state folder), or the
address of a fresh, empty database on the throwaway server. ``database_url`` is the PostgreSQL one
alone. Without PostgreSQL binaries or psycopg the PostgreSQL cases skip, saying why, except
under CI (``CI=true``), where they fail: CI must test both backends.
"""

from __future__ import annotations

import ctypes
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

BACKENDS = ("sqlite", "postgresql")
PREFIX = "ethics-bot-pg-"


def find_bin(name: str) -> str | None:
    """A PostgreSQL program on PATH or in the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    def version(path: str) -> int:
        part = path.split("/")[-3]
        return int(part) if part.isdigit() else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    return candidates[-1] if candidates else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must test the PostgreSQL store (make test installs it with apt)", pytrace=False)
    pytest.skip(reason)


@dataclass
class PostgresServer:
    """A running throwaway cluster reachable on the Unix socket in ``folder``."""

    folder: Path
    process: subprocess.Popen[bytes]
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@/{dbname}?host={quote(str(self.folder), safe='')}"

    def new_database(self) -> str:
        """The address of a new empty database."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Immediate shutdown (SIGQUIT): the data is thrown away anyway."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _as(user: str | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}


def _die_with_us() -> None:
    """In the server's process, before exec: an immediate shutdown when the test process dies,
    however it dies (SIGKILL, a timeout), so a killed session leaves no server behind."""
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGQUIT)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _sweep() -> None:
    """Remove the folders of earlier sessions whose test process is gone (their servers died
    with them, see ``_die_with_us``)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((folder / "owner.pid").read_text())
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            continue  # not ours to judge: no or unreadable owner file, or a process we may not signal


def start_server() -> PostgresServer:
    initdb = find_bin("initdb")
    postgres = find_bin("postgres")
    if initdb is None or postgres is None:
        _unavailable("PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql/*/bin)")
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'psycopg[binary]>=3.1')")
    _sweep()
    user = "nobody" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    (folder / "owner.pid").write_text(str(os.getpid()))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data, log = folder / "data", folder / "server.log"
    try:
        subprocess.run([str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8",
                        "--no-sync"], capture_output=True, text=True, check=True, timeout=120, cwd="/", **_as(user))
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"initdb failed for the throwaway PostgreSQL: {exc.stderr or exc.stdout}", pytrace=False)
    with open(log, "wb") as out:  # the server writes its log here; it is not our child's stdout
        process = subprocess.Popen(
            [str(postgres), "-D", str(data), "-k", str(folder), "-c", "listen_addresses=", "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd="/", preexec_fn=_die_with_us,
            **_as(user),
        )
    server = PostgresServer(folder, process)
    deadline = time.monotonic() + 60
    while True:
        try:
            psycopg.connect(server.url("postgres"), connect_timeout=2).close()
            return server
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                text = log.read_text(errors="replace")[-2000:]
                shutil.rmtree(folder, ignore_errors=True)
                pytest.fail(f"the throwaway PostgreSQL did not start:\n{text}", pytrace=False)
            time.sleep(0.05)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for this test."""
    return postgres_server.new_database()


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str | None:
    """Each test twice: on SQLite in the state folder (None) and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
