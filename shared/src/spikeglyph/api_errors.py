"""The uniform HTTP error body of every SpikeGlyph API, and a streaming body-size limit.

Every error a SpikeGlyph service answers has the body ``{"error": {"code", "message",
"request_id"}}`` (:class:`spikeglyph.schemas.ErrorBody`) and the right status. Call
:func:`install_error_handlers` once on a FastAPI app and it maps:

* :class:`spikeglyph.errors.SpikeGlyphError` (domain code) through :data:`STATUS_BY_CODE`;
  a subclass whose code is not listed inherits its parent's status;
* :class:`ApiError` (decisions made at the HTTP edge: overload, timeout, not ready, body too
  large) with the status and headers it carries; ``Retry-After`` is always set on 429 and 503;
* Starlette/FastAPI ``HTTPException`` (unknown routes, wrong methods) to a code named for the
  status;
* ``RequestValidationError`` to 422 ``validation_error`` with a short field-by-field message
  (the rejected input is never echoed back);
* anything else to 500 ``internal_error`` with a fixed message: the stack trace goes to the
  log, never to the client.

The request id is read from ``request.state.request_id`` (set by the service's request-id
middleware), else from the ``X-Request-ID`` header.

:class:`BodySizeLimitMiddleware` refuses a body larger than a byte limit while it arrives:
at once from ``Content-Length`` when the client declares one, otherwise as soon as the
streamed chunks exceed the limit, so nothing over the limit is ever buffered or decoded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spikeglyph.errors import SpikeGlyphError
from spikeglyph.schemas import ErrorBody, ErrorDetail

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
INTERNAL_MESSAGE = "Internal server error; the request id identifies it in the service log."

STATUS_BY_CODE: dict[str, int] = {
    "internal_error": 500,
    "invalid_image": 400,
    "blank_image": 400,
    "unsupported_media_type": 415,
    "payload_too_large": 413,
    "dataset_error": 500,
    "unknown_dataset": 404,
    "corrupt_dataset": 500,
    "dataset_download_failed": 503,
    "model_error": 500,
    "model_not_found": 404,
    "invalid_model": 422,
    "checksum_mismatch": 422,
    "invalid_model_archive": 422,
    "invalid_version": 400,
    "version_conflict": 409,
    "registry_unavailable": 503,
    "job_not_found": 404,
    "job_cancelled": 409,
    "invalid_job_params": 422,
    "invalid_job_transition": 409,
    "invalid_feedback": 422,
    "device_unavailable": 503,
}
"""HTTP status of each :class:`~spikeglyph.errors.SpikeGlyphError` code."""

CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}
"""Error code used for a plain ``HTTPException`` of each status."""

DEFAULT_RETRY_AFTER_S = 1


class ApiError(Exception):
    """An error decided at the HTTP edge; it carries its status and extra headers."""

    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(max(1, int(retry_after_s)))


class PayloadTooLarge(ApiError):
    """The request body is larger than the service accepts."""

    status = 413
    code = "payload_too_large"


class InvalidRequest(ApiError):
    """The request is well-formed HTTP but not what the endpoint takes (wrong JSON, fields)."""

    status = 422
    code = "validation_error"


class ServiceOverloaded(ApiError):
    """A bounded queue is full: the client should retry after ``Retry-After`` seconds."""

    status = 503
    code = "overloaded"


class NotReady(ApiError):
    """The service is alive but cannot answer yet (no model loaded, dependency missing)."""

    status = 503
    code = "not_ready"


class RequestTimedOut(ApiError):
    """The request did not finish within the service's per-request time limit."""

    status = 504
    code = "timeout"


def status_for(exc: SpikeGlyphError) -> int:
    """Status of a domain error: its own code, else the nearest ancestor's, else 500."""
    for cls in type(exc).__mro__:
        code = getattr(cls, "code", None)
        if isinstance(code, str) and code in STATUS_BY_CODE:
            return STATUS_BY_CODE[code]
    return 500


def request_id_of(request: Request) -> str | None:
    rid = getattr(request.state, "request_id", None)
    if isinstance(rid, str):
        return rid
    return request.headers.get(REQUEST_ID_HEADER)


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The uniform error body with ``status``; ``Retry-After`` is added on 429 and 503."""
    out = dict(headers or {})
    if status in (429, 503):
        out.setdefault("Retry-After", str(DEFAULT_RETRY_AFTER_S))
    if request_id:
        out.setdefault(REQUEST_ID_HEADER, request_id)
    body = ErrorBody(error=ErrorDetail(code=code, message=message, request_id=request_id))
    return JSONResponse(body.model_dump(), status_code=status, headers=out)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SpikeGlyphError)
    status = status_for(exc)
    if status >= 500:
        log.error("%s: %s", exc.code, exc.message)
    return error_response(status, exc.code, exc.message, request_id=request_id_of(request))


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        exc.status, exc.code, exc.message, request_id=request_id_of(request), headers=exc.headers
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = CODE_BY_STATUS.get(status, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if status == 404 and message == "Not Found":
        message = f"No route {request.method} {request.url.path}"
    return error_response(
        status,
        code,
        message,
        request_id=request_id_of(request),
        headers=dict(exc.headers or {}),
    )


def validation_message(errors: Iterable[Mapping[str, Any]], limit: int = 3) -> str:
    """``"body.image: Field required; query.compact: ..."`` without echoing the input."""
    parts = []
    for err in list(errors)[:limit]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg")))
    return "; ".join(parts) or "request validation failed"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(
        422, "validation_error", validation_message(exc.errors()), request_id=request_id_of(request)
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_response(
        500, "internal_error", INTERNAL_MESSAGE, request_id=request_id_of(request)
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the uniform error handlers on ``app`` (see the module docstring)."""
    app.add_exception_handler(SpikeGlyphError, _domain_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


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
            await self._refuse(scope, send, too_large)
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
            await self._refuse(scope, send, too_large)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, message: str) -> None:
        request = Request(scope)
        response = error_response(
            413, "payload_too_large", message, request_id=request_id_of(request)
        )
        headers = dict(response.headers)
        headers["connection"] = "close"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
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
