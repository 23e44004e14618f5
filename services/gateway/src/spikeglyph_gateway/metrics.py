"""Prometheus metrics of one gateway app, in the app's own registry (no process globals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0)


@dataclass
class GatewayMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "spikeglyph_gateway_requests_total",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "spikeglyph_gateway_request_seconds",
            "Time from request start to the last byte of the answer.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.upstream_retries = Counter(
            "spikeglyph_gateway_upstream_retries_total",
            "Predictions re-sent to another replica after one failed.",
            ["replica"],
            registry=self.registry,
        )
        self.replicas_ready = Gauge(
            "spikeglyph_gateway_replicas_ready",
            "Inference replicas whose last readiness probe passed.",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "spikeglyph_gateway_rate_limited_total",
            "Requests refused with 429, by route class.",
            ["route_class"],
            registry=self.registry,
        )
