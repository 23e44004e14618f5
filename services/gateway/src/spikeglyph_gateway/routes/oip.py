"""The Open Inference Protocol (KServe v2 REST): health, metadata and infer under ``/v2``.

Errors here use the protocol's body ``{"error": "<message>"}`` instead of the ``/api/v1``
one; a malformed tensor is 400 (never 422), other statuses are those of the ``/api/v1``
routes (404 unknown model or version, 413 too large, 429/503 with ``Retry-After``). Health
answers follow the protocol: 200 with an empty body for true, 400 for false.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from spikeglyph.errors import ModelNotFound, NoReplicaAvailable, SpikeGlyphError
from spikeglyph_gateway.deps import ResourcesDep, rate_limit
from spikeglyph_gateway.oip import metadata
from spikeglyph_gateway.oip.codec import HEADER_LENGTH
from spikeglyph_gateway.oip.forward import UpstreamRefused, infer
from spikeglyph_gateway.resources import Resources
from spikeglyph_gateway.routes.models import served_model

router = APIRouter(prefix="/v2", tags=["Open Inference Protocol"])

ModelName = Annotated[str, Path(description="Always `spikeglyph`.", examples=["spikeglyph"])]
Version = Annotated[
    str, Path(max_length=200, description="A published version id.", examples=["mnist-conv-1"])
]


def _json(example: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"example": example}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    status: _json(metadata.ERROR_EXAMPLE, text)
    for status, text in (
        (400, "Malformed request or tensor."),
        (404, "Unknown model or version."),
        (413, "Too many images, or an image over the size limit."),
        (503, "No replica is ready; see Retry-After."),
    )
}
HEALTH: dict[int | str, dict[str, Any]] = {
    200: {"description": "True (an empty body).", "content": {"text/plain": {"example": ""}}},
    400: {"description": "False (an empty body)."},
}
INFER_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "examples": {
                    "fp32": {"summary": "Preprocessed", "value": metadata.INFER_FP32_EXAMPLE},
                    "bytes": {"summary": "Encoded (base64)", "value": metadata.INFER_BYTES_EXAMPLE},
                }
            },
            "application/octet-stream": {
                # the binary tensor data extension: a JSON header of
                # Inference-Header-Content-Length bytes, then the tensors' bytes
                "schema": {"type": "string", "format": "binary"},
            },
        },
    }
}


def protocol_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    headers = dict(headers or {})
    if status in (429, 503):
        headers.setdefault("Retry-After", "1")  # as every 429 and 503 of this service
    # 422 is this service's status for a body that fails validation; the protocol says 400
    return JSONResponse(
        {"error": message}, status_code=400 if status == 422 else status, headers=headers
    )


async def guarded(work: Callable[[], Awaitable[Response]]) -> Response:
    try:
        return await work()
    except SpikeGlyphError as exc:
        return protocol_error(exc.status, exc.message, exc.headers)
    except UpstreamRefused as exc:
        return protocol_error(exc.status, exc.message, exc.headers)


def _check_model(model: str) -> None:
    if model != metadata.MODEL_NAME:
        raise ModelNotFound(f"unknown model {model!r}; this server has {metadata.MODEL_NAME!r}")


async def _versions(resources: Resources) -> list[str]:
    summaries = await resources.registry.summaries()
    versions = [summary.version for summary in summaries]
    if not any(summary.active for summary in summaries):
        with contextlib.suppress(ModelNotFound, NoReplicaAvailable):
            versions.insert(0, (await served_model(resources)).version)
    return list(dict.fromkeys(versions))


def _health(ok: bool) -> Response:
    return Response(status_code=200 if ok else 400, media_type="text/plain")


@router.get("", summary="Server metadata", responses={200: _json(metadata.SERVER_EXAMPLE)})
async def server_metadata() -> dict[str, Any]:
    return metadata.server_metadata()


@router.get("/health/live", summary="Server live", responses=HEALTH)
async def live() -> Response:
    return _health(True)


@router.get("/health/ready", summary="Server ready", responses=HEALTH)
async def ready(resources: ResourcesDep) -> Response:
    return _health(resources.replicas.any_ready())


@router.get("/models/{model}/ready", summary="Model ready", responses=HEALTH)
async def model_ready(resources: ResourcesDep, model: ModelName) -> Response:
    return _health(model == metadata.MODEL_NAME and resources.replicas.any_ready())


@router.get("/models/{model}/versions/{version}/ready", summary="Version ready", responses=HEALTH)
async def version_ready(resources: ResourcesDep, model: ModelName, version: Version) -> Response:
    async def work() -> Response:
        _check_model(model)
        return _health(version in await _versions(resources) and resources.replicas.any_ready())

    return await guarded(work)


@router.get(
    "/models/{model}",
    summary="Model metadata (every published version)",
    responses={200: _json(metadata.MODEL_EXAMPLE), **ERRORS},
)
async def model_metadata(resources: ResourcesDep, model: ModelName) -> Response:
    async def work() -> Response:
        _check_model(model)
        return JSONResponse(metadata.model_metadata(await _versions(resources)))

    return await guarded(work)


@router.get(
    "/models/{model}/versions/{version}",
    summary="Model version metadata",
    responses={200: _json(metadata.MODEL_EXAMPLE), **ERRORS},
)
async def version_metadata(resources: ResourcesDep, model: ModelName, version: Version) -> Response:
    async def work() -> Response:
        _check_model(model)
        if version not in await _versions(resources):
            raise ModelNotFound(f"unknown model version {version!r}")
        return JSONResponse(metadata.model_metadata([version]))

    return await guarded(work)


async def _infer(
    request: Request, resources: Resources, model: str, version: str | None
) -> Response:
    async def work() -> Response:
        _check_model(model)
        await rate_limit("predict")(request, resources)
        body, header_length = await infer(request, resources, version)
        if header_length is None:
            return Response(body, media_type="application/json")
        return Response(
            body,
            media_type="application/octet-stream",
            headers={HEADER_LENGTH: str(header_length)},
        )

    return await guarded(work)


INFER_DOC: dict[str, Any] = {
    "openapi_extra": INFER_BODY,
    "responses": {200: _json(metadata.INFER_RESPONSE_EXAMPLE), **ERRORS},
}


@router.post("/models/{model}/infer", summary="Infer with the served version", **INFER_DOC)
async def infer_active(request: Request, resources: ResourcesDep, model: ModelName) -> Response:
    """Input `image`: FP32 `[N,1,28,28]` preprocessed (ink 1 on 0, values 0–1) or BYTES `[N]`
    encoded images (base64 strings in JSON, raw bytes in binary form). Outputs `probabilities`
    FP32 `[N,10]`, `output_spikes` INT32 `[N,10]` (spikes per output neuron over all time
    steps), `layer_spikes` INT32 `[N,L]` (spikes per spiking layer, named in its
    `parameters.layers`). With the binary tensor data extension the body is a JSON header of
    `Inference-Header-Content-Length` bytes followed by the tensors' bytes."""
    return await _infer(request, resources, model, None)


@router.post(
    "/models/{model}/versions/{version}/infer", summary="Infer with one version", **INFER_DOC
)
async def infer_version(
    request: Request, resources: ResourcesDep, model: ModelName, version: Version
) -> Response:
    """As the unversioned route, answered by `version`: the served one, or another published
    version a replica loads on demand (a few are kept); 404 for a version nobody published."""
    return await _infer(request, resources, model, version)
