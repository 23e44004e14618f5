"""What every answer of the gateway needs: request id, security headers, an access log line
and the request metrics (on :class:`spikeglyph.server.request_context.RequestContextBase`)."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Scope

from spikeglyph.server.request_context import RequestContextBase
from spikeglyph_gateway.metrics import GatewayMetrics

access_log = logging.getLogger("spikeglyph_gateway.access")

# The frontend is self-contained (no CDN), so everything may come from 'self' only. Inline
# styles are allowed for the SVG/canvas widgets; blob:/data: images for drawn digits.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI at /docs loads its assets from a CDN: it gets a policy that allows exactly that.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def route_template(scope: Scope) -> str:
    """``/api/v1/jobs/{job_id}`` for ``/api/v1/jobs/5d0f…``: a metric label of bounded variety.

    Rebuilt from the matched path parameters, since how a router nests prefixes is its own
    business; requests that matched no route share one label.
    """
    if scope.get("route") is None:
        return "unmatched"
    values = {str(value): name for name, value in (scope.get("path_params") or {}).items()}
    segments = scope["path"].split("/")
    return "/".join(f"{{{values[s]}}}" if s in values else s for s in segments)


class RequestContextMiddleware(RequestContextBase):
    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def response_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        docs = scope["path"].startswith(("/docs", "/redoc"))
        csp = DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY
        return [*SECURITY_HEADERS, (b"content-security-policy", csp.encode())]

    def record(self, scope: Scope, status: int, elapsed_s: float) -> None:
        template = route_template(scope)
        method = scope["method"]
        self.metrics.requests.labels(template, method, str(status)).inc()
        self.metrics.latency.labels(template, method).observe(elapsed_s)
        access_log.info(
            "%s %s %s",
            method,
            scope["path"],
            status,
            extra={"status": status, "duration_ms": round(elapsed_s * 1000, 2), "route": template},
        )
