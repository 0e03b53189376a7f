"""Prometheus metrics, one registry per app (no module-level collectors), so several
apps in one process (tests) never collide.

With several workers (``guidance serve --workers N``) the server sets
``PROMETHEUS_MULTIPROC_DIR`` before the workers start: every worker then writes its figures
to memory-mapped files there and ``/metrics`` answers, from whichever worker, with the sum
over all of them (request counts and latencies), and the model version and demand period of
each live worker (a ``pid`` label), so a scrape shows whether the workers have converged.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    path = os.environ.get(MULTIPROC_ENV)
    return path if path and os.path.isdir(path) else None


class _FallbackCounter(logging.Handler):
    """Counts log records that carry a ``fallback_cause`` (scorer fallbacks)."""

    def __init__(self, counter: Any) -> None:
        super().__init__(logging.WARNING)
        self.counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        cause = getattr(record, "fallback_cause", None)
        if cause is not None:
            self.counter.labels(str(cause)).inc()


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess = multiprocess_dir() is not None
        self.registry = CollectorRegistry()
        info_mode = {"multiprocess_mode": "liveall"} if self.multiprocess else {}
        sum_mode = {"multiprocess_mode": "livesum"} if self.multiprocess else {}
        self.requests = Counter(
            "guidance_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "guidance_request_seconds",
            "Request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.shed = Counter(
            "guidance_requests_shed_total",
            "Requests refused with 503 (concurrency limit or timeout)",
            ["reason"],
            registry=self.registry,
        )
        self.model = Gauge(
            "guidance_model_info",
            "The model version served (value 1)",
            ["version"],
            registry=self.registry,
            **info_mode,
        )
        self.demand = Gauge(
            "guidance_demand_period_info",
            "The newest demand period used (value 1)",
            ["period"],
            registry=self.registry,
            **info_mode,
        )
        self.audit_pending = Gauge(
            "guidance_audit_pending",
            "Audit records handed over and not yet written",
            registry=self.registry,
            **sum_mode,
        )
        self.in_flight = Gauge(
            "guidance_requests_in_flight",
            "Requests being handled now (probes not counted)",
            registry=self.registry,
            **sum_mode,
        )
        self.model_loads = Gauge(
            "guidance_model_load_failures",
            "Failed model loads since start",
            registry=self.registry,
            **sum_mode,
        )
        self.audit_rejected = Counter(
            "guidance_audit_rejected",
            "Audit records the database refused (poison rows), "
            "set aside in audit_rejects instead of blocking the queue",
            registry=self.registry,
        )
        self._rejected_seen = 0
        self._rejected_lock = threading.Lock()
        self.auth_failures = Counter(
            "guidance_auth_failures_total",
            "Refused API keys: unknown_key (401), limited (429)",
            ["reason"],
            registry=self.registry,
        )
        self._labels: dict[str, str] = {}
        self.scorer_fallbacks = Counter(
            "guidance_scorer_fallbacks_total",
            "Recommenders that fell back from the fast scorer to the pipeline scorer, by cause",
            ["cause"],
            registry=self.registry,
        )
        # the core logs each fallback on ``guidance.recommend`` with its cause; count them
        handler = _FallbackCounter(self.scorer_fallbacks)
        logger = logging.getLogger("guidance.recommend")
        logger.addHandler(handler)
        weakref.finalize(self, logger.removeHandler, handler)

    def audit_rejects(self, total: int) -> None:
        """Bring ``guidance_audit_rejected_total`` up to the audit writer's ``rejected``
        count (called at each scrape; a counter only grows, so it is advanced by the
        difference)."""
        with self._rejected_lock:
            if total > self._rejected_seen:
                self.audit_rejected.inc(total - self._rejected_seen)
                self._rejected_seen = total

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def served(self, served: Any) -> None:
        """Listener for the holder: exactly one version/period label set at 1 (in
        multiprocess mode labels cannot be removed, so the previous one is set to 0)."""
        for gauge, name, value in (
            (self.model, "version", served.version),
            (self.demand, "period", served.demand_period),
        ):
            old = self._labels.get(name)
            if old is not None and old != value:
                if self.multiprocess:
                    gauge.labels(old).set(0)
                else:
                    gauge.remove(old)
            gauge.labels(value).set(1)
            self._labels[name] = value

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if not self.multiprocess:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        from prometheus_client.multiprocess import MultiProcessCollector

        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=multiprocess_dir())
        return generate_latest(merged), CONTENT_TYPE_LATEST

    def close(self) -> None:
        """At worker exit: its live gauges leave the sums (counters stay)."""
        if self.multiprocess:
            from prometheus_client.multiprocess import mark_process_dead

            mark_process_dead(os.getpid(), multiprocess_dir())
