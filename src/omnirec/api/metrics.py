"""Prometheus metrics of one app (own registry, no globals): request rate and latency per route,
strategies and item sources of list answers (the fallback counts), store errors, worker processes.

With several worker processes (`omnirec serve --workers N`) each worker writes its values to files in a
directory shared by all of them (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR, set
by `serve` to a fresh directory before any worker starts), and a scrape answered by any worker sums
them: counters never go backwards between scrapes, whichever worker answers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess, values
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from omnirec.api.process_metrics import WorkerProcessCollector, live_worker_pids

LATENCY_BUCKETS = (0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Collectors of one app instance; `middleware` measures every routed request.

    `multiprocess_dir`: the directory every worker of one server writes its values to (see the module
    docstring); `close()` at the worker's shutdown marks it dead there. Without it, one in-process registry.
    """

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)  # what a scrape renders
        own: CollectorRegistry | None = self.registry  # where this worker's collectors register
        if multiprocess_dir:
            if values.ValueClass is values.MutexValue:
                raise RuntimeError(
                    "PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported "
                    "(omnirec serve sets it before starting workers)"
                )
            multiprocess.MultiProcessCollector(self.registry, path=multiprocess_dir)
            own = None  # the values go to files; the collector above reads every worker's
            self.registry.register(WorkerProcessCollector(lambda: live_worker_pids(multiprocess_dir)))
        else:
            self.registry.register(WorkerProcessCollector(lambda: [os.getpid()]))
        self.workers = Gauge(
            "omnirec_workers",
            "Server worker processes running (one series per pid)",
            multiprocess_mode="liveall",
            registry=own,
        )
        self.workers.set(1)
        self.requests = Counter(
            "omnirec_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=own
        )
        self.latency = Histogram(
            "omnirec_http_request_duration_seconds",
            "Time to answer, by route",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self.strategies = Counter(
            "omnirec_recommendation_strategy",
            "List answers by strategy",
            ["endpoint", "strategy"],
            registry=own,
        )
        self.sources = Counter(
            "omnirec_recommended_items", "Recommended items by source", ["endpoint", "source"], registry=own
        )
        self.store_errors = Counter(
            "omnirec_store_errors", "Feature-store calls that failed", ["operation"], registry=own
        )
        self.fallbacks = Counter(
            "omnirec_fallbacks",
            "Answers served from a fallback after a store failure",
            ["source"],
            registry=own,
        )

        self.impressions = Counter(
            "omnirec_impressions",
            "Answers logged as impressions (omnirec.measurement), by channel, experiment variant and kind",
            ["channel", "variant", "kind"],
            registry=own,
        )
        self.attributed = Counter(
            "omnirec_attributed_conversions",
            "Clicks, add-to-carts and purchases attributed to an impression, by the impression's channel and variant",
            ["channel", "variant", "event"],
            registry=own,
        )

    def observe_impression(self, channel: str | None, variant: str, kind: str) -> None:
        self.impressions.labels(channel or "", variant or "none", kind).inc()

    def observe_attributed(self, channel: str, variant: str, kind: str, share: float) -> None:
        self.attributed.labels(channel, variant or "none", kind).inc(share)

    def close(self) -> None:
        """At the worker's shutdown: drop its live series (the `omnirec_workers` gauge) from the shared directory."""
        if self.multiprocess_dir:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)

    def store_error(self, operation: str) -> None:
        self.store_errors.labels(operation).inc()

    def observe_list(self, endpoint: str, strategy: str, sources: Iterable[str], degraded: bool = False) -> None:
        """Count a list answer by strategy (the cold-start chain), its items by source, and store fallbacks."""
        self.strategies.labels(endpoint, strategy).inc()
        if degraded:
            self.fallbacks.labels(strategy).inc()
        counts: dict[str, int] = {}
        for source in sources:
            counts[source] = counts.get(source, 0) + 1
        for source, n in counts.items():
            self.sources.labels(endpoint, source).inc(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """ASGI middleware (runs after routing, so the route template labels the series)."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            start = time.perf_counter()
            status = 500

            async def send_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_status)
            finally:
                route = scope.get("path_template") or "unmatched"
                method = scope.get("method", "")
                self.latency.labels(route, method).observe(time.perf_counter() - start)
                self.requests.labels(route, method, str(status)).inc()

        return measured
