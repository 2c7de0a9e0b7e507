"""Prometheus metrics: requests and their latency by endpoint (the URL rule, never the URL).

Under gunicorn each worker is a process: ``service/gunicorn_conf.py`` sets
``PROMETHEUS_MULTIPROC_DIR`` before this module is imported, values then go to files in that
folder and ``/metrics`` adds up every worker's (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

METHODS: Final = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"})
UNMATCHED: Final = "unmatched"  # requests that matched no route (keeps the label set bounded)

REQUESTS: Final = Counter(
    "noms_cds_http_requests_total",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY: Final = Histogram(
    "noms_cds_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def observe(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    endpoint = endpoint or UNMATCHED
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint, method).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
