"""A throwaway PostgreSQL cluster for the tests, and fixtures that give each test its own database.

``postgres_server`` (session-scoped) runs ``initdb`` in a temporary folder and starts the server
on a Unix socket in that folder only (no TCP), with ``fsync=off``: its data dies with the session.
PostgreSQL refuses to run as root, so under root the folder is handed to ``nobody`` and initdb,
pg_ctl and the server run as that user. The binaries are found on PATH or under
/usr/lib/postgresql/*/bin (the Debian layout; ``make test`` installs them with apt when missing).

``store_url`` is parametrized over both backends: ``None`` for SQLite (the state folder), or the
address of a fresh, empty database on the throwaway server. ``database_url`` is the PostgreSQL one
alone. Without PostgreSQL binaries or psycopg the PostgreSQL cases skip, saying why, except
under CI (``CI=true``), where they fail: CI must test both backends.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

BACKENDS = ("sqlite", "postgresql")


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
    bin_dir: Path
    user: str | None  # the unprivileged user it runs as (None: ourselves)
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
        _run(self.user, [str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                         "-w", "stop"], check=False)


def _run(user: str | None, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, user=user, group=(pwd.getpwnam(user).pw_gid if user else None),
                          extra_groups=[] if user else None, capture_output=True, text=True, check=check,
                          timeout=120, cwd="/")


def start_server() -> PostgresServer:
    initdb = find_bin("initdb")
    if initdb is None or find_bin("pg_ctl") is None:
        _unavailable("PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql/*/bin)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'psycopg[binary]>=3.1')")
    bin_dir = Path(str(initdb)).resolve().parent
    user = "nobody" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="ethics-bot-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data = folder / "data"
    try:
        _run(user, [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-locale",
                    "-E", "UTF8", "--no-sync"])
        options = f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off " \
                  "-c full_page_writes=off -c max_connections=200"
        _run(user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"),
                    "-w", "-t", "60", "start"])
    except subprocess.CalledProcessError as exc:
        log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"the throwaway PostgreSQL did not start: {exc.stderr or exc.stdout}\n{log[-2000:]}", pytrace=False)
    return PostgresServer(folder, bin_dir, user)


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
