"""Prometheus metrics for `GET /metrics`. One registry per app so tests can run several."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "interview_bot_slack_requests",
            "Requests from Slack by kind (command, block_actions, view_submission, event_callback …) and outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "interview_bot_ack_seconds",
            "Time from receiving a Slack request to sending its acknowledgement.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )

    def observe(self, kind: str, status: int, seconds: float) -> None:
        outcome = "ok" if status < 400 else ("rejected" if status < 500 else "error")
        self.requests.labels(kind=kind, outcome=outcome).inc()
        self.ack_seconds.labels(kind=kind).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
