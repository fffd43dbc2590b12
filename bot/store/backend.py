"""Which database the state lives in, and the one connection interface both adapters offer.

The state is SQLite in the state folder (``bot.sqlite3``, the embedded default) or PostgreSQL
when ``BOT_DATABASE_URL`` is a ``postgresql://`` address (the CLI reads the variable and passes
it in). Both run the same schema and migrations (database.py) and the same SQL: the parts write
portable SQL (``?`` placeholders, ``ON CONFLICT``, ``RETURNING``) and each adapter translates the
few differences that remain (sqlite.py: none; postgres.py: placeholders and column types).

What this module does not do: import sqlite3 or psycopg. Each library lives in its own adapter
module and is imported only when that backend is opened, so a SQLite user never loads psycopg.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.core.errors import StoreError

DB_NAME = "bot.sqlite3"
POSTGRES_SCHEMES = ("postgresql", "postgres")


class Cursor(Protocol):
    """What a part reads from a statement: rows (index or column name), and rowcount."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int) -> list[Any]: ...

    @property
    def description(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(ABC):
    """One connection to the state database, in autocommit mode outside ``begin``/``commit``."""

    kind: str  # "sqlite" or "postgresql"
    where: str  # for messages: the file, or the address without its password
    errors: tuple[type[BaseException], ...]  # what the library raises

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def begin(self) -> None:
        """Start a write transaction (SQLite: BEGIN IMMEDIATE, the writer's lock at once)."""

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def schema_version(self) -> int:
        """The number of migrations applied (0 for an empty database)."""

    @abstractmethod
    def set_schema_version(self, number: int) -> None:
        """Record the migrations applied; called inside the migration's transaction."""

    @abstractmethod
    def lock_schema(self) -> None:
        """Inside a transaction: keep other processes from migrating at the same time."""

    @abstractmethod
    def tables(self) -> set[str]:
        """The names of the tables in the database (migrate-state checks its target)."""

    @abstractmethod
    def after_copy(self, table: str) -> None:
        """After rows with explicit ids were copied into ``table``: let new ids follow them."""


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(str(url)).scheme in POSTGRES_SCHEMES


def check_url(url: str) -> str:
    """The address, or a StoreError saying in plain words what is wrong with it."""
    if not is_postgres(url):
        shown = url.split(":", 1)[0] + ":..." if ":" in url else url[:20]
        raise StoreError(
            f"BOT_DATABASE_URL must be a postgresql:// address (got {shown!r}); unset it to keep the "
            "state in SQLite in the --state folder"
        )
    return url


def describe(url: str) -> str:
    """The address as logs and messages may show it: no password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith("password"))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def connect(state_dir: str | Path, database_url: str | None) -> Connection:
    """Open the state: PostgreSQL at ``database_url`` when given, else SQLite in ``state_dir``."""
    if database_url:
        check_url(database_url)
        try:
            from bot.store.postgres import PostgresConnection
        except ImportError as exc:
            raise StoreError(
                f"BOT_DATABASE_URL names a PostgreSQL database but psycopg is not installed ({exc}): "
                "pip install 'ethics-feed-bot[postgres]', or unset BOT_DATABASE_URL to use SQLite"
            ) from exc
        return PostgresConnection(database_url)
    from bot.store.sqlite import SqliteConnection

    return SqliteConnection(Path(state_dir) / DB_NAME)


def state_exists(state_dir: str | Path, database_url: str | None) -> bool:
    """Whether there is a state to read (a database server is asked when the store opens)."""
    return bool(database_url) or (Path(state_dir) / DB_NAME).is_file()
