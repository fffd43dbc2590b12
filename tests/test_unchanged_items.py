"""A changed document's unchanged items: the parser leaves out the items the store already has as
the feed gave them (their raw digest), and an edited item is still seen as edited, through the
real poll (local HTTP server, a real store on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.parse.feed import parse_feed
from tests.conftest import SEED_SUMMARY, SEED_TITLE, Item, minutes_ago, rss, write_rules
from tests.support.feed_server import FeedServer
from tests.support.polling import poll_context, poll_once

URL = "https://news.example/feed"
ITEMS = """
<item><title>First story</title><link>https://news.example/1</link><guid>g-1</guid>
<description>&lt;p&gt;One &lt;b&gt;body&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Tue, 10 Sep 2024 12:00:00 GMT</pubDate><category>Labour</category><author>a@b.c (Ann)</author></item>
<item><title>Second story</title><link>https://news.example/2</link><description>Two</description></item>
"""


def doc(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://news.example/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def known_of(body: bytes) -> dict[str, str]:
    """What the store's ``known_raw`` gives after storing this document's stories."""
    parsed = parse_feed(body, feed_url=URL, source="News")
    return {digest: key for key, raw in parsed.raw_hashes.items() for digest in raw.split()}


def test_unchanged_items_are_left_out_and_new_ones_kept() -> None:
    first = parse_feed(doc(ITEMS), feed_url=URL, source="News")
    assert len(first.raw_hashes) == 2 and not first.unchanged
    again = parse_feed(
        doc(ITEMS + "<item><title>Third</title><link>https://news.example/3</link></item>"),
        feed_url=URL, source="News", known=known_of(doc(ITEMS)),
    )
    assert [s.title for s in again.stories] == ["Third"]
    assert again.unchanged == {s.key for s in first.stories}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<title>First story</title>", "<title>First story, corrected</title>"),
        ("&lt;b&gt;body&lt;/b&gt;", "&lt;b&gt;bodies&lt;/b&gt;"),
        ("12:00:00 GMT", "13:00:00 GMT"),
        ("<category>Labour</category>", "<category>Unions</category>"),
        ("a@b.c (Ann)", "a@b.c (Bob)"),
        ("<link>https://news.example/1</link>", "<link>https://news.example/1b</link>"),
        ("</item>", "<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'>More</content:encoded></item>"),
    ],
)
def test_an_item_with_any_field_edited_is_read_again(old: str, new: str) -> None:
    edited = ITEMS.replace(old, new, 1)
    parsed = parse_feed(doc(edited), feed_url=URL, source="News", known=known_of(doc(ITEMS)))
    assert [s.key for s in parsed.stories] == ["g-1"]  # the first item, read in full
    assert parsed.stories[0] == parse_feed(doc(edited), feed_url=URL, source="News").stories[0]
    assert len(parsed.unchanged) == 1  # the second item


def test_a_later_item_with_an_unchanged_items_key_is_left_out_too() -> None:
    dup = ITEMS + "<item><title>Other</title><guid>g-1</guid></item>"
    stored = parse_feed(doc(dup), feed_url=URL, source="News")
    assert set(stored.raw_hashes["g-1"].split()) <= set(known_of(doc(ITEMS)))  # the first item of the key gives it
    known = {digest: k for k, v in stored.raw_hashes.items() for digest in v.split()}
    parsed = parse_feed(doc(dup), feed_url=URL, source="News", known=known)
    assert parsed.stories == ()  # "Other" would otherwise look like an edit of g-1


def test_a_poll_of_a_changed_document_skips_unchanged_items_and_still_sees_an_edit(
    tmp_path: Path, store_url: str | None
) -> None:
    seed = Item(SEED_TITLE, SEED_SUMMARY, link="https://news.example/seed", published=minutes_ago(5))
    other = Item("Council meets on Tuesday", "Agenda.", link="https://news.example/council", published=minutes_ago(5))
    with FeedServer() as feeds:
        feeds.set_feed("/tech.xml", rss([seed, other]))
        rules = write_rules(tmp_path / "rules.yaml", [feeds.url("/tech.xml")])
        ctx = poll_context(rules, tmp_path / "state", store_url)
        store = ctx.store

        def poll() -> None:
            poll_once(ctx)

        poll()
        url = feeds.url("/tech.xml")
        assert sorted(store.known_raw(url).values()) == sorted([seed.link, seed.link, other.link, other.link])
        edited = Item(SEED_TITLE + " again", SEED_SUMMARY, link="https://news.example/seed", published=seed.published)
        feeds.set_feed("/tech.xml", rss([edited, other]))
        poll()
        stored = {s.title for s in store.stored_stories()}
        assert stored == {edited.title, other.title}  # the edit was stored
        kinds = sorted(row[0] for row in store._db.execute("SELECT kind FROM alerts"))
        assert kinds == ["new", "update"]  # and, as the story still matches, its "Updated:" note queued
        assert len(store.known_raw(url)) == 4  # and the edited item's new digests with it
        known = store.known_raw(url)
        parsed = parse_feed(rss([edited, other]), feed_url=url, source="x", known=known)
        assert parsed.stories == () and len(parsed.unchanged) == 2
        store.close()


def test_json_feed_items_are_left_out_when_unchanged_and_read_when_edited() -> None:
    def feed(title: str) -> bytes:
        items = [{"id": "j-1", "url": "https://news.example/j1", "title": title, "content_html": "<p>Body</p>"},
                 {"id": "j-2", "url": "https://news.example/j2", "title": "Second", "content_text": "Two"}]
        return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}).encode()

    first = parse_feed(feed("First"), feed_url=URL, source="News")
    known = {digest: key for key, raw in first.raw_hashes.items() for digest in raw.split()}
    assert len(known) == 2
    same = parse_feed(feed("First"), feed_url=URL, source="News", known=known)
    assert same.stories == () and same.unchanged == {"j-1", "j-2"}
    edited = parse_feed(feed("First, corrected"), feed_url=URL, source="News", known=known)
    assert [s.title for s in edited.stories] == ["First, corrected"] and edited.unchanged == {"j-2"}
