"""Alerts become Slack messages a reader can trust, and each delivery attempt is classified so the
outbox knows whether to retry, wait, or tell a person what to fix. Messages are checked by the
fake Slack's own validator and mention analysis after real posts through slack_sdk."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import ConfigError
from bot.core.models import Alert, Hit, Match, Span, Story
from bot.notify.slack import (
    ConsoleNotifier,
    DeliveryResult,
    SlackApiNotifier,
    SlackMessage,
    WebhookNotifier,
    build_message,
    escape_mrkdwn,
    make_notifier,
)
from tests.support.fake_slack import FakeSlack
from tests.support.fake_slack_analysis import analyse_message
from tests.support.fake_slack_blocks import blocks_text_length, validate_blocks
from tests.support.logs import captured_logs

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
SUMMARY = ("Amazon employees have written an open letter asking Jeff Bezos to stop selling "
           "Rekognition, its facial recognition software, to police and to support ICE.")


def hits(field: str, text: str, *words: str) -> tuple[Hit, ...]:
    found = []
    for word in words:
        start = text.index(word)
        found.append(Hit(word, Span(field, start, start + len(word)), word))
    return tuple(found)


def match(*words: str, rule: str = "facial-recognition-police",
          category: str = "facial-recognition", severity: str = "high", text: str = SUMMARY,
          field: str = "summary",
          description: str = "Facial recognition sold to police") -> Match:
    return Match(rule, category, severity, "#ethics-surveillance", description,
                 hits(field, text, *words))


def alert(title: str = "Now Amazon employees rebel", summary: str = SUMMARY,
          matches: tuple[Match, ...] | None = None, link: str | None = "https://zdnet.example/a",
          kind: str = "new", channel: str = "#ethics-surveillance", source: str = "ZDNet",
          thread_ts: str | None = None, published: datetime | None = None) -> Alert:
    story = Story("key", "https://zdnet.example/rss", source, title, summary, link=link,
                  published=published or datetime(2018, 6, 21, 14, 5, tzinfo=UTC))
    if matches is None:
        matches = (match("facial recognition", "police"),)
    return Alert(1, story, channel, matches, kind=kind, thread_ts=thread_ts)


def block(message: SlackMessage, block_id: str) -> dict[str, Any]:
    return next(b for b in message.blocks if b.get("block_id") == block_id)


def mrkdwn_of(message: SlackMessage, block_id: str) -> str:
    found = block(message, block_id)
    text = found["text"] if "text" in found else found["elements"][0]
    return str(text["text"])


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def within_slack_limits(message: SlackMessage) -> None:
    """Slack's limits, checked by the fake's validator plus a UTF-16 margin for emoji."""
    blocks = list(message.blocks)
    assert validate_blocks(blocks) == []
    assert blocks_text_length(blocks) <= 11_000  # Slack has refused from about 11.3k
    assert 0 < len(message.text) <= 40_000
    for item in blocks:
        if item["type"] == "header":
            assert utf16(item["text"]["text"]) <= 150
        if item["type"] == "section":
            assert utf16(item["text"]["text"]) <= 3000


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk reads proxy variables from the environment: keep 127.0.0.1 off any proxy."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def fake(local: None) -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


# ---- escaping and layout -------------------------------------------------------------------------
def test_escape_mrkdwn_touches_only_the_three_control_characters() -> None:
    assert escape_mrkdwn("<!here> & <@U1> > \"quotes\" 'é' *b*") == (
        "&lt;!here&gt; &amp; &lt;@U1&gt; &gt; \"quotes\" 'é' *b*")


def test_a_new_alert_has_headline_context_snippet_reasons_button_and_fallback() -> None:
    matches = (match("open letter", rule="staff-letter", category="employee-dissent",
                     severity="medium", description=""),
               match("Rekognition", "police"))
    message = build_message(alert(matches=matches))
    assert block(message, "headline")["text"] == {"type": "plain_text",
                                                  "text": "Now Amazon employees rebel"}
    assert mrkdwn_of(message, "meta") == (
        "ZDNet · 21 Jun 2018, 14:05 UTC · *high* facial-recognition · *medium* employee-dissent")
    snippet = mrkdwn_of(message, "snippet")
    for word in ("open letter", "Rekognition", "police"):
        assert f"*{word}*" in snippet
    why = mrkdwn_of(message, "rules")
    assert "`staff-letter`" in why and "`facial-recognition-police`" in why
    assert "Facial recognition sold to police" in why and "*Rekognition*" in why
    (button,) = block(message, "actions")["elements"]
    assert (button["url"], button["text"]["text"]) == ("https://zdnet.example/a", "Read the story")
    assert message.text == ("[high] facial-recognition, employee-dissent: "
                            "Now Amazon employees rebel — ZDNet")
    within_slack_limits(message)


def test_time_is_shown_in_utc() -> None:
    eastern = timezone(timedelta(hours=-4))
    message = build_message(alert(published=datetime(2018, 6, 21, 10, 5, tzinfo=eastern)))
    assert "21 Jun 2018, 14:05 UTC" in mrkdwn_of(message, "meta")


@pytest.mark.parametrize(
    ("summary", "word", "expected"),
    [
        ("Police bought it from AT&T for <police> use", "AT&T", "*AT&amp;T*"),
        ("Sold to <police> forces", "police", "&lt;*police*&gt;"),
        ("The *Rekognition* tool", "Rekognition", "∗*Rekognition*∗"),
        ("The Rekognition_beta tool", "Rekognition_beta", "*Rekognition_beta*"),
        ("Protesters marched", "Protest", "*Protesters*"),  # widened to the whole word
    ],
)
def test_bold_terms_survive_escaping_and_stray_markup(summary: str, word: str,
                                                      expected: str) -> None:
    m = match(word, text=summary)
    snippet = mrkdwn_of(build_message(alert(summary=summary, matches=(m,))), "snippet")
    assert expected in snippet
    assert snippet.count("*") == 2  # exactly one bold run: no stray asterisk can pair up


def test_without_a_summary_the_title_is_the_snippet() -> None:
    title = "Police buy facial recognition"
    m = match("facial recognition", text=title, field="title")
    message = build_message(alert(title=title, summary="", matches=(m,)))
    assert mrkdwn_of(message, "snippet") == "Police buy *facial recognition*"


def test_a_long_summary_is_cut_to_a_window_around_the_first_hit() -> None:
    summary = "filler words " * 4000 + "then police bought facial recognition " + "tail " * 3000
    m = match("police", text=summary)
    snippet = mrkdwn_of(build_message(alert(summary=summary, matches=(m,))), "snippet")
    assert snippet.startswith("…") and snippet.endswith("…") and "*police*" in snippet
    assert len(snippet) < 1000


@pytest.mark.parametrize(
    "story",
    [
        {"title": "", "summary": ""},
        {"title": "😀" * 400, "summary": "🚓 " * 40_000},
        {"title": "&<>" * 200, "summary": "&<>" * 40_000},  # escaping quintuples the length
        {"title": "x" * 100_000, "summary": "police " * 15_000,
         "link": "https://e.example/" + "p" * 4000},
        {"title": "\u202eevil\u200b title\x1b[31m", "summary": "\u2066police\u2069"},
    ],
)
def test_any_story_fits_slacks_limits(story: dict[str, str]) -> None:
    summary = story["summary"]
    words = ("police",) if "police" in summary else ()
    many = tuple(match(*words, text=summary, rule=f"rule-{i}" * 10, category=f"cat-{i}" * 5,
                       description="d" * 500) for i in range(40))
    message = build_message(alert(title=story["title"], summary=summary, matches=many,
                                  link=story.get("link", "https://e.example/a")))
    within_slack_limits(message)
    header = block(message, "headline")["text"]["text"]
    assert header.strip() and not re.search("[\u200b\u202e\u2066\u2069\x1b]", header)
    if not story["title"]:
        assert header == "(untitled)"


PIECES = [*"<>&|!@#*_~`^ \n\u200b\u202e😀é", "ab", "channel", "here", "U1", "<!", "&amp;"]
SLACKISH = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=SLACKISH | st.text(), summary=SLACKISH | st.text(), source=SLACKISH,
       link=st.none() | st.text() | st.just("https://e.example/a|b>c"),
       spans=st.lists(st.tuples(st.integers(-5, 60), st.integers(0, 60)), max_size=6),
       kind=st.sampled_from(["new", "also", "update"]))
def test_any_text_makes_a_valid_message_that_mentions_no_one(
    title: str, summary: str, source: str, link: str | None, spans: list[tuple[int, int]],
    kind: str,
) -> None:
    found = tuple(Hit("t", Span("summary", a, b), summary[max(a, 0):b]) for a, b in spans)
    m = Match("r", "c", "high", "#c", "d", found)
    message = build_message(alert(title=title, summary=summary, source=source, link=link,
                                  matches=(m,), kind=kind))
    within_slack_limits(message)
    seen = analyse_message({"text": message.text, "blocks": list(message.blocks)})
    assert not seen["broadcast_mention"] and not seen["user_mentions"]
    assert not seen["usergroup_mentions"] and not seen["unescaped_ampersand"]
    if seen["links"]:  # only a thread note links, and only to the story itself
        (only,) = seen["links"]
        assert kind != "new" and link is not None
        assert only["url"].replace("&amp;", "&") == (
            link.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E"))


def test_the_button_appears_only_for_web_links() -> None:
    for link in (None, "javascript:alert(1)", "ftp://files.example/x", "https://x.example/a b"):
        assert all(b["type"] != "actions" for b in build_message(alert(link=link)).blocks)


def test_thread_notes_for_other_outlets_and_updates() -> None:
    also = build_message(alert(kind="also", source="Reuters", title="Amazon staff protest"))
    assert also.text == "Also reported by Reuters: Amazon staff protest"
    assert mrkdwn_of(also, "note") == ("Also reported by Reuters: "
                                       "<https://zdnet.example/a|Amazon staff protest>")
    update = build_message(alert(kind="update", title="Amazon staff protest (updated)", link=None))
    assert update.text == "Updated: Amazon staff protest (updated)"
    within_slack_limits(also)
    within_slack_limits(update)


INJECTION = "<!channel> BREAKING <@U123> <https://evil.example|Reuters> & <!subteam^S1>"


@pytest.mark.parametrize("kind", ["new", "also", "update"])
def test_a_hostile_story_mentions_no_one_and_forges_no_link(fake: FakeSlack, kind: str) -> None:
    hostile = alert(title=INJECTION, summary=INJECTION + " police", source="<!here>",
                    matches=(match("police", text=INJECTION + " police"),), kind=kind,
                    channel="#ethics-alerts")
    result = SlackApiNotifier(fake.token, fake.api_url).send(hostile, build_message(hostile))
    assert result.ok, result
    found = fake.messages[-1].analysis
    assert found["broadcast_mention"] is False
    assert found["user_mentions"] == [] and found["usergroup_mentions"] == []
    assert [link["url"] for link in found["links"]] in ([], ["https://zdnet.example/a"])
    assert found["unescaped_ampersand"] == []


# ---- delivery through the Web API ----------------------------------------------------------------
def send(fake: FakeSlack, token: str | None = None, **kwargs: Any) -> DeliveryResult:
    item = alert(**kwargs)
    return SlackApiNotifier(token or fake.token, fake.api_url).send(item, build_message(item))


def test_a_delivered_alert_returns_slacks_ts_without_unfurls(fake: FakeSlack) -> None:
    result = send(fake)
    (posted,) = fake.messages
    assert result == DeliveryResult(True, ts=posted.ts, channel_id=posted.channel_id)
    assert posted.channel_name == "#ethics-surveillance"
    assert (posted.unfurl_links, posted.unfurl_media) == (False, False)


def test_a_thread_note_goes_into_the_parents_thread(fake: FakeSlack) -> None:
    parent = send(fake).ts
    assert send(fake, kind="also", thread_ts=parent).ok
    assert fake.messages[-1].thread_ts == parent
    assert fake.requests[-1]["flags"] == []  # a real parent, not an orphan
    assert not fake.messages[-1].reply_broadcast


def test_a_follow_up_is_posted_in_the_thread_and_to_the_channel(fake: FakeSlack) -> None:
    parent = send(fake).ts
    assert send(fake, kind="followup", thread_ts=parent).ok
    reply = fake.messages[-1]
    assert reply.thread_ts == parent and reply.reply_broadcast
    assert reply.text.startswith("Follow-up from ")


@pytest.mark.parametrize(
    ("channel", "error", "hint"),
    [
        ("#not-joined", "not_in_channel", "/invite"),
        ("ethics-labor-typo", "channel_not_found", "rules.yaml"),
        ("#archived", "is_archived", "unarchive"),
    ],
)
def test_channel_problems_are_permanent_and_say_what_to_do(
    fake: FakeSlack, channel: str, error: str, hint: str
) -> None:
    result = send(fake, channel=channel)
    assert (result.ok, result.permanent, result.error) == (False, True, error)
    assert result.remedy and hint in result.remedy
    assert "#" + channel.lstrip("#") in result.remedy


def test_rate_limits_are_transient_with_slacks_retry_after(fake: FakeSlack) -> None:
    fake.set_ratelimit_every(1, retry_after=1)
    result = send(fake)
    assert (result.ok, result.permanent, result.error, result.retry_after) == (
        False, False, "ratelimited", 1.0)
    assert len(fake.requests) == 1  # one attempt: the SDK did not retry behind our back


@pytest.mark.parametrize("fault", ["gateway_503", "service_unavailable", "down"])
def test_slack_side_failures_are_transient(fake: FakeSlack, fault: str) -> None:
    if fault == "gateway_503":
        fake.fail_next(1)
    elif fault == "service_unavailable":
        fake.fail_next(1, status=200, error="service_unavailable")
    else:
        fake.set_down(True)
    result = send(fake)
    assert result.ok is False and result.permanent is False
    assert result.error in ("http_503", "service_unavailable")
    assert len(fake.requests) == 1


def test_a_dropped_connection_is_transient_and_not_retried_by_the_sdk(fake: FakeSlack) -> None:
    fake.fail_next(1, status=0)
    result = send(fake)
    assert (result.ok, result.permanent, result.error) == (False, False, "connection_error")
    assert len(fake.requests) == 1 and fake.messages == []  # the outbox decides about retrying
    fake.fail_next(1, status=0)
    assert hook_send(fake).error == "connection_error" and len(fake.requests) == 2


def test_an_unreachable_slack_is_transient(local: None) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    item = alert()
    result = SlackApiNotifier("xoxb-x", f"http://127.0.0.1:{port}/api/").send(
        item, build_message(item))
    assert (result.ok, result.permanent, result.error) == (False, False, "connection_error")


@pytest.mark.parametrize(
    ("token", "error", "hint"),
    [
        ("xoxb-test-token-revoked", "token_revoked", "create a new bot token"),
        ("xoxb-wrong", "invalid_auth", "SLACK_BOT_TOKEN"),
        ("xoxb-test-token-noscope", "missing_scope", "chat:write"),
    ],
)
def test_token_problems_are_permanent(fake: FakeSlack, token: str, error: str, hint: str) -> None:
    result = send(fake, token=token)
    assert (result.permanent, result.error) == (True, error)
    assert result.remedy and hint in result.remedy


def test_a_rejected_layout_is_permanent_and_names_the_place(fake: FakeSlack) -> None:
    too_long = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    bad = SlackMessage("t", (too_long,))
    result = SlackApiNotifier(fake.token, fake.api_url).send(alert(), bad)
    assert (result.permanent, result.error) == (True, "invalid_blocks")
    assert result.detail and "/blocks/0/text/text" in result.detail


# ---- webhooks and console ------------------------------------------------------------------------
def hook_send(fake: FakeSlack, name: str = "default") -> DeliveryResult:
    item = alert()
    return WebhookNotifier(fake.webhook_url(name)).send(item, build_message(item))


def test_a_webhook_delivery_succeeds_on_ok(fake: FakeSlack) -> None:
    assert hook_send(fake) == DeliveryResult(True)
    assert fake.messages[0].via == "webhook"
    assert (fake.messages[0].unfurl_links, fake.messages[0].unfurl_media) == (False, False)


@pytest.mark.parametrize(
    ("name", "error", "hint"),
    [
        ("removed", "no_service", "create a new incoming webhook and set SLACK_WEBHOOK_URL"),
        ("invalid", "invalid_token", "SLACK_WEBHOOK_URL"),
        ("prohibited", "action_prohibited", "admin"),
    ],
)
def test_a_dead_webhook_is_permanent_with_a_remedy(fake: FakeSlack, name: str, error: str,
                                                   hint: str) -> None:
    result = hook_send(fake, name)
    assert (result.permanent, result.error) == (True, error)
    assert result.remedy is not None and hint in result.remedy


def test_webhook_rate_limits_and_outages_are_transient(fake: FakeSlack) -> None:
    fake.set_ratelimit_every(1, retry_after=2)
    limited = hook_send(fake)
    assert (limited.permanent, limited.retry_after) == (False, 2.0)
    fake.reset()
    fake.fail_next(1)
    assert hook_send(fake).permanent is False


def test_console_prints_a_readable_alert() -> None:
    out = io.StringIO()
    item = alert(title="Police buy \x1b[2Jfacial recognition")
    assert ConsoleNotifier(out).send(item, build_message(item)).ok
    text = out.getvalue()
    assert "\x1b" not in text
    for expected in ("[HIGH] facial-recognition → #ethics-surveillance",
                     "Police buy [2Jfacial recognition", "ZDNet · 21 Jun 2018, 14:05 UTC",
                     "**facial recognition**", "Why: facial-recognition-police",
                     "Read: https://zdnet.example/a"):
        assert expected in text


# ---- secrets and configuration -------------------------------------------------------------------
def test_the_token_and_webhook_url_never_leak(fake: FakeSlack) -> None:
    with captured_logs("text", "debug") as log_output:
        results = _leak_attempts(fake)
    seen = " ".join(f"{r!r} {r}" for r in results) + log_output.getvalue()
    for leak in ("SECRET", fake.webhook_url("removed"), "removed0a1b2c3d4e5f"):
        assert leak not in seen


def _leak_attempts(fake: FakeSlack) -> list[object]:
    secret = "xoxb-SECRET-4242-revoked"
    item = alert(channel="#not-joined")
    results: list[object] = []
    for token in (secret, "xoxb-SECRET-4242-wrong"):
        notifier = SlackApiNotifier(token, fake.api_url)
        results += [notifier, notifier.send(item, build_message(item))]
    fake.fail_next(1)
    results.append(SlackApiNotifier(secret, fake.api_url).send(item, build_message(item)))
    hook = fake.webhook_url("removed")
    webhook = WebhookNotifier(hook)
    results += [webhook, webhook.send(item, build_message(item))]
    with pytest.raises(ConfigError) as bad:
        make_notifier({"SLACK_WEBHOOK_URL": "ftp://hooks.example/services/T1/B1/SECRETPATH"})
    results.append(bad.value)
    return results


def test_make_notifier_picks_token_then_webhook_then_console(fake: FakeSlack) -> None:
    both = {"SLACK_BOT_TOKEN": fake.token, "SLACK_WEBHOOK_URL": fake.webhook_url()}
    assert isinstance(make_notifier(both), SlackApiNotifier)
    assert isinstance(make_notifier({"SLACK_WEBHOOK_URL": fake.webhook_url()}), WebhookNotifier)
    assert isinstance(make_notifier({"SLACK_BOT_TOKEN": "  "}), ConsoleNotifier)
    with pytest.raises(ConfigError):
        make_notifier({"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": "slack.com/api"})


def test_slack_api_url_is_used_even_without_the_api_path(fake: FakeSlack) -> None:
    notifier = make_notifier({"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.base_url})
    item = alert()
    assert notifier.send(item, build_message(item)).ok
    assert len(fake.messages) == 1


def test_a_proxy_without_no_proxy_for_a_local_url_is_warned_about(fake: FakeSlack) -> None:
    env = {"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.api_url,
           "HTTPS_PROXY": "http://proxy.example:3128"}
    with captured_logs() as log_output:
        make_notifier(env)
    assert "slack_local_url_via_proxy" in log_output.getvalue()
    with captured_logs() as log_output:
        make_notifier({**env, "NO_PROXY": "localhost,127.0.0.1"})
    assert "slack_local_url_via_proxy" not in log_output.getvalue()
