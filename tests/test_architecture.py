"""The import contracts of ``[tool.importlinter]`` hold on the tree, and they bite: a copy of the
package with one deliberately wrong import fails ``lint-imports``. ``make lint`` runs the same
contracts on every change; this test shows they are not a formality."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[dev]')")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")],
                          cwd=root, capture_output=True, text=True, timeout=120)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(REPO / "bot", root / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_tree_keeps_every_contract(tmp_path: Path) -> None:
    ran = _lint(_copy(tmp_path))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "0 broken" in ran.stdout


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("bot/rules/words.py", "import yaml", "The rule engine is pure"),
    ("bot/rules/words.py", "from bot.store import database", "Layers"),
    ("bot/fetch/client.py", "from bot.parse import feed", "Layers"),  # adapters never import each other
    ("bot/store/database.py", "from bot.cli import main", "Layers"),  # nothing imports the command line
    ("bot/flow/pipeline.py", "import feedparser", "feedparser and beautifulsoup4 only in bot.parse"),
    ("bot/notify/message.py", "import httpx", "httpx and httpcore only in bot.fetch"),
    ("bot/store/outbox.py", "import sqlite3", "sqlite3 only in bot.store.sqlite"),  # the parts write portable SQL
    ("bot/store/database.py", "import psycopg", "psycopg only in bot.store.postgres"),
    ("bot/flow/pipeline.py", "import psycopg", "psycopg only in bot.store.postgres"),
])
def test_a_wrong_import_breaks_the_lint(tmp_path: Path, module: str, bad_import: str, contract: str) -> None:
    root = _copy(tmp_path)
    target = root / module
    text = target.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    target.write_text(head + sep + bad_import + "  # deliberately wrong\n" + rest, encoding="utf-8")
    ran = _lint(root)
    assert ran.returncode != 0, f"{bad_import} in {module} passed the contracts:\n{ran.stdout}"
    broken = ran.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, ran.stdout
