"""compose.yaml runs one container on SQLite by default, and replicas on PostgreSQL when .env says
so (COMPOSE_PROFILES=postgres, BOT_REPLICAS, BOT_DATABASE_URL), as docs/DEPLOYMENT.md tells."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.conftest import REPO


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    return doc


def test_one_container_by_default_and_a_replica_count() -> None:
    bot = compose()["services"]["bot"]
    assert bot["deploy"]["replicas"] == "${BOT_REPLICAS:-1}"
    # the bot starts without the postgres service (its profile off), and after it when it runs
    assert bot["depends_on"]["postgres"] == {"condition": "service_healthy", "required": False}


def test_the_postgres_service_runs_only_with_its_profile_and_keeps_its_data() -> None:
    doc = compose()
    pg = doc["services"]["postgres"]
    assert pg["profiles"] == ["postgres"]
    assert pg["image"].startswith("postgres:")
    assert "pgdata:/var/lib/postgresql/data" in pg["volumes"] and "pgdata" in doc["volumes"]
    assert "ports" not in pg, "the database is reached on the compose network only"
    assert pg["environment"]["POSTGRES_USER"] == "ethics" and pg["environment"]["POSTGRES_DB"] == "ethics"
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])


def test_env_example_says_how_to_run_replicas() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert {"COMPOSE_PROFILES", "POSTGRES_PASSWORD", "BOT_DATABASE_URL", "BOT_REPLICAS", "BOT_REPLICA_ID"} <= documented
    assert "postgresql://ethics:<POSTGRES_PASSWORD>@postgres/ethics" in text
