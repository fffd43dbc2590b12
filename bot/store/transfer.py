"""Copying a state from one database to another (``ethics-bot migrate-state``): every table, in
``database.TABLES`` order (a table after those it refers to), every row with its id, in one
transaction on the target, which must be empty.

Why refuse a target that holds anything: a copy merged into a live state would renumber nothing
and collide on ids, or silently skip rows; a copy into an empty database is exact, and running
the command again after a failure is safe because the failed copy left nothing behind (one
transaction). After the copy each table's id sequence is moved past the copied ids, and the rows
are counted on both sides.

What this module does not do: take the writer lock, or decide which databases (cli/migrate.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import StoreError
from bot.store.database import TABLES, Store

BATCH = 500  # rows read and written at a time: a state of many stories never sits in memory whole


@dataclass(frozen=True)
class Copied:
    """Rows copied per table, in copy order."""

    tables: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.tables)


def row_counts(store: Store) -> dict[str, int]:
    return {t: int(store._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}


def copy_state(source: Store, target: Store) -> Copied:
    """Copy every row of ``source`` into the empty ``target`` (both at the same schema version,
    which opening them as ``Store`` ensures)."""
    held = {t: n for t, n in row_counts(target).items() if n}
    if held:
        listed = ", ".join(f"{n} {t}" for t, n in held.items())
        raise StoreError(
            f"{target.where} already holds a state ({listed}); migrate-state copies into an empty "
            "database only, so nothing was copied. Point --to at a new database, or drop this one's "
            "tables if it holds nothing you need."
        )
    try:
        copied = _copy(source, target)
    except target._db.errors as exc:  # a row the target refuses (say, an orphan the source kept)
        raise StoreError(
            f"the copy into {target.where} failed and was undone, nothing was copied: {str(exc).strip()}"
        ) from exc
    after = row_counts(target)
    wrong = [f"{t}: {n} copied, {after[t]} found" for t, n in copied if after[t] != n]
    if wrong:  # pragma: no cover - the transaction makes this a database fault
        raise StoreError(f"the copy in {target.where} does not match the source: {'; '.join(wrong)}")
    return Copied(tuple(copied))


def _copy(source: Store, target: Store) -> list[tuple[str, int]]:
    copied: list[tuple[str, int]] = []
    with target.transaction() as out:
        for table in TABLES:
            cursor = source._db.execute(f"SELECT * FROM {table} ORDER BY 1")
            columns = [c[0] for c in cursor.description]
            insert = f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            count = 0
            while rows := cursor.fetchmany(BATCH):
                out.executemany(insert, [tuple(row) for row in rows])
                count += len(rows)
            out.after_copy(table)
            copied.append((table, count))
    return copied
