"""The pure-ASGI request bookkeeping both services share: request id in and out, extra
response headers, one call per finished request to record it (metrics, access log).

Pure ASGI rather than ``BaseHTTPMiddleware``: it adds microseconds, not a task per request, and
Server-Sent Event streams pass through unbuffered. The id comes from the caller's
``X-Request-ID`` when it is a sane token (the gateway forwards its own), else a new one; it is
stored in ``scope["state"]["request_id"]`` (``request.state.request_id``) for error bodies, in
:data:`spikeglyph.logs.request_id_var` for log records, and sent back in the response header.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spikeglyph.logs import incoming_request_id, request_id_var

Header = tuple[bytes, bytes]


class RequestContextBase:
    """Subclasses say which headers every answer gets and how a finished request is recorded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def response_headers(self, scope: Scope) -> Sequence[Header]:
        """Headers added to every answer (besides ``X-Request-ID``)."""
        return ()

    def record(self, scope: Scope, status: int, elapsed_s: float) -> None:
        """Called once per HTTP request when it is over (the status is 500 if none was sent)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope.get("headers", ()))
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        extra = self.response_headers(scope)

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", ()) if h[0] != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                headers.extend(extra)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)
