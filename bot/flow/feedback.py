"""What happens after a feedback click, and the semantic layer's retraining on feedback.

``handle_clicks`` drains the clicks the Socket Mode listener acknowledged, stores each in the
state (once, however often Slack delivers it), and updates the Slack message to show the
verdict ("Marked not relevant by @name"). A click on an alert the state no longer has, or a
category the rules do not know, is logged and dropped. ``learn`` hands the stories people
labelled to the semantic layer (at start and once a day), which logs its evaluation before and
after. Muting is enforced at delivery (``drop_if_muted`` in flow/pipeline.py).

It talks to Slack only through ``bot.notify.socket`` and to the state only through
``bot.store.feedback``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.core.errors import BotError
from bot.core.feedback import CATEGORY, verdict_text
from bot.flow.pipeline import Context
from bot.notify.socket import SocketListener
from bot.observe.logs import event, get_logger
from bot.store.feedback import feedback_examples, record_click

log = get_logger("feedback")


async def handle_clicks(ctx: Context, listener: SocketListener) -> int:
    """Store and show every click received since the last call. Returns how many there were."""
    clicks = listener.take_clicks()
    known = {r.category for r in ctx.config.rules}
    if ctx.config.semantic is not None:
        known.update(ctx.config.semantic.categories)
    for click in clicks:
        if click.verdict == CATEGORY and click.category not in known:
            event(log, "feedback_unknown_category", logging.WARNING, alert=click.alert_id, category=click.category)
            continue
        recorded = record_click(ctx.store, click, ctx.clock())
        if recorded is None:
            event(log, "feedback_unknown_alert", logging.WARNING, alert=click.alert_id,
                  hint="the alert was pruned or comes from another state folder")
            continue
        event(log, "feedback_received", alert=click.alert_id, verdict=click.verdict, category=click.category,
              user=click.user_id, rules=",".join(recorded.rules), repeated=not recorded.new or None)
        if not recorded.new:
            continue
        text = verdict_text(click.verdict, click.category, click.user_id)
        error = await asyncio.to_thread(listener.show_verdict, click, text)
        if error is not None:
            event(log, "feedback_update_failed", logging.WARNING, alert=click.alert_id, error=error)
    return len(clicks)


async def learn(ctx: Context, since: datetime | None = None) -> int:
    """Retrain the semantic layer with the stories people labelled. Returns how many."""
    semantic = ctx.config.semantic
    if semantic is None:
        return 0
    examples = feedback_examples(ctx.store, since)
    if not examples:
        event(log, "semantic_no_feedback_yet", logging.DEBUG)
        return 0
    try:
        from bot.semantic.learn import retrain

        await asyncio.to_thread(retrain, semantic, examples)
    except (BotError, ImportError) as exc:
        event(log, "semantic_retrain_failed", logging.ERROR, error=str(exc), action="the current model stays")
        return 0
    return len(examples)
