"""Feedback clicks in the state: stored once, turned into labels and per-rule precision, muting
honoured at delivery, and the buttons and verdict line inside Slack's Block Kit limits."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.load import load_config
from bot.core.feedback import CATEGORY, MUTE, NOT_RELEVANT, RELEVANT, Click, verdict_text
from bot.core.labelled import read_labelled
from bot.core.models import Match
from bot.flow.delivery import Pacer, deliver_due
from bot.flow.pipeline import Context
from bot.notify.buttons import feedback_block, parse_clicks, with_buttons, with_verdict
from bot.notify.slack import ConsoleNotifier, build_message, make_notifier
from bot.rules.match import compile_config
from bot.store.database import Store
from bot.store.feedback import feedback_examples, record_click, rule_feedback
from tests.conftest import write_rules
from tests.support.fake_slack import FakeSlack
from tests.test_store import NOW, cand, save, story
from tests.test_store import store as store


def m(rule: str, category: str, channel: str = "#ethics-alerts") -> Match:
    return Match(rule_id=rule, category=category, severity="high", channel=channel)


def click(alert_id: int, verdict: str, user: str = "U0ADA00001", at: str = "1.0", category: str | None = None) -> Click:
    return Click(alert_id=alert_id, verdict=verdict, user_id=user, user_name=user.lower(), action_ts=at,
                 category=category)


def alert_for(store: Store, key: str, title: str, *matches: Match) -> int:
    s = story(key, title)
    save(store, s.feed_url, cand(s, *matches))
    return max(a.id for a in store.due_alerts(NOW))


def test_a_click_is_stored_once_however_often_slack_delivers_it(store: Store) -> None:
    alert = alert_for(store, "k1", "Police buy face recognition", m("face", "facial-recognition"))
    first = record_click(store, click(alert, NOT_RELEVANT), NOW)
    again = record_click(store, click(alert, NOT_RELEVANT), NOW)
    assert first is not None and first.new and first.rules == ("face",)
    assert again is not None and not again.new
    assert record_click(store, click(999, NOT_RELEVANT), NOW) is None  # an alert the state does not know
    (example,) = feedback_examples(store)
    assert (example.title, example.labels, example.votes) == ("Police buy face recognition", (), 1)


def test_verdicts_become_the_labels_eval_reads(store: Store, tmp_path: Path) -> None:
    both = (m("face", "facial-recognition"), m("letter", "worker-activism"))
    a = alert_for(store, "a", "Amazon staff letter against police face recognition", *both)
    b = alert_for(store, "b", "Hockey team ices rival", m("ice", "immigration-enforcement"))
    c = alert_for(store, "c", "Drivers strike over app pay", m("letter", "worker-activism"))
    record_click(store, click(a, RELEVANT), NOW)
    record_click(store, click(b, NOT_RELEVANT), NOW)
    record_click(store, click(c, CATEGORY, category="labor-conditions"), NOW)
    record_click(store, click(c, MUTE, user="U0BOB00001"), NOW)  # a mute is not a verdict
    labels = {e.title: e.labels for e in feedback_examples(store)}
    assert labels == {
        "Amazon staff letter against police face recognition": ("facial-recognition", "worker-activism"),
        "Hockey team ices rival": (),
        "Drivers strike over app pay": ("labor-conditions",),
    }
    path = tmp_path / "feedback.jsonl"
    path.write_text("".join(json.dumps(e.as_json()) + "\n" for e in feedback_examples(store)))
    assert {i.title: i.labels for i in read_labelled(path)} == {t: frozenset(ls) for t, ls in labels.items()}


def test_each_persons_latest_verdict_counts_and_most_people_win(store: Store) -> None:
    a = alert_for(store, "a", "Police buy face recognition", m("face", "facial-recognition"))
    record_click(store, click(a, RELEVANT, "U0ADA00001", "1.0"), NOW)
    record_click(store, click(a, NOT_RELEVANT, "U0ADA00001", "2.0"), NOW + timedelta(seconds=1))  # changed her mind
    record_click(store, click(a, NOT_RELEVANT, "U0BOB00001", "3.0"), NOW + timedelta(seconds=2))
    record_click(store, click(a, RELEVANT, "U0CAT00001", "4.0"), NOW + timedelta(seconds=3))
    (example,) = feedback_examples(store)
    assert (example.labels, example.votes) == ((), 2)
    assert feedback_examples(store, since=NOW + timedelta(seconds=3))[0].labels == ("facial-recognition",)


def test_status_shows_precision_per_rule_and_names_the_low_ones(store: Store) -> None:
    for n in range(4):
        noisy = alert_for(store, f"n{n}", f"Unrelated story number {n} {'x' * n}", m("noisy", "military-ai"))
        record_click(store, click(noisy, NOT_RELEVANT if n < 3 else RELEVANT), NOW)
    good = alert_for(store, "g", "Police buy face recognition", m("face", "facial-recognition"))
    record_click(store, click(good, RELEVANT), NOW)
    alert_for(store, "u", "Army drone targeting contract signed", m("face", "facial-recognition"))  # not judged
    stats = {s.rule_id: s for s in rule_feedback(store, NOW)}
    assert (stats["noisy"].alerts, stats["noisy"].judged, stats["noisy"].correct) == (4, 4, 1)
    assert stats["noisy"].precision == 0.25 and stats["noisy"].low
    assert (stats["face"].alerts, stats["face"].judged, stats["face"].precision) == (2, 1, 1.0)
    assert not stats["face"].low
    assert rule_feedback(store, NOW + timedelta(days=31)) == []  # the window is 30 days


def test_a_muted_story_gets_no_more_thread_notes(tmp_path: Path, store: Store) -> None:
    config = load_config(write_rules(tmp_path / "rules.yaml", []))
    ctx = Context(config=config, ruleset=compile_config(config), store=store, clock=lambda: NOW)
    first = story("k1", "Amazon workers demand end to police facial recognition deals")
    save(store, first.feed_url, cand(first, m("face", "facial-recognition")))
    out = io.StringIO()
    console = ConsoleNotifier(out)
    assert asyncio.run(deliver_due(ctx, console, Pacer(100, 100))).sent == 1
    (root,) = [row for row in store.alert_counts()]
    record_click(store, click(1, MUTE), NOW)
    other = story("k2", "Amazon employees demand end to police facial recognition deals",
                  feed="https://b.example/rss", link=first.link)
    assert save(store, other.feed_url, cand(other, m("face", "facial-recognition")))[1] == 1  # an "also" note
    assert asyncio.run(deliver_due(ctx, console, Pacer(100, 100))).sent == 0
    assert "Also reported" not in out.getvalue()
    assert store.pending_count() == 0 and root["sent"] == 1


def test_the_buttons_and_the_verdict_line_pass_slacks_block_kit_checks(tmp_path: Path, store: Store) -> None:
    alert_id = alert_for(store, "k1", "Police buy face recognition <!channel>", m("face", "facial-recognition"))
    (alert,) = [a for a in store.due_alerts(NOW) if a.id == alert_id]
    categories = [f"category-{n}" for n in range(10)]
    message = with_buttons(build_message(alert), alert, categories)
    buttons = message.blocks[-1]
    assert buttons == feedback_block(alert, categories)
    assert [o["value"] for o in buttons["elements"][3]["options"]] == sorted([*categories, "facial-recognition"])
    with FakeSlack() as fake:
        notifier = make_notifier({"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url})
        assert notifier.send(alert, message).ok, fake.requests[-1]
        posted = fake.messages[0]
        updated = with_verdict(posted.blocks or [], verdict_text(CATEGORY, "a<b>&c", "U0ADA00001"))
        assert [b["block_id"] for b in updated][-2:] == ["verdict", f"feedback:{alert_id}"]
        assert "a&lt;b&gt;&amp;c" in updated[-2]["elements"][0]["text"]
        assert with_verdict(updated, "again")[-2]["elements"][0]["text"] == "again"  # replaced, not added


@pytest.mark.parametrize("payload", [
    {"type": "block_actions", "user": {"id": "<!channel>"}, "actions": [{"action_id": "feedback_relevant",
                                                                            "value": "1"}]},
    {"type": "block_actions", "user": {"id": "U0ADA00001"}, "actions": [{"action_id": "read_story"}]},
    {"type": "block_actions", "user": {"id": "U0ADA00001"},
     "actions": [{"action_id": "feedback_category", "block_id": "feedback:3",
                  "selected_option": {"value": "<@U1> *bold*"}}]},
    {"type": "view_submission", "user": {"id": "U0ADA00001"}},
    {"type": "block_actions", "user": {"id": "U0ADA00001"}, "actions": [{"action_id": "feedback_mute", "value": "x"}]},
])
def test_clicks_that_are_not_ours_or_not_well_formed_are_ignored(payload: dict) -> None:
    assert parse_clicks(payload) == []


def test_a_category_click_carries_the_alert_from_its_block() -> None:
    payload = {"type": "block_actions", "user": {"id": "U0ADA00001", "username": "ada"},
               "container": {"type": "message", "channel_id": "C1", "message_ts": "1.000001"},
               "message": {"ts": "1.000001", "text": "t", "blocks": [{"type": "divider", "block_id": "d"}]},
               "actions": [{"action_id": "feedback_category", "block_id": "feedback:42", "action_ts": "9.9",
                            "type": "static_select", "selected_option": {"value": "military-ai"}}]}
    (got,) = parse_clicks(payload)
    assert (got.alert_id, got.verdict, got.category, got.channel_id, got.message_ts, got.user_name) == (
        42, CATEGORY, "military-ai", "C1", "1.000001", "ada")


def test_status_names_the_rules_with_low_precision(store: Store) -> None:
    from bot.cli.reports import status_report

    for n in range(3):
        noisy = alert_for(store, f"n{n}", f"Unrelated story number {n} {'x' * n}", m("noisy-rule", "military-ai"))
        record_click(store, click(noisy, NOT_RELEVANT), NOW)
    text = status_report(store, as_json=False, now=NOW)
    assert "noisy-rule" in text.split("low precision")[1]
    assert json.loads(status_report(store, as_json=True, now=NOW))["feedback"]["low_precision_rules"] == ["noisy-rule"]


def test_an_app_token_without_a_bot_token_or_of_the_wrong_kind_turns_nothing_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.notify.socket import FeedbackNotifier, make_feedback

    hook = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/x"}
    for env in (hook, {"SLACK_BOT_TOKEN": "xoxb-1"}):
        plain = make_notifier(env)
        assert make_feedback(env, plain, ["a"]) == (plain, None)  # no app token: nothing changes
    with caplog.at_level("WARNING", logger="ethics_bot"):
        plain = make_notifier(hook)
        assert make_feedback({**hook, "SLACK_APP_TOKEN": "xapp-1"}, plain, ["a"]) == (plain, None)
        bot = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}
        plain = make_notifier(bot)
        assert make_feedback(bot, plain, ["a"]) == (plain, None)
    assert [r.getMessage() for r in caplog.records] == ["feedback_buttons_off", "feedback_buttons_off"]
    on = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-A1-2-abc"}
    notifier, listener = make_feedback(on, make_notifier(on), ["a"])
    assert isinstance(notifier, FeedbackNotifier) and listener is not None
    assert "xapp" not in repr(listener) and "xoxb" not in repr(notifier)
