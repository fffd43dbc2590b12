"""The real-documents mode of the polling benchmark serves what it claims (bench/real_feeds.py,
bench/poll_server.py RealPollServer): each feed's copy of a corpus document parses to the same
stories as the document itself, with identities of its own, and a changed feed's re-poll shows
the promised number of new stories. Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.parse.feed import parse_feed

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "feeds" / "real"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is not available")


@pytest.fixture(scope="module")
def bench() -> Iterator[tuple[Any, Any]]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import poll_server
        import real_feeds
    finally:
        sys.path.remove(str(REPO / "bench"))
    yield real_feeds, poll_server


def _parse(body: bytes, content_type: str, index: int) -> Any:
    return parse_feed(body, feed_url=f"http://127.0.0.2:8000/feeds/{index}.xml", source="s",
                      headers={"content-type": content_type})


def test_every_copy_holds_the_documents_stories_under_identities_of_its_own(bench: tuple[Any, Any]) -> None:
    real_feeds, _ = bench
    documents = real_feeds.load_corpus(CORPUS)
    assert documents and len(documents) == len(list(CORPUS.iterdir()))
    shared_links = 0
    for doc in documents:
        original = _parse(doc.raw, doc.content_type, 5)
        copies = [_parse(doc.render(index), doc.content_type, 5) for index in (17, 18)]
        text = [(s.title, s.summary, s.published) for s in original.stories]
        keys = [{s.key for s in original.stories}]
        for copy in copies:
            assert [(s.title, s.summary, s.published) for s in copy.stories] == text, doc.name
            assert len(copy.warnings) == len(original.warnings), doc.name
            keys.append({s.key for s in copy.stories})
        assert not (keys[0] & keys[1]) and not (keys[1] & keys[2]), doc.name
        links = [{s.link for s in copy.stories if s.link} for copy in copies]
        shared_links += len(links[0] & links[1])
    assert shared_links <= 3  # only items without a link of their own (the document's base applies)


def test_a_changed_feed_shows_its_new_items_on_the_re_poll(bench: tuple[Any, Any]) -> None:
    real_feeds, _ = bench
    for doc in real_feeds.load_corpus(CORPUS):
        for new_items in (1, 3):
            first = _parse(doc.render(9, new_items=new_items), doc.content_type, 9)
            again = _parse(doc.render(9, version=1, new_items=new_items), doc.content_type, 9)
            added = {s.key for s in again.stories} - {s.key for s in first.stories}
            assert len(added) == (min(new_items, doc.items - 1) or 1), doc.name
            assert {s.key for s in first.stories} <= {s.key for s in again.stories}, doc.name


def test_the_server_answers_with_the_documents_type_and_honours_both_validators(bench: tuple[Any, Any]) -> None:
    real_feeds, poll_server = bench
    documents = real_feeds.load_corpus(CORPUS)
    server = poll_server.RealPollServer(len(documents), documents, hosts=2, latency=0)
    with server, httpx.Client() as client:
        for index in (0, 18, len(documents) - 1):
            first = client.get(server.urls[index])
            assert first.status_code == 200
            assert first.headers["content-type"] == documents[index].content_type
            assert first.content == server.body(index, 0)
            etag, modified = first.headers["etag"], first.headers["last-modified"]
            assert client.get(server.urls[index], headers={"If-None-Match": etag}).status_code == 304
            assert client.get(server.urls[index], headers={"If-Modified-Since": modified}).status_code == 304
            assert client.get(server.urls[index], headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_baseline_looks_for_the_shipped_rules_strong_terms(bench: tuple[Any, Any]) -> None:
    real_feeds, _ = bench
    terms = dict(real_feeds.strong_terms(REPO / "rules.yaml"))
    expected = {"facial recognition", "spyware", "predictive policing", "forced labour", "shareholder proposal"}
    assert expected <= set(terms)
    assert "amazon" not in terms and "workers" not in terms  # context words never alert alone
