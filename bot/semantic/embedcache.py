"""The on-disk cache of training examples' embeddings, between runs.

The same few hundred labelled examples are embedded at every start (about 12 s on two cores);
this keeps their vectors in one ``.npz`` file per model fingerprint under ``cache_dir()``, keyed
by the SHA-256 of the embedded text. A file that cannot be read or written is ignored (logged):
the cache only ever saves time. It embeds nothing itself (``bot.semantic.encoder`` does).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.observe.logs import event, get_logger

Array = NDArray[np.float32]
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


def digest(text: str) -> str:
    """The key a text's embedding is stored under."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def store_path(fingerprint: str) -> Path:
    return cache_dir() / f"embeddings-{fingerprint}.npz"


def read_store(path: Path, dim: int) -> dict[str, Array]:
    """The stored embeddings by text digest; empty when the file is absent or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
            if vectors.dtype != np.float32 or vectors.shape != (len(keys), dim):
                raise ValueError(f"unexpected shape {vectors.shape}")
            return {str(k): v for k, v in zip(keys, vectors, strict=True)}
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a damaged or foreign file: start again
        event(log, "semantic_cache_unreadable", logging.WARNING, path=str(path), error=str(exc),
              action="embedding the examples again")
        return {}


def trim(store: dict[str, Array]) -> None:
    """Drop the oldest entries beyond ``STORE_LIMIT``."""
    while len(store) > STORE_LIMIT:
        store.pop(next(iter(store)))


def write_store(path: Path, store: dict[str, Array], dim: int) -> None:
    """Replace the file atomically: readers see the old store or the new one, never half."""
    written: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            written = tmp.name
            vectors = np.stack(list(store.values())) if store else np.zeros((0, dim), np.float32)
            np.savez(tmp, keys=np.array(list(store), dtype="U64"), vectors=vectors)
        os.replace(written, path)
    except OSError as exc:
        event(log, "semantic_cache_not_written", path=str(path), error=str(exc))
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)
