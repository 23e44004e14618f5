"""Per-request bookkeeping: request id in and out, one access-log line, request metrics.

A pure ASGI middleware (no response buffering, negligible cost per request). The id comes from
the caller's ``X-Request-ID`` when it is a sane token (the gateway forwards its own), else a new
one; it is stored in ``request.state.request_id`` for error bodies, in a context variable for
log records, and sent back in the response header.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spikeglyph.logs import incoming_request_id, request_id_var
from spikeglyph_inference.metrics import Metrics

log = logging.getLogger("spikeglyph_inference.access")

UNMATCHED_ROUTE = "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming_request_id(scope.get("headers", ()))
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            self.metrics.requests.labels(route=route, status=str(status)).inc()
            self.metrics.request_duration.labels(route=route).observe(elapsed)
            log.info(
                "%s %s %d %.2fms",
                scope.get("method", ""),
                scope.get("path", ""),
                status,
                elapsed * 1000.0,
                extra={"status": status, "route": route, "duration_ms": round(elapsed * 1e3, 3)},
            )
            request_id_var.reset(token)


def _route_of(scope: Scope) -> str:
    """The route template (``/v1/predict``), never the raw path: bounded label values."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE
