"""The uniform HTTP error body of every SpikeGlyph API.

Every error a SpikeGlyph service answers has the body ``{"error": {"code", "message",
"request_id"}}`` (:class:`spikeglyph.schemas.ErrorBody`) and the right status. Call
:func:`install_error_handlers` once on a FastAPI app and it maps:

* :class:`spikeglyph.errors.SpikeGlyphError` (domain code and decisions at the HTTP edge) to
  the ``status`` and ``code`` the class declares, with the headers the error carries;
  ``Retry-After`` is always set on 429 and 503;
* Starlette/FastAPI ``HTTPException`` (unknown routes, wrong methods) to the code
  :data:`spikeglyph.errors.FRAMEWORK_CODES` names for the status;
* ``RequestValidationError`` to 422 with :class:`~spikeglyph.errors.InvalidRequest`'s code and a
  short field-by-field message (the rejected input is never echoed back);
* anything else to 500 ``internal_error`` with a fixed message: the stack trace goes to the
  log, never to the client.

The request id is read from ``request.state.request_id`` (set by the service's request-id
middleware), else from the ``X-Request-ID`` header.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from spikeglyph.errors import FRAMEWORK_CODES, EdgeError, InvalidRequest, SpikeGlyphError
from spikeglyph.schemas import ErrorBody, ErrorDetail

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
INTERNAL_MESSAGE = "Internal server error; the request id identifies it in the service log."
DEFAULT_RETRY_AFTER_S = 1


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


def answer_for(exc: SpikeGlyphError, request: Request) -> JSONResponse:
    """The answer to one of SpikeGlyph's own errors: the status and code its class declares."""
    return error_response(
        exc.status, exc.code, exc.message, request_id=request_id_of(request), headers=exc.headers
    )


async def _spikeglyph_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SpikeGlyphError)
    if exc.status >= 500 and not isinstance(exc, EdgeError):
        log.error("%s: %s", exc.code, exc.message)
    return answer_for(exc, request)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = FRAMEWORK_CODES.get(status, "error")
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
    return answer_for(InvalidRequest(validation_message(exc.errors())), request)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return answer_for(SpikeGlyphError(INTERNAL_MESSAGE), request)


def install_error_handlers(app: FastAPI) -> None:
    """Register the uniform error handlers on ``app`` (see the module docstring)."""
    app.add_exception_handler(SpikeGlyphError, _spikeglyph_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
