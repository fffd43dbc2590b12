"""The semantic layer's scorer: per-category probabilities for stories, from classifiers
trained on labelled stories, each explained by the nearest labelled example (cosine).

Built from the parts of this package: the numpy encoder (``encoder``), what is read of a
story (``storytext``), the logistic regression (``classify``), the examples' embedding cache
(``embedcache``) and people's labels (``people``). Its public names are re-exported here so
callers import one module. Only ``bot.semantic`` imports numpy, tokenizers and safetensors. It
does not decide what alerts (``bot.semantic.judge`` does) and it never touches the event loop:
callers run ``SemanticModel.score`` in a worker thread.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.core.errors import BotError
from bot.core.labelled import Labelled, read_labelled
from bot.core.models import Neighbour, SemanticScores
from bot.observe.logs import get_logger
from bot.semantic.classify import L2, NEWTON_STEPS, train_logistic
from bot.semantic.classify import sigmoid as _sigmoid
from bot.semantic.embedcache import STORE_LIMIT, cache_dir
from bot.semantic.encoder import BATCH, CACHE_SIZE, MAX_TOKENS, Array, Encoder, load_encoder
from bot.semantic.people import PERSON_WEIGHT, current_feedback, use_feedback, with_feedback
from bot.semantic.storytext import lede_of, story_text

__all__ = [
    "BATCH", "CACHE_SIZE", "L2", "MAX_TOKENS", "NEWTON_STEPS", "PERSON_WEIGHT", "STORE_LIMIT", "Encoder",
    "SemanticModel", "cache_dir", "cross_validated", "lede_of", "load_encoder", "load_model", "read_examples",
    "story_text", "train_logistic", "use_feedback", "with_feedback",
]
log = get_logger("semantic")


@dataclass(frozen=True)
class _Examples:
    items: tuple[Labelled, ...]
    vectors: Array  # (n, dim), unit length


class SemanticModel:
    """Per-category probabilities for stories, with the nearest labelled example."""

    def __init__(self, encoder: Encoder, examples: Sequence[Labelled], categories: Iterable[str], l2: float = L2,
                 weights: Sequence[float] | None = None):
        self.encoder = encoder
        items = tuple(examples)
        sw = None if weights is None else np.asarray(weights, dtype=np.float64)
        vectors = encoder.embed_examples([story_text(e.title, e.summary) for e in items])
        self.examples = _Examples(items, vectors)
        x = vectors.astype(np.float64)
        self.mean = x.mean(axis=0) if len(items) else np.zeros(encoder.dim)
        self.scale = x.std(axis=0) + 1e-6 if len(items) else np.ones(encoder.dim)
        z = (x - self.mean) / self.scale
        self.weights: dict[str, NDArray[np.float64]] = {}
        for category in sorted(set(categories)):
            y = np.array([category in e.labels for e in items], dtype=np.float64)
            if 0 < y.sum() < len(items):  # a classifier needs positives and negatives
                self.weights[category] = train_logistic(z, y, l2, sw)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def probabilities(self, vectors: Array) -> dict[str, NDArray[np.float64]]:
        z = (vectors.astype(np.float64) - self.mean) / self.scale
        return {c: _sigmoid(z @ w[:-1] + w[-1]) for c, w in self.weights.items()}

    def _neighbour(self, sims: NDArray[np.float32], mask: NDArray[np.bool_] | None) -> Neighbour | None:
        if mask is not None:
            if not mask.any():
                return None
            sims = np.where(mask, sims, np.float32(-2.0))
        i = int(np.argmax(sims))
        e = self.examples.items[i]
        return Neighbour(title=e.title, labels=tuple(sorted(e.labels)), similarity=round(float(sims[i]), 4))

    def score_texts(self, texts: Sequence[str]) -> list[SemanticScores]:
        """Scores for already-joined story texts (see ``story_text``)."""
        if not texts:
            return []
        vectors = self.encoder.embed(texts)
        probs = self.probabilities(vectors)
        sims = vectors @ self.examples.vectors.T if len(self.examples.items) else None
        masks = {c: np.array([c in e.labels for e in self.examples.items]) for c in self.weights}
        out = []
        for row in range(len(texts)):
            scores = {c: round(float(p[row]), 4) for c, p in probs.items()}
            nearest: Neighbour | None = None
            by_category: dict[str, Neighbour] = {}
            if sims is not None:
                nearest = self._neighbour(sims[row], None)
                for c, mask in masks.items():
                    found = self._neighbour(sims[row], mask)
                    if found is not None:
                        by_category[c] = found
            out.append(SemanticScores(scores=scores, nearest=nearest, nearest_in=by_category))
        return out

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[SemanticScores]:
        """Scores for (title, summary) pairs, in order. CPU-bound: call it off the event loop."""
        return self.score_texts([story_text(t, s) for t, s in pairs])


_MODELS: dict[tuple[object, ...], SemanticModel] = {}
_LOCK = threading.Lock()


def read_examples(paths: Sequence[str]) -> list[Labelled]:
    """Every labelled story in ``paths``, in order."""
    out: list[Labelled] = []
    for path in paths:
        out.extend(read_labelled(path))
    return out


def load_model(model: str | None, example_paths: Sequence[str], categories: Iterable[str]) -> SemanticModel:
    """A trained model for these settings, built once per process and reused while the model
    folder and the example files are unchanged (a rules.yaml reload costs nothing then)."""
    encoder = load_encoder(model)
    stamps = []
    for path in example_paths:
        p = Path(path)
        try:
            stamps.append((str(p.resolve()), hashlib.sha256(p.read_bytes()).hexdigest()))
        except OSError as exc:
            raise BotError(f"cannot read semantic examples {path}: {exc}") from exc
    key = (encoder.folder, tuple(stamps), tuple(sorted(set(categories))), current_feedback())
    with _LOCK:
        cached = _MODELS.get(key)
    if cached is not None:
        return cached
    items, weights = with_feedback(read_examples(example_paths), current_feedback())
    built = SemanticModel(encoder, items, categories, weights=weights)
    with _LOCK:
        _MODELS.clear()  # keep one trained model: the current rules' one
        _MODELS[key] = built
    return built


def cross_validated(
    model: str | None,
    examples: Sequence[Labelled],
    items: Sequence[Labelled],
    folds: int,
    categories: Iterable[str],
) -> list[SemanticScores]:
    """Scores for ``items`` by K-fold cross-validation: the items are dealt into ``folds`` folds
    (a seeded shuffle, so runs repeat), and each fold is scored by a model trained on every
    example except the stories of that fold (matched by text, whichever file they came from),
    so no item is scored by a model that saw it. Each text is embedded once."""
    encoder = load_encoder(model)
    order = list(range(len(items)))
    random.Random(20180621).shuffle(order)
    fold_of = {i: n % folds for n, i in enumerate(order)}
    out: list[SemanticScores | None] = [None] * len(items)
    cats = tuple(sorted(set(categories)))
    for fold in range(folds):
        held = [i for i in range(len(items)) if fold_of[i] == fold]
        held_texts = {story_text(items[i].title, items[i].summary) for i in held}
        train = [e for e in examples if story_text(e.title, e.summary) not in held_texts]
        trained = SemanticModel(encoder, train, cats)
        for i, scores in zip(held, trained.score([(items[i].title, items[i].summary) for i in held]), strict=True):
            out[i] = scores
    return [s for s in out if s is not None]
