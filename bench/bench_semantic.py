"""Benchmark: the semantic layer's start-up time, scoring throughput and added memory.

In one fresh process: import what the daemon imports without the layer and note the RSS; then
load the model (numpy BERT over the packaged safetensors weights) and train the classifiers on
the project's training set, which is the daemon's start-up cost (with an empty ``BOT_CACHE``, as
on a first start; then again with a new encoder and the examples' embeddings on disk, as on any
later start); then score ``--stories``
distinct story texts (headlines and summaries of the training set recombined, so no text is
embedded twice) in batches of ``--batch`` through ``SemanticModel.score``, the call the daemon
makes off the event loop. Prints a markdown table: start-up, stories/s, RSS before, peak RSS
after and the difference.

    .venv/bin/python bench/bench_semantic.py                      # 2,000 stories, batches of 64
    .venv/bin/python bench/bench_semantic.py --stories 500 --batch 16

Correctness against the reference implementation (run once, with a Python that has
sentence-transformers and torch, e.g. a throwaway venv; never part of the project):

    /tmp/ref/bin/python bench/bench_semantic.py --write-reference /tmp/ref.json
    .venv/bin/python bench/bench_semantic.py --check-reference /tmp/ref.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TRAINING = ROOT / "data" / "training" / "stories.jsonl"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def training_texts() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in TRAINING.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["title"], r["summary"]) for r in rows]


def write_reference(path: str) -> None:
    """Reference embeddings from sentence-transformers (needs torch; not a project dependency)."""
    from sentence_transformers import SentenceTransformer

    from bot.core.semantic_files import resolve_model_dir
    from bot.semantic.model import story_text

    model = SentenceTransformer(str(resolve_model_dir(None)), device="cpu")
    model.max_seq_length = 128  # as tokenizer.json and bot.semantic.model truncate
    texts = [story_text(t, s) for t, s in training_texts()]
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    Path(path).write_text(json.dumps({"texts": texts, "vectors": vectors.tolist()}), encoding="utf-8")
    print(f"wrote {len(texts)} reference embeddings to {path}")


def check_reference(path: str) -> None:
    import numpy as np

    from bot.semantic.model import load_encoder

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    ours = load_encoder(None)._embed_uncached(data["texts"])
    ref = np.array(data["vectors"], dtype=np.float32)
    cosines = (ours * ref).sum(axis=1)
    print("| texts | min cosine | mean cosine | max abs difference |\n| ---: | ---: | ---: | ---: |")
    print(f"| {len(cosines)} | {cosines.min():.7f} | {cosines.mean():.7f} | {np.abs(ours - ref).max():.2e} |")


def bench(stories: int, batch: int) -> None:
    import tempfile

    import bot.flow.pipeline  # what the daemon has loaded anyway
    import bot.semantic.judge  # noqa: F401

    assert "numpy" not in sys.modules, "the daemon without a semantic section must not import numpy"
    os.environ["BOT_CACHE"] = tempfile.mkdtemp(prefix="bench-semantic-cache-")  # empty: a first start
    before = rss_mb()
    started = time.perf_counter()
    from bot.semantic import model as semantic
    examples = semantic.read_examples([str(TRAINING)])
    categories = {c for e in examples for c in e.labels}
    encoder = semantic.load_encoder(None)
    loaded = time.perf_counter()
    model = semantic.SemanticModel(encoder, examples, categories)
    trained = time.perf_counter()
    pairs = training_texts()
    rng = random.Random(7)
    texts = [(rng.choice(pairs)[0], rng.choice(pairs)[1]) for _ in range(stories)]
    semantic.CACHE_SIZE = 0  # measure embedding, not the cache
    began = time.perf_counter()
    for start in range(0, len(texts), batch):
        model.score(texts[start : start + batch])
    scored = time.perf_counter() - began
    peak = peak_mb()  # before the second encoder below adds a second copy of the weights
    # A later start: a new encoder (nothing in memory), the examples' embeddings on disk.
    again = time.perf_counter()
    semantic.SemanticModel(semantic.Encoder(encoder.folder), examples, categories)
    restarted = time.perf_counter()
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    print(f"cores: {os.cpu_count()}, BLAS threads: {threads}, {len(examples)} training stories, batch {batch}")
    print()
    print(
        "| load model | train (embed examples + fit) | start-up, first | start-up, examples cached "
        "| stories/s | RSS before | peak RSS | added |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {loaded - started:.2f} s | {trained - loaded:.2f} s | {trained - started:.2f} s "
        f"| {restarted - again:.2f} s | {stories / scored:.1f} | {before:.0f} MB | {peak:.0f} MB "
        f"| {peak - before:.0f} MB |"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stories", type=int, default=2000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--write-reference", metavar="FILE")
    p.add_argument("--check-reference", metavar="FILE")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.write_reference:
        write_reference(args.write_reference)
    elif args.check_reference:
        check_reference(args.check_reference)
    else:
        bench(args.stories, args.batch)


if __name__ == "__main__":
    main()
