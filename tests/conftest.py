"""Shared fixtures: the repository's paths, a CLI runner that starts the real program as a
subprocess, and helpers to write rules files and RSS documents for end-to-end tests."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

pytest_plugins = ["tests.support.postgres"]  # postgres_server, database_url, store_url

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# What the bot keeps between runs (the semantic layer's example embeddings) goes to a folder of
# this test run, never to the ~/.cache of whoever runs the tests; subprocesses inherit it.
os.environ["XDG_CACHE_HOME"] = _TEST_CACHE = tempfile.mkdtemp(prefix="ethics-bot-test-cache-")
atexit.register(shutil.rmtree, _TEST_CACHE, True)

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a subprocess: no proxies, no Slack settings unless given."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS and not k.startswith(("SLACK_", "BOT_"))}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120, stdin: str | None = None) -> Ran:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=clean_env(env),
        timeout=timeout,
        cwd=REPO,
        input=stdin,
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def _vm_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def run_cli_measured(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120) -> tuple[Ran, float]:
    """``run_cli``, and the peak RSS in MB of that process plus its worker processes.

    Read from ``VmHWM`` in /proc every 20 ms while it runs. Neither ``RUSAGE_CHILDREN`` (the
    largest child of the whole test session) nor the child's own ``wait4`` rusage (Linux carries
    the high-water mark of the address space a process had before ``exec``, here the whole pytest
    process, into ``ru_maxrss``) measures the bot alone; ``VmHWM`` belongs to the address space
    the bot's ``exec`` created. ``VmHWM`` only grows, so the last sample is within 20 ms of the peak.
    """
    import tempfile
    import time

    peak_kb = 0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bot", *args], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, text=True, env=clean_env(env), cwd=REPO)
        deadline = time.monotonic() + timeout
        workers: dict[int, int] = {}
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                break
            own = _vm_kb(proc.pid, "VmHWM:")
            for child in _children(proc.pid):
                workers[child] = max(workers.get(child, 0), _vm_kb(child, "VmHWM:"))
            peak_kb = max(peak_kb, own + sum(workers.values()))
            time.sleep(0.02)
        out.seek(0)
        err.seek(0)
        ran = Ran(proc.returncode, out.read(), err.read())
    return ran, peak_kb / 1024


@dataclass(frozen=True)
class Item:
    title: str
    summary: str = ""
    link: str | None = None
    guid: str | None = None
    published: datetime | None = None


def rss(items: list[Item], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 document."""
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel><title>{escape(title)}</title>"
        "<link>http://127.0.0.1/</link><description>test</description>"
    ]
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(it.title)}</title>")
        if it.link:
            parts.append(f"<link>{escape(it.link)}</link>")
        if it.guid:
            parts.append(f"<guid isPermaLink='false'>{escape(it.guid)}</guid>")
        parts.append(f"<description>{escape(it.summary)}</description>")
        if it.published:
            parts.append(f"<pubDate>{format_datetime(it.published.astimezone(UTC), usegmt=True)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def minutes_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=n)


SEED_TITLE = "Now Amazon employees rebel: 'End police facial-recognition contracts, ICE support'"
SEED_SUMMARY = (
    "A group of Amazon employees have written a letter to CEO Jeff Bezos asking him to cancel sales of "
    "Amazon's Rekognition facial-recognition software to police, and to stop providing AWS services to "
    "Palantir, which helps Immigration and Customs Enforcement (ICE)."
)

E2E_RULES = """\
version: 1
settings:
  poll_interval: 10m
  lookback: 24h
  default_channel: "#ethics-alerts"
  allow_private_addresses: true
  retry_base: 1s
  retry_max: 2s
{extra_settings}
lists:
  big_tech: [Amazon, AWS, Microsoft, Google, Palantir]
feeds:
{feeds}
rules:
  - id: facial-recognition-police
    category: facial-recognition
    description: Facial recognition sold to or used by police
    query: '("facial recognition" OR Rekognition) AND (police OR "law enforcement")'
    severity: high
  - id: staff-letter
    category: worker-activism
    query: '(employee* OR staff OR workers) NEAR/10 (letter OR petition OR walkout OR protest*)'
    severity: medium
"""


def write_rules(path: Path, feed_urls: list[str], extra_settings: str = "") -> Path:
    feeds = "\n".join(f"  - url: {u}\n    name: Outlet {i}" for i, u in enumerate(feed_urls))
    text = E2E_RULES.replace("{feeds}", feeds) if feed_urls else E2E_RULES.replace("feeds:\n{feeds}", "feeds: []")
    text = text.replace("{extra_settings}", textwrap.indent(extra_settings.strip(), "  ") if extra_settings else "")
    path.write_text(text)
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "state").mkdir()
    yield tmp_path
