"""``ethics-bot migrate-state --to postgresql://...``: move a SQLite state (``--state``) into an
empty PostgreSQL database, so that the bot can run there (``BOT_DATABASE_URL``) without
re-alerting anything it already sent or forgetting what it has seen.

It takes the state folder's writer lock (a running ``run`` or ``once`` must be stopped first:
it would keep writing to the file after the copy), brings both databases to the current schema,
and copies every table in one transaction (store/transfer.py). The SQLite file is left as it was,
a backup. ``--to`` defaults to ``$BOT_DATABASE_URL``; a password is better kept out of the
command line (``PGPASSWORD`` or ``~/.pgpass``, which libpq reads).
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.core.errors import BotError
from bot.store.backend import DB_NAME, describe, is_postgres, state_exists
from bot.store.database import Store
from bot.store.lock import WriterLock
from bot.store.transfer import copy_state


def add_parser(sub: Any, base: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "migrate-state",
        parents=[base],
        help="copy the SQLite state (--state) into an empty PostgreSQL database",
    )
    p.add_argument(
        "--to",
        metavar="URL",
        help="the PostgreSQL database, postgresql://user@host/dbname (default: $BOT_DATABASE_URL)",
    )


def cmd_migrate_state(args: argparse.Namespace) -> int:
    target_url = args.to or args.database_url
    if not target_url:
        raise BotError("migrate-state needs a target: --to postgresql://user@host/dbname (or BOT_DATABASE_URL)")
    if not is_postgres(target_url):
        raise BotError(f"--to must be a postgresql:// address (got {target_url.split(':', 1)[0]}:...)")
    if not state_exists(args.state, None):
        raise BotError(f"no SQLite state at {args.state}/{DB_NAME}: nothing to copy (--state DIR)")
    with WriterLock(args.state, "migrate-state"):
        source = Store(args.state)
        try:
            target = Store(args.state, target_url)
            try:
                copied = copy_state(source, target)
            finally:
                target.close()
        finally:
            source.close()
    detail = ", ".join(f"{n} {table}" for table, n in copied.tables)
    print(
        f"copied {copied.total} rows ({detail}) from {source.where} to {describe(target_url)}.\n"
        f"Set BOT_DATABASE_URL to that database and start the bot; it continues where the SQLite "
        f"state left off. {source.where} is unchanged: keep it as a backup."
    )
    return 0
