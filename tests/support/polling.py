"""One real poll for tests: a ``Context`` over a rules file's feeds and a store, and
``poll_once``, which checks every active feed through a real ``Fetcher`` (``once``'s path: no
leases), as ``ethics-bot once`` does before it delivers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config.load import load_config
from bot.fetch.client import Fetcher
from bot.flow.pipeline import Context, fetch_limits, poll_feeds
from bot.rules.match import compile_rules
from bot.store.database import Store


def poll_context(rules: Path, state: Path, store_url: str | None = None) -> Context:
    """A context for the rules file at ``rules``, its feeds synced into a store at ``state``."""
    config = load_config(rules)
    store = Store(state, store_url)
    ctx = Context(config=config, ruleset=compile_rules(config.rules, config.lists, config.settings.default_channel),
                  store=store)
    store.sync_feeds(config.feeds, ctx.clock())
    return ctx


def poll_once(ctx: Context) -> None:
    """Check every active feed of ``ctx`` once."""

    async def go() -> None:
        async with Fetcher(fetch_limits(ctx.config)) as fetcher:
            await poll_feeds(ctx, fetcher, due_only=False)

    asyncio.run(go())
