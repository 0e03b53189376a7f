"""Prometheus metrics, one registry per app (no module-level collectors), so several
apps in one process (tests) never collide. Each worker exposes its own figures."""

from __future__ import annotations

from typing import Any


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("guidance_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("guidance_request_seconds", "Request latency",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                          10))
        self.shed = Counter("guidance_requests_shed_total",
                            "Requests refused with 503 (concurrency limit or timeout)",
                            ["reason"], registry=self.registry)
        self.model = Gauge("guidance_model_info", "The model version served (value 1)",
                           ["version"], registry=self.registry)
        self.demand = Gauge("guidance_demand_period_info",
                            "The newest demand period used (value 1)", ["period"],
                            registry=self.registry)
        self.model_loads = Gauge("guidance_model_load_failures",
                                 "Failed model loads since start", registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def served(self, served: Any) -> None:
        """Listener for the holder: exactly one version/period label set at 1."""
        self.model.clear()
        self.model.labels(served.version).set(1)
        self.demand.clear()
        self.demand.labels(served.demand_period).set(1)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
