"""The fetcher's limits: how long, how much and how many (rules.yaml's settings set them)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.settings import DEFAULTS


@dataclass(frozen=True)
class FetchLimits:
    """How long, how much and how many: every limit the fetcher enforces."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # the longest gap between two bytes
    total_timeout: float = DEFAULTS.fetch_timeout  # the whole request, redirects and body included
    max_bytes: int = DEFAULTS.max_body_bytes  # decoded body cap, enforced while streaming
    max_redirects: int = 5
    allow_private: bool = DEFAULTS.allow_private_addresses
    concurrency: int = DEFAULTS.concurrency  # requests in flight overall
    per_host: int = DEFAULTS.per_host  # requests in flight per host (the host of the URL asked for)
