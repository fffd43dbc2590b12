"""The fake Slack answers as the contract documents, driven by the real slack_sdk clients (and raw
httpx where the SDK would never send such a request). If these pass, tests that post through the
fake are testing against Slack's documented behaviour, not against our own guesses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError

from tests.support.fake_slack import FakeSlack

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
TS = re.compile(r"^\d{10}\.\d{6}$")


class Clock:
    """A hand-driven clock for the channel token buckets (no timed assertions)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk reads proxy variables from the environment: keep 127.0.0.1 off any proxy."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(local: None, clock: Clock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as server:
        yield server


def client(fake: FakeSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token or fake.token, base_url=fake.api_url, retry_handlers=[])


def refusal(call: Any, **kwargs: Any) -> Any:
    """The SlackResponse of a call Slack refuses."""
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value.response


_http = httpx.Client(trust_env=False)  # one client: building its TLS context takes 0.1 s


@pytest.fixture(scope="module", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    _http.close()


def raw(fake: FakeSlack, method: str, **kwargs: Any) -> httpx.Response:
    return _http.post(fake.api_url + method, **kwargs)


# ---- chat.postMessage: success ------------------------------------------------------------------
def test_a_post_returns_slacks_success_shape_and_is_recorded(fake: FakeSlack) -> None:
    web = client(fake)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]
    first = web.chat_postMessage(channel="#ethics-alerts", text="hello", blocks=blocks,
                                 unfurl_links=False, unfurl_media=False)
    second = web.chat_postMessage(channel="#ethics-alerts", text="again")
    assert first["ok"] is True and first["channel"].startswith("C")
    assert TS.match(first["ts"]) and first["message"]["ts"] == first["ts"]
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["bot_profile"]["id"] == first["message"]["bot_id"]
    assert first["message"]["blocks"][0]["block_id"]  # Slack fills in block ids
    one, two = fake.messages
    assert (one.channel_name, one.channel_id, one.via) == ("#ethics-alerts", first["channel"],
                                                           "api")
    assert (one.ts, one.text) == (first["ts"], "hello")
    assert one.blocks is not None and one.blocks[0]["text"]["text"] == "hello"
    assert (one.unfurl_links, one.unfurl_media) == (False, False)
    assert (two.unfurl_links, two.unfurl_media) == (None, None)  # omitted by the caller


def test_channels_can_be_addressed_by_id_and_new_ones_added(fake: FakeSlack) -> None:
    new_id = fake.add_channel("#ethics-new")
    reply = client(fake).chat_postMessage(channel=new_id, text="x")
    assert reply["channel"] == new_id
    assert fake.messages[0].channel_name == "#ethics-new"


# ---- transport (§1) -----------------------------------------------------------------------------
def test_a_json_body_needs_the_bearer_header_even_with_a_token_inside(fake: FakeSlack) -> None:
    body = {"token": fake.token, "channel": "#ethics-alerts", "text": "x"}
    in_json = raw(fake, "chat.postMessage", json=body)
    in_query = raw(fake, f"chat.postMessage?token={fake.token}", json=body)
    assert in_json.status_code == 200
    assert (in_json.json()["ok"], in_json.json()["error"]) == (False, "not_authed")
    assert in_query.json()["error"] == "not_authed"
    assert fake.messages == []


def test_a_form_body_may_carry_the_token(fake: FakeSlack) -> None:
    form = {"token": fake.token, "channel": "#ethics-alerts", "text": "from a form"}
    reply = raw(fake, "chat.postMessage", data=form)
    assert reply.json()["ok"] is True
    assert fake.messages[0].text == "from a form"


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [
        ("application/xml", b"<x/>", "invalid_post_type"),
        (None, b'{"channel": "#ethics-alerts"}', "missing_post_type"),
        ("application/json; charset=utf-16", b"{}", "invalid_charset"),
        ("application/json; charset=utf-8", b"{not json", "invalid_json"),
        ("application/json; charset=utf-8", b"[1, 2]", "json_not_object"),
        ("application/x-www-form-urlencoded", b"channel", "invalid_form_data"),
    ],
)
def test_transport_problems_get_their_error_codes(
    fake: FakeSlack, content_type: str | None, body: bytes, error: str
) -> None:
    headers = {"Authorization": f"Bearer {fake.token}"}
    if content_type:
        headers["Content-Type"] = content_type
    reply = raw(fake, "chat.postMessage", content=body, headers=headers)
    assert (reply.status_code, reply.json()) == (200, {"ok": False, "error": error})


def test_json_without_a_charset_is_posted_with_a_warning(fake: FakeSlack) -> None:
    body = json.dumps({"channel": "#ethics-alerts", "text": "x"}).encode()
    headers = {"Authorization": f"Bearer {fake.token}", "Content-Type": "application/json"}
    answer = raw(fake, "chat.postMessage", content=body, headers=headers).json()
    assert answer["ok"] is True
    assert answer["response_metadata"]["warnings"] == ["missing_charset"]
    assert answer["response_metadata"]["messages"][0].startswith("[WARN] ")


def test_multipart_bodies_are_read(fake: FakeSlack) -> None:
    form = {"channel": "#ethics-ops", "text": "multipart"}
    headers = {"Authorization": f"Bearer {fake.token}"}
    reply = raw(fake, "chat.postMessage", data=form, files={"x": ("x.txt", b"ignored")},
                headers=headers)
    assert reply.json()["ok"] is True and fake.messages[0].text == "multipart"


# ---- auth and channels (§2.3, §2.5) -------------------------------------------------------------
@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("xoxb-wrong", "invalid_auth"),
        ("xoxb-test-token-revoked", "token_revoked"),
        ("xoxb-test-token-inactive", "account_inactive"),
        ("xoxb-test-token-expired", "token_expired"),
        ("xoxb-test-token-noscope", "missing_scope"),
    ],
)
def test_bad_tokens_are_refused(fake: FakeSlack, token: str, error: str) -> None:
    response = refusal(client(fake, token).chat_postMessage, channel="#ethics-alerts", text="x")
    assert response.status_code == 200 and response["error"] == error
    if error == "missing_scope":
        assert response["needed"] == "chat:write"
    assert fake.messages == []


def test_auth_test_reports_the_bot_and_needs_a_token(fake: FakeSlack) -> None:
    who = client(fake).auth_test()
    assert who["ok"] and who["bot_id"].startswith("B") and who["team_id"].startswith("T")
    assert raw(fake, "auth.test").json() == {"ok": False, "error": "not_authed"}


def test_conversations_list_pages_through_every_public_channel(fake: FakeSlack) -> None:
    fake.add_channel("secret", private=True, member=False)
    web = client(fake)
    names, cursor = [], None
    while True:
        page = web.conversations_list(limit=2, cursor=cursor)
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert {"ethics-alerts", "ethics-labor", "not-joined", "archived"} <= set(names)
    assert "secret" not in names
    listed = {c["name"]: c for c in web.conversations_list(exclude_archived=True)["channels"]}
    assert "archived" not in listed and listed["not-joined"]["is_member"] is False


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("#no-such-channel", "channel_not_found"),
        ("#not-joined", "not_in_channel"),
        ("#archived", "is_archived"),
        ("#hidden", "channel_not_found"),  # private, and the bot is not in it
        (None, "channel_not_found"),
    ],
)
def test_channel_refusals(fake: FakeSlack, channel: str | None, error: str) -> None:
    fake.add_channel("hidden", private=True, member=False)
    response = refusal(client(fake).chat_postMessage, channel=channel, text="x")
    assert (response.status_code, response["error"]) == (200, error)


# ---- content (§2.3, §2.4, §2.7, §5) ------------------------------------------------------------
def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def section(text: str, kind: str = "mrkdwn") -> dict[str, Any]:
    return {"type": "section", "text": {"type": kind, "text": text}}


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([header("x" * 151)], "/blocks/0/text/text"),
        ([{"type": "divider"}] * 51, "/blocks"),
        ([{"type": "divider"}, section("x" * 3001)], "/blocks/1/text/text"),
        ([section("")], "/blocks/0/text/text"),
        ([header("ok"), {"type": "no_such_block"}], "/blocks/1/type"),
        ([{**header("a"), "block_id": "b"}, {**header("b"), "block_id": "b"}],
         "/blocks/1/block_id"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "bold?"}}], "/blocks/0/text/type"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
         "/blocks/0/elements"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
         "/blocks/0/fields/0/text"),
        ([{"type": "actions", "elements": [{"type": "button", "url": "https://x.example",
                                            "text": {"type": "plain_text", "text": "b" * 76}}]}],
         "/blocks/0/elements/0/text/text"),
        ([{"type": "image", "image_url": "ftp://x.example/a.png", "alt_text": "a"}],
         "/blocks/0/image_url"),
        ([{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "broadcast", "range": "world"}]}]}],
         "/blocks/0/elements/0/elements/0/range"),
        ([{"type": "markdown", "text": "m" * 12001}], "/blocks/0/text"),
    ],
)
def test_invalid_blocks_name_the_exact_place(
    fake: FakeSlack, blocks: list[dict[str, Any]], pointer: str
) -> None:
    response = refusal(client(fake).chat_postMessage, channel="#ethics-alerts", text="t",
                       blocks=blocks)
    assert response.status_code == 200 and response["error"] == "invalid_blocks"
    pointers = [e.rsplit("[json-pointer:", 1)[1].rstrip("]") for e in response["errors"]]
    assert pointer in pointers
    messages = response["response_metadata"]["messages"]
    assert messages == [f"[ERROR] {e}" for e in response["errors"]]
    assert fake.messages == []


def test_blocks_that_are_not_an_array_of_objects_are_a_format_error(fake: FakeSlack) -> None:
    for blocks in ({"type": "divider"}, ["divider"], "not json"):
        response = refusal(client(fake).chat_postMessage, channel="#ethics-alerts", text="t",
                           blocks=blocks)
        assert response["error"] == "invalid_blocks_format"


def test_too_much_block_text_is_msg_blocks_too_long_unless_the_budget_is_off(local: None) -> None:
    blocks = [section("x" * 2900) for _ in range(5)]  # 14,500 characters, each block valid
    with FakeSlack() as fake:
        response = refusal(client(fake).chat_postMessage, channel="#ethics-alerts", text="t",
                           blocks=blocks)
        assert response["error"] == "msg_blocks_too_long"
    with FakeSlack(blocks_text_budget=0) as fake:
        reply = client(fake).chat_postMessage(channel="#ethics-alerts", text="t", blocks=blocks)
        assert reply["ok"]


def test_a_message_needs_text_or_blocks(fake: FakeSlack) -> None:
    response = refusal(client(fake).api_call, api_method="chat.postMessage",
                       json={"channel": "#ethics-alerts"})
    assert response["error"] == "no_text"


def test_long_text_is_truncated_with_a_warning_not_refused(fake: FakeSlack) -> None:
    reply = client(fake).chat_postMessage(channel="#ethics-alerts", text="y" * 40_005)
    assert reply["ok"] is True
    assert reply["response_metadata"]["warnings"] == ["message_truncated"]
    assert "40,000" in reply["response_metadata"]["messages"][0]
    assert len(fake.messages[0].text) == 40_000
    entry = fake.requests[-1]
    assert entry["truncated"] is True and entry["original_text_length"] == 40_005


def test_the_legacy_msg_too_long_refusal_can_be_switched_on(local: None) -> None:
    with FakeSlack(msg_too_long=True) as fake:
        response = refusal(client(fake).chat_postMessage, channel="#ethics-alerts",
                           text="y" * 40_001)
        assert response["error"] == "msg_too_long"


# ---- threads (§2.6) ----------------------------------------------------------------------------
def test_thread_replies_are_posted_and_bad_parents_are_flagged(fake: FakeSlack) -> None:
    web = client(fake)
    parent = web.chat_postMessage(channel="#ethics-alerts", text="parent")["ts"]
    good = web.chat_postMessage(channel="#ethics-alerts", text="reply", thread_ts=parent)
    assert good["message"]["thread_ts"] == parent
    web.chat_postMessage(channel="#ethics-alerts", text="to a reply", thread_ts=good["ts"])
    web.chat_postMessage(channel="#ethics-alerts", text="unknown", thread_ts="1234567890.000001")
    web.chat_postMessage(channel="#ethics-labor", text="other channel", thread_ts=parent)
    web.api_call("chat.postMessage", json={"channel": "#ethics-alerts", "text": "float",
                                           "thread_ts": float(parent)})
    web.chat_postMessage(channel="#ethics-alerts", text="broadcast", reply_broadcast=True)
    flags = [set(r["flags"]) for r in fake.requests]
    assert flags == [set(), set(), {"reply_to_reply"}, {"orphan_reply"}, {"orphan_reply"},
                     {"thread_ts_not_string", "orphan_reply"}, {"reply_broadcast_without_thread"}]
    assert all(m.ts for m in fake.messages) and len(fake.messages) == 7  # Slack posts them all


# ---- rate limits and faults (§4) ---------------------------------------------------------------
def test_every_kth_post_is_rate_limited_with_retry_after(fake: FakeSlack) -> None:
    fake.set_ratelimit_every(2, retry_after=3)
    web = client(fake)
    assert web.chat_postMessage(channel="#ethics-alerts", text="1")["ok"]
    response = refusal(web.chat_postMessage, channel="#ethics-alerts", text="2")
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert response.headers["Retry-After"] == "3"
    assert web.chat_postMessage(channel="#ethics-alerts", text="3")["ok"]
    assert [r["status"] for r in fake.requests] == [200, 429, 200]
    assert fake.requests[1]["rate_limited"] is True and fake.requests[1]["retry_after"] == 3


def test_each_channel_has_a_token_bucket_refilled_once_a_second(
    fake: FakeSlack, clock: Clock
) -> None:
    fake.set_channel_rate(2)
    web = client(fake)
    for text in ("a", "b"):
        web.chat_postMessage(channel="#ethics-alerts", text=text)
    response = refusal(web.chat_postMessage, channel="#ethics-alerts", text="c")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert web.chat_postMessage(channel="#ethics-labor", text="other channel")["ok"]
    clock.now += 1.0
    assert web.chat_postMessage(channel="#ethics-alerts", text="c again")["ok"]
    assert [m.text for m in fake.messages] == ["a", "b", "other channel", "c again"]


def test_injected_gateway_failures_are_503_with_a_non_json_body(fake: FakeSlack) -> None:
    web = client(fake)
    fake.fail_next(2)
    for _ in range(2):
        response = refusal(web.chat_postMessage, channel="#ethics-alerts", text="x")
        assert response.status_code == 503
        assert response["error"].startswith("Received a response in a non-JSON format")
    assert web.chat_postMessage(channel="#ethics-alerts", text="x")["ok"]
    fake.fail_next(1, status=200, error="service_unavailable")
    assert refusal(web.chat_postMessage, channel="#ethics-alerts", text="x")["error"] == (
        "service_unavailable")


def test_down_mode_answers_503_to_everything_until_reset(fake: FakeSlack) -> None:
    web = client(fake)
    fake.set_down(True)
    assert refusal(web.auth_test).status_code == 503
    assert WebhookClient(fake.webhook_url(), retry_handlers=[]).send(text="x").status_code == 503
    fake.reset()
    assert web.auth_test()["ok"] and fake.requests == [fake.requests[0]]


# ---- mentions and links (§6) --------------------------------------------------------------------
def analysis_of(fake: FakeSlack, **kwargs: Any) -> dict[str, Any]:
    client(fake).chat_postMessage(channel="#ethics-alerts", **kwargs)
    return fake.messages[-1].analysis


def test_broadcasts_in_mrkdwn_are_flagged_and_escaped_ones_are_not(fake: FakeSlack) -> None:
    live = analysis_of(fake, text="t", blocks=[section("<!channel> look")])
    assert live["broadcast_mention"] is True
    assert live["broadcast_mentions"] == [{"range": "channel", "where": "/blocks/0/text",
                                           "how": "control_sequence"}]
    escaped = analysis_of(fake, text="&lt;!channel&gt; look",
                          blocks=[section("&lt;!channel&gt; look"), header("<!here>")])
    assert escaped["broadcast_mention"] is False and escaped["links"] == []


def test_every_log_line_carries_the_analysis_even_for_refused_posts(fake: FakeSlack) -> None:
    web = client(fake)
    web.auth_test()
    refusal(web.chat_postMessage, channel="#ethics-alerts", text="<!here>",
            blocks=[header("h" * 151)])
    quiet, refused = fake.requests
    assert quiet["broadcast_mention"] is False and quiet["flags"] == []
    assert refused["error"] == "invalid_blocks" and refused["broadcast_mention"] is True


def test_bare_at_words_notify_only_with_link_names(fake: FakeSlack) -> None:
    quiet = analysis_of(fake, text="ping @channel and @bob")
    assert quiet["broadcast_mention"] is False
    assert [w["word"] for w in quiet["bare_at_words"]] == ["@channel", "@bob"]
    loud = analysis_of(fake, text="ping @channel", link_names=True)
    assert loud["broadcast_mentions"][0]["how"] == "link_names"


def test_users_groups_links_and_loose_ampersands_are_reported(fake: FakeSlack) -> None:
    rich = {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "broadcast", "range": "here"}, {"type": "user", "user_id": "U9"}]}]}
    text = "<@U123> <!subteam^S42> <https://a.example|A> AT&T AT&amp;T"
    found = analysis_of(fake, text=text, blocks=[rich])
    assert [m["id"] for m in found["user_mentions"]] == ["U123", "U9"]
    assert [m["id"] for m in found["usergroup_mentions"]] == ["S42"]
    assert found["links"] == [{"url": "https://a.example", "label": "A", "where": "text"}]
    assert found["unescaped_ampersand"] == [{"where": "text", "offset": text.index("&T")}]
    assert found["broadcast_mentions"][0]["how"] == "rich_text_element"


# ---- incoming webhooks (§3) ---------------------------------------------------------------------
def test_a_webhook_post_answers_ok_and_lands_in_news(fake: FakeSlack) -> None:
    reply = WebhookClient(fake.webhook_url(), retry_handlers=[]).send(
        text="hi", blocks=[section("hello")], unfurl_links=False)
    assert (reply.status_code, reply.body) == (200, "ok")
    (message,) = fake.messages
    assert (message.via, message.channel_id, message.channel_name) == ("webhook", "C0NEWS00001",
                                                                        "#news")
    assert message.unfurl_links is False and message.unfurl_media is None


def test_a_legacy_form_payload_is_accepted(fake: FakeSlack) -> None:
    reply = _http.post(fake.webhook_url(), data={"payload": json.dumps({"text": "form"})})
    assert (reply.status_code, reply.text) == (200, "ok")
    assert fake.messages[0].text == "form"


@pytest.mark.parametrize(
    ("name", "status", "body"),
    [
        ("removed", 404, "no_service"),
        ("invalid", 403, "invalid_token"),
        ("archived", 410, "channel_is_archived"),
        ("inactive", 404, "no_active_hooks"),
        ("prohibited", 403, "action_prohibited"),
        ("nochannel", 404, "channel_not_found"),
    ],
)
def test_magic_webhooks_give_their_refusals(fake: FakeSlack, name: str, status: int,
                                            body: str) -> None:
    reply = WebhookClient(fake.webhook_url(name), retry_handlers=[]).send(text="x")
    assert (reply.status_code, reply.body) == (status, body)
    assert fake.messages == []


def test_webhook_payload_problems(fake: FakeSlack) -> None:
    hook = WebhookClient(fake.webhook_url(), retry_handlers=[])
    assert (hook.send_dict({}).status_code, hook.send_dict({}).body) == (400, "invalid_payload")
    assert hook.send_dict({"unfurl_links": False}).body == "no_text"
    assert hook.send(text="x", blocks=[header("h" * 151)]).body == "invalid_blocks"
    long = hook.send(text="z" * 40_001)
    assert (long.status_code, long.body, len(fake.messages[0].text)) == (200, "ok", 40_000)
    malformed = WebhookClient(fake.base_url + "/services/nope", retry_handlers=[]).send(text="x")
    assert (malformed.status_code, malformed.body) == (404, "no_service")


def test_only_listed_webhooks_exist_when_some_are_given(local: None) -> None:
    with FakeSlack(webhooks=["/services/T1/B1/abc"]) as fake:
        assert WebhookClient(fake.webhook_url(), retry_handlers=[]).send(text="x").body == "ok"
        other = WebhookClient(fake.webhook_url("other"), retry_handlers=[]).send(text="x")
        assert (other.status_code, other.body) == (403, "invalid_token")


def test_webhooks_are_rate_limited_too(fake: FakeSlack) -> None:
    fake.set_ratelimit_every(1, retry_after=2)
    reply = WebhookClient(fake.webhook_url(), retry_handlers=[]).send(text="x")
    assert (reply.status_code, reply.body, reply.headers["Retry-After"]) == (429, "rate_limited",
                                                                             "2")


# ---- standalone ---------------------------------------------------------------------------------
def test_standalone_server_logs_one_json_line_per_request(local: None, tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_slack", "--port", "0", "--log", str(log),
         "--token", "xoxb-smoke"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()  # "fake slack: api http://127.0.0.1:PORT/api/ webhook ..."
        api_url = banner.split()[3]
        web = WebClient(token="xoxb-smoke", base_url=api_url, retry_handlers=[])
        assert web.chat_postMessage(channel="#ethics-ops", text="smoke")["ok"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    (entry,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert (entry["method"], entry["status"], entry["channel"]) == ("chat.postMessage", 200,
                                                                    "#ethics-ops")
