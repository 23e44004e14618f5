"""``POST /api/v1/predict`` and ``/predict/batch``: relayed to an inference replica.

The body is relayed byte for byte with its ``Content-Type``, so every form the inference
service reads (multipart, a raw ``image/*`` body, JSON with a data URL) works through the
gateway unchanged, and the replica's validation errors (400/413/415/422) come back as they are.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from spikeglyph.schemas import BatchPrediction, Prediction
from spikeglyph.server.timing import HEADER, joined, server_timing
from spikeglyph_gateway.deps import ResourcesDep, rate_limit
from spikeglyph_gateway.responses import error_responses
from spikeglyph_gateway.routes.examples import (
    BATCH_BODY_DOC,
    BATCH_RESPONSE_DOC,
    PREDICT_BODY_DOC,
    PREDICTION_RESPONSE_DOC,
)

router = APIRouter(tags=["predict"])

FORWARDED_HEADERS = ("content-type", "accept", "x-request-id")
RELAYED_HEADERS = ("content-type", "retry-after")
ERRORS = error_responses(400, 413, 415, 422, 429, 503)


async def read_body(request: Request) -> bytes:
    """The whole body, read as it streams (the body-limit middleware cuts it off at the cap).

    Buffered on purpose: a prediction that must be re-sent to another replica needs its bytes.
    """
    chunks = [chunk async for chunk in request.stream()]
    return b"".join(chunks)


def upstream_headers(request: Request) -> dict[str, str]:
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    headers["x-request-id"] = request.state.request_id
    return headers


def add_gateway_latency(prediction: dict[str, Any], elapsed_ms: float) -> None:
    """``latency_ms.gateway``: time at the gateway not spent inside the replica.

    ``total`` becomes the end-to-end time as the gateway saw it (inference total + gateway).
    """
    latency = prediction.get("latency_ms")
    if not isinstance(latency, dict):
        return
    inner = float(latency.get("total") or 0.0)
    gateway = max(0.0, elapsed_ms - inner)
    latency["gateway"] = round(gateway, 3)
    latency["total"] = round(inner + gateway, 3)


async def relay(request: Request, resources: ResourcesDep, path: str, compact: bool) -> Response:
    started = time.perf_counter()
    body = await read_body(request)
    read = time.perf_counter()
    upstream = await resources.replicas.send(
        "POST",
        path,
        content=body,
        headers=upstream_headers(request),
        params={"compact": "true"} if compact else {},
    )
    answered = time.perf_counter()
    headers = {k: upstream.headers[k] for k in RELAYED_HEADERS if k in upstream.headers}
    if upstream.status_code != 200:
        return Response(upstream.content, status_code=upstream.status_code, headers=headers)
    payload = orjson.loads(upstream.content)  # see the gateway's pyproject.toml: why orjson
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    predictions = payload.get("results", []) if "results" in payload else [payload]
    for prediction in predictions:
        add_gateway_latency(prediction, elapsed_ms)
    content = orjson.dumps(payload)
    own = {
        "gw-read": (read - started) * 1000,
        "gw-upstream": (answered - read) * 1000,
        "gw-json": (time.perf_counter() - answered) * 1000,
    }
    timing = joined(server_timing(own), upstream.headers.get("server-timing", ""))
    return Response(content, media_type="application/json", headers={HEADER: timing})


CompactQuery = Annotated[
    bool, Query(description="Leave out spike rasters and the 28×28 input (smaller, faster).")
]


@router.post(
    "/predict",
    response_model=Prediction,
    summary="Recognise one image",
    openapi_extra=PREDICT_BODY_DOC,
    responses={200: PREDICTION_RESPONSE_DOC, **ERRORS},
    dependencies=[Depends(rate_limit("predict"))],
)
async def predict(request: Request, resources: ResourcesDep, compact: CompactQuery = False) -> Any:
    """Multipart field ``file``, a raw ``image/*`` body, or JSON ``{"image": data URL}``."""
    return await relay(request, resources, "/v1/predict", compact)


@router.post(
    "/predict/batch",
    response_model=BatchPrediction,
    summary="Recognise several images",
    openapi_extra=BATCH_BODY_DOC,
    responses={200: BATCH_RESPONSE_DOC, **ERRORS},
    dependencies=[Depends(rate_limit("predict"))],
)
async def predict_batch(
    request: Request, resources: ResourcesDep, compact: CompactQuery = False
) -> Any:
    """Multipart field ``files``, repeated once per image; results keep the upload order."""
    return await relay(request, resources, "/v1/predict/batch", compact)
