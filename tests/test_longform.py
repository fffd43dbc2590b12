"""The shipped rules on long texts: the labelled stories, each followed by about 300 words of
ordinary article text (``bench/bench_longform.py``, ``data/longform/filler.txt``), score within
0.02 of their short form, in precision and in recall."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from bot.config.load import load_config
from bot.core.labelled import read_labelled
from bot.review.evaluate import predict, score
from bot.rules.match import compile_config

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_longform", ROOT / "bench" / "bench_longform.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def test_the_filler_is_ordinary_text_of_the_promised_length() -> None:
    paras = bench.paragraphs()
    assert len(paras) >= 20
    config = load_config(ROOT / "rules.yaml")
    ruleset = compile_config(config)
    from bot.core.models import Story
    from bot.rules.match import match_story

    for n, para in enumerate(paras):  # no paragraph alerts on its own
        assert not match_story(ruleset, Story(str(n), "f", "s", "Ordinary news", para)), para[:60]
    filler = bench.filler_for("t001", paras)
    assert 300 <= len(filler.split()) < 400
    assert filler == bench.filler_for("t001", paras)  # the same story gets the same text


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "data" / "training" / "stories.jsonl",
        pytest.param(
            SHARED / "eval" / "dev.jsonl",
            marks=pytest.mark.skipif(not (SHARED / "eval" / "dev.jsonl").exists(), reason="../shared absent"),
        ),
    ],
    ids=["own", "dev"],
)
def test_long_form_scores_within_two_points_of_the_short_form(path: Path) -> None:
    config = load_config(ROOT / "rules.yaml")
    assert config.settings.match_lede
    ruleset = compile_config(config)
    categories = {r.category for r in config.rules}
    short = read_labelled(path)
    long = bench.long_form(short, bench.paragraphs())
    assert all(len(b.summary.split()) >= len(a.summary.split()) + 300 for a, b in zip(short, long, strict=True))
    a = score(predict(ruleset, short), categories)
    b = score(predict(ruleset, long), categories)
    assert abs(a.relevance.precision - b.relevance.precision) <= 0.02
    assert abs(a.relevance.recall - b.relevance.recall) <= 0.02
    for name, s in a.categories.items():
        if s.tp + s.fn >= 10:  # per category where there are enough stories to say
            t = b.categories[name]
            assert abs(s.precision - t.precision) <= 0.05, name
            assert t.recall >= s.recall - 0.02, name
