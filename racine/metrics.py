"""Prometheus metrics, one registry per app (so tests and replicas don't share state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics", "job_outcomes"]


def job_outcomes(registry: CollectorRegistry) -> Counter:
    """Finished job runs by kind and state: the API's and each ``racine worker``'s."""
    return Counter(
        "racine_job_outcomes",
        "Finished job runs by kind and state",
        ["kind", "state"],
        registry=registry,
    )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "racine_graphql_requests",
            "GraphQL operations by name, type and outcome",
            ["operation", "type", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "racine_graphql_latency_seconds",
            "GraphQL operation latency",
            ["operation", "type"],
            registry=self.registry,
        )
        self.http = Counter(
            "racine_http_requests",
            "HTTP requests by route and status class",
            ["route", "status"],
            registry=self.registry,
        )
        self.active_subscriptions = Gauge(
            "racine_active_subscriptions", "Live GraphQL subscriptions", registry=self.registry
        )
        self.queue_depth = Gauge(
            "racine_job_queue_depth", "Job runs waiting (QUEUED)", registry=self.registry
        )
        self.job_outcomes = job_outcomes(self.registry)
        self.websocket_connections = Gauge(
            "racine_websocket_connections",
            "Open WebSocket connections",
            ["endpoint"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
