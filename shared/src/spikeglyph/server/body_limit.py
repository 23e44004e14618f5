"""A streaming request-body size limit for both services' ASGI apps.

FastAPI has no upload size limit of its own, and a limit checked after the body is read comes
too late: the bytes are already in memory. :class:`BodySizeLimitMiddleware` refuses a body
larger than a byte limit while it arrives: at once from ``Content-Length`` when the client
declares one, otherwise as soon as the streamed chunks exceed the limit, so nothing over the
limit is ever buffered or decoded.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spikeglyph.errors import PayloadTooLarge
from spikeglyph.server.errors import answer_for


class BodySizeLimitMiddleware:
    """Pure ASGI middleware answering 413 once a request body exceeds ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before the body is read. A body
    that streams past the limit makes the next ``receive()`` raise :class:`PayloadTooLarge`;
    whatever the app then tries to answer (some parsers turn exceptions into a 400) is
    replaced by the 413, so the client always learns the real reason. ``max_bytes_for(scope)``
    may give a different limit per request, e.g. by path and content type (``None``: the
    default).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        max_bytes_for: Callable[[Scope], int | None] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_bytes_for = max_bytes_for

    def _limit(self, scope: Scope) -> int:
        if self.max_bytes_for is not None:
            limit = self.max_bytes_for(scope)
            if limit is not None:
                return int(limit)
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        too_large = f"request body larger than {limit} bytes"
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, too_large)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise PayloadTooLarge(too_large)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the 413 below replaces whatever the app answers
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except PayloadTooLarge:
            if not exceeded:
                raise
        if exceeded and not started:
            await _refuse(scope, send, too_large)


async def _refuse(scope: Scope, send: Send, message: str) -> None:
    """Send the uniform 413 answer and ask the client to close the connection (the rest of
    its body is never read)."""
    response = answer_for(PayloadTooLarge(message), Request(scope))
    headers = dict(response.headers)
    headers["connection"] = "close"
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": response.body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
