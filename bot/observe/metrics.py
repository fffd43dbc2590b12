"""Prometheus metrics and the small HTTP endpoint that serves them (``/metrics``, ``/healthz``).

Owns prometheus-client. The daemon updates the counters as it works; the endpoint is off by
default for the CLI and on in the container (``BOT_METRICS_PORT`` or ``settings.metrics_port``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    """The bot's counters, in a registry of their own (so tests can make several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("ethics_bot_feed_checks", "Feed checks, by outcome", ["outcome"], registry=r)
        self.fetch_errors = Counter("ethics_bot_fetch_errors", "Failed feed checks, by kind", ["kind"], registry=r)
        self.stories_seen = Counter("ethics_bot_stories_seen", "New stories recorded", registry=r)
        self.matches = Counter("ethics_bot_rule_matches", "Rule matches on new stories, by rule", ["rule"], registry=r)
        self.alerts_sent = Counter("ethics_bot_alerts_sent", "Alerts Slack accepted", registry=r)
        self.alerts_failed = Counter("ethics_bot_alerts_failed", "Alerts failed for good", registry=r)
        self.delivery_errors = Counter(
            "ethics_bot_delivery_errors", "Transient delivery failures, by error", ["error"], registry=r
        )
        self.alerts_pending = Gauge("ethics_bot_alerts_pending", "Alerts waiting in the outbox", registry=r)
        self.latency = Histogram(
            "ethics_bot_delivery_latency_seconds",
            "From a story being queued to Slack accepting it",
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800),
            registry=r,
        )
        # replicas on one database (flow/replicas.py): who holds what, as the database says
        self.replica = Gauge("ethics_bot_replica_info", "This process's replica id (BOT_REPLICA_ID)", ["replica"],
                             registry=r)
        self.feed_leases = Gauge("ethics_bot_feed_leases", "Feeds leased now, by the replica holding them",
                                 ["replica"], registry=r)
        self.channel_claims = Gauge("ethics_bot_channel_claim", "1 for each channel and the replica delivering it",
                                    ["channel", "replica"], registry=r)
        self.alerts_resumed = Counter(
            "ethics_bot_alerts_resumed",
            "Alerts a dead replica left 'sending', posted again (Slack may have accepted them before it died)",
            registry=r,
        )
        self.last_poll = Gauge(
            "ethics_bot_last_successful_poll_timestamp_seconds", "When the last poll tick finished", registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsServer:
    """Serves ``/metrics`` and ``/healthz`` on a background thread."""

    def __init__(
        self, metrics: Metrics, port: int, healthy: Callable[[], tuple[bool, str]], host: str = "0.0.0.0"
    ) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/metrics":
                    self._answer(200, outer.metrics.render(), CONTENT_TYPE_LATEST)
                elif self.path == "/healthz":
                    ok, reason = outer.healthy()
                    self._answer(200 if ok else 503, (reason + "\n").encode(), "text/plain; charset=utf-8")
                else:
                    self._answer(404, b"not found\n", "text/plain")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.metrics = metrics
        self.healthy = healthy
        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="metrics", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
