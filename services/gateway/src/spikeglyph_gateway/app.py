"""``create_app(settings)``: the gateway as a FastAPI app, with nothing global."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import Scope

import spikeglyph
from spikeglyph.schemas import JOB_PARAMS, ImagePayload
from spikeglyph.server.body_limit import BodySizeLimitMiddleware
from spikeglyph.server.errors import install_error_handlers
from spikeglyph.server.heap import settle_heap
from spikeglyph_gateway.api import api_router
from spikeglyph_gateway.config import GatewaySettings
from spikeglyph_gateway.frontend import mount_frontend
from spikeglyph_gateway.metrics import GatewayMetrics
from spikeglyph_gateway.middleware import RequestContextMiddleware
from spikeglyph_gateway.openapi import install_openapi
from spikeglyph_gateway.resources import open_resources
from spikeglyph_gateway.routes import oip, ops

DESCRIPTION = """\
The public API of SpikeGlyph, a spiking-neural-network digit recogniser.

Predictions are open; routes that change state (jobs, model activation) need an `X-API-Key`.
Every error has the body `{"error": {"code", "message", "request_id"}}`.
"""


def create_app(settings: GatewaySettings) -> FastAPI:
    metrics = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(settings, metrics) as resources:
            app.state.resources = resources
            settle_heap()
            yield

    app = FastAPI(
        title="SpikeGlyph",
        version=spikeglyph.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(ops.router)
    app.include_router(api_router)
    app.include_router(oip.router)
    mount_frontend(app, settings.frontend_dir)
    # The predict routes read their body themselves; their documented JSON form refers to it.
    # A job's params are validated by kind, so each kind's schema (with the training recipe's
    # defaults) is listed too.
    job_params = {model.__name__: model.model_json_schema() for model in JOB_PARAMS.values()}
    install_openapi(app, {"ImagePayload": ImagePayload.model_json_schema(), **job_params})
    # Added innermost first: the request context wraps everything, so even a 413 or a CORS
    # refusal carries the request id and the security headers.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_upload_bytes,
        max_bytes_for=model_upload_limit(settings.max_model_upload_bytes),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key", "X-Request-ID", "Last-Event-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app


def model_upload_limit(max_bytes: int) -> Callable[[Scope], int | None]:
    """A model archive (``POST /api/v1/models``) may be larger than an image upload."""

    def limit(scope: Scope) -> int | None:
        if scope.get("method") == "POST" and scope.get("path") == "/api/v1/models":
            return max_bytes
        return None

    return limit
