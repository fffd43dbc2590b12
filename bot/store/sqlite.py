"""The SQLite adapter: the state database as a file in the state folder (the embedded default).

The journal is WAL with ``synchronous=NORMAL``: durable across a crash of the process (the case
that matters for a container); a power loss may roll back the last commits, never half of one.
A write transaction is ``BEGIN IMMEDIATE``: it takes SQLite's write lock at once, so two writers
wait for each other (30 s) instead of failing half-way. The schema version is ``PRAGMA
user_version``. SQL runs as the parts wrote it.

What this module does not do: know the schema (database.py) or the tables. sqlite3 is imported
here only; its objects never leave bot/store/.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from bot.store.backend import Connection, Cursor


class SqliteConnection(Connection):
    kind = "sqlite"
    errors = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return cast(Cursor, self._db.execute(sql, params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._db.executemany(sql, rows)

    def begin(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        self._db.close()

    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, number: int) -> None:
        self._db.execute(f"PRAGMA user_version = {int(number)}")

    def lock_schema(self) -> None:
        """Nothing to add: BEGIN IMMEDIATE already keeps every other writer out."""

    def after_copy(self, table: str) -> None:
        """Nothing to do: a new row's id is one more than the largest id in the table."""

    def tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {str(r[0]) for r in rows}
