"""Per-request bookkeeping of a replica: request id in and out (from
:class:`spikeglyph.server.request_context.RequestContextBase`), one access-log line, request
metrics."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Scope

from spikeglyph.server.request_context import RequestContextBase
from spikeglyph_inference.metrics import Metrics

log = logging.getLogger("spikeglyph_inference.access")

UNMATCHED_ROUTE = "unmatched"


class RequestContextMiddleware(RequestContextBase):
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def record(self, scope: Scope, status: int, elapsed_s: float) -> None:
        route = _route_of(scope)
        self.metrics.requests.labels(route=route, status=str(status)).inc()
        self.metrics.request_duration.labels(route=route).observe(elapsed_s)
        log.info(
            "%s %s %d %.2fms",
            scope.get("method", ""),
            scope.get("path", ""),
            status,
            elapsed_s * 1000.0,
            extra={"status": status, "route": route, "duration_ms": round(elapsed_s * 1e3, 3)},
        )


def _route_of(scope: Scope) -> str:
    """The route template (``/v1/predict``), never the raw path: bounded label values."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE
