"""The inference app factory: ``create_app(settings)`` builds one independent app.

Endpoints (service-internal; the gateway publishes them under ``/api/v1``):

==========================  ===========================================================
``POST /v1/predict``        one image: multipart ``file``, raw ``image/*`` body, or JSON
                            ``{"image": data URL | base64}`` → :class:`Prediction`
``POST /v1/predict/batch``  multipart ``files`` → ``{"results": [Prediction, ...]}``
``POST /v1/predict/whatif`` JSON image and knobs → :class:`~spikeglyph.whatif.WhatIfAnswer`
``GET /v1/model``           manifest of the served version
``GET /healthz``            liveness
``GET /readyz``             200 once a verified model is warm, else 503 ``not_ready``
``GET /metrics``            Prometheus (see :mod:`spikeglyph_inference.metrics`)
``GET /openapi.json``       OpenAPI document; ``/docs`` renders it
==========================  ===========================================================

With ``SPIKEGLYPH_INTERNAL_TOKEN`` set, every route but ``/healthz``, ``/readyz`` and
``/metrics`` answers 401 ``invalid_internal_token`` unless the call carries
``Authorization: Bearer <token>`` (:mod:`spikeglyph.server.internal_token`).

``?compact=true`` on the predict routes drops rasters, traces and the echoed input.
Errors use the uniform body of :mod:`spikeglyph.server.errors`: 400 empty/truncated/blank image,
413 too many bytes (checked while the body streams in) or pixels, 415 not an image or an
unsupported type, 422 wrong JSON, 503 + ``Retry-After`` when the queue is full or no model is
loaded, 504 when a request is not answered within ``request_timeout_s``.

The lifespan (:class:`~spikeglyph_inference.lifespan.ServiceParts`) owns every resource: the
model holder (registry's active version, else the shipped default), the registry watcher
threads, the preprocessing pool and the micro-batcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.types import Scope

import spikeglyph
from spikeglyph.runtime import ModelRunner
from spikeglyph.server.body_limit import BodySizeLimitMiddleware
from spikeglyph.server.errors import install_error_handlers
from spikeglyph.server.internal_token import InternalTokenMiddleware
from spikeglyph_inference.api import api_router
from spikeglyph_inference.lifespan import RegistryFactory, ServiceParts
from spikeglyph_inference.metrics import Metrics
from spikeglyph_inference.model_holder import Registry, RunnerFactory
from spikeglyph_inference.predictor import ImagePreparer, inline_preparer, standard_preparer
from spikeglyph_inference.request_context import RequestContextMiddleware
from spikeglyph_inference.request_images import base64_limit
from spikeglyph_inference.settings import Settings
from spikeglyph_inference.whatif import WhatIfRunners


def onnx_runner_factory(settings: Settings) -> RunnerFactory:
    """Build :class:`ModelRunner` objects with the service's device and thread settings."""
    variant = "int8" if settings.model_variant == "int8" else None

    def build(path: Path) -> ModelRunner:
        return ModelRunner(
            path,
            device=settings.device,
            variant=variant,
            intra_op_threads=settings.intra_op_threads,
        )

    return build


@contextmanager
def redis_registry(settings: Settings) -> Iterator[Registry | None]:
    """The Redis-backed model registry; its client is closed when the app stops."""
    from spikeglyph.stores import ModelRegistry
    from spikeglyph.stores.connection import connect

    client = connect(settings.redis_url)
    try:
        yield ModelRegistry.from_settings(client, settings)
    finally:
        client.close()


def create_app(
    settings: Settings,
    *,
    runner_factory: RunnerFactory | None = None,
    registry_factory: RegistryFactory = redis_registry,
    preparer: ImagePreparer | None = None,
) -> FastAPI:
    """A new inference app; nothing is loaded until its lifespan starts."""
    metrics = Metrics()
    limits = {"max_bytes": settings.max_upload_bytes, "max_pixels": settings.max_image_pixels}
    parts = ServiceParts(
        settings,
        metrics,
        build_runner=runner_factory or onnx_runner_factory(settings),
        registry_factory=registry_factory,
        prepare=preparer or standard_preparer(**limits),
        inline=None if preparer else inline_preparer(**limits),
    )
    app = FastAPI(
        title="SpikeGlyph inference",
        version=spikeglyph.__version__,
        summary="Spiking-network digit recognition on ONNX Runtime, micro-batched.",
        lifespan=parts.lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.whatif = WhatIfRunners(settings)  # loads nothing until a what-if request
    install_error_handlers(app)
    app.include_router(api_router)
    # The last added runs first: the request id exists before the size limit refuses a body.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_upload_bytes,
        max_bytes_for=_body_limit(settings),
    )
    if settings.internal_token is not None:
        # After the request id (so a refusal carries it), before the body is read.
        token = settings.internal_token.get_secret_value()
        app.add_middleware(InternalTokenMiddleware, token=token)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app


def _body_limit(settings: Settings) -> Callable[[Scope], int | None]:
    """Body limit by route and form: the image limit itself for a raw body, plus room for the
    multipart envelope or the base64 inflation of JSON; ``max_batch_files`` images a batch."""
    image = settings.max_upload_bytes
    envelope = 64 * 1024

    def limit(scope: Scope) -> int | None:
        path = str(scope.get("path", ""))
        if path.endswith("/predict/batch"):
            return image * settings.max_batch_files + envelope
        if not path.endswith("/predict"):
            # What-if is JSON only: the image in base64 and the knobs.
            return base64_limit(image) if path.endswith("/predict/whatif") else envelope
        kind = dict(scope.get("headers", [])).get(b"content-type", b"").lower()
        if kind.startswith(b"application/json"):
            return base64_limit(image)
        if kind.startswith(b"multipart/"):
            return image + envelope
        return image

    return limit
