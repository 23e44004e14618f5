"""One pure-ASGI middleware for what every answer needs: request id, security headers, an
access log line and the request metrics.

Pure ASGI rather than ``BaseHTTPMiddleware`` so it adds microseconds, not a task per request,
and so Server-Sent Event streams pass through unbuffered.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spikeglyph.logs import incoming_request_id, request_id_var
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


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope.get("headers", ()))
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        path: str = scope["path"]
        docs = path.startswith(("/docs", "/redoc"))
        csp = DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                headers.append((b"content-security-policy", csp.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            template = route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(template, method, str(status)).inc()
            self.metrics.latency.labels(template, method).observe(elapsed)
            access_log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "route": template,
                },
            )
            request_id_var.reset(token)
