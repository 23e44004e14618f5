"""``POST /v1/predict`` and ``POST /v1/predict/batch``."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from spikeglyph.schemas import BatchPrediction, ErrorBody, ImagePayload, Prediction
from spikeglyph.server.request_bodies import image_body, images_body
from spikeglyph.server.timing import HEADER, server_timing
from spikeglyph_inference.deps import PredictorDep, SettingsDep
from spikeglyph_inference.request_images import batch_images, single_image

router = APIRouter(prefix="/v1", tags=["predict"])

CompactQuery = Annotated[
    bool, Query(description="Leave out spike rasters, membrane traces and the 28×28 input.")
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Empty, truncated or blank image (`invalid_image`, `blank_image`).",
    },
    413: {
        "model": ErrorBody,
        "description": "Body over the byte limit, image over the pixel "
        "limit, or too many files (`payload_too_large`); checked before decoding.",
    },
    415: {
        "model": ErrorBody,
        "description": "Not an image, or an unsupported type or "
        "Content-Type (`unsupported_media_type`).",
    },
    422: {
        "model": ErrorBody,
        "description": "Wrong JSON or missing multipart field (`validation_error`).",
    },
    503: {
        "model": ErrorBody,
        "description": "Queue full (`overloaded`) or no model yet "
        "(`not_ready`); see `Retry-After`.",
    },
    504: {
        "model": ErrorBody,
        "description": "Not answered within the per-request timeout (`timeout`).",
    },
}
_SINGLE_BODY = image_body(ImagePayload.model_json_schema())
_BATCH_BODY = images_body()


@router.post(
    "/predict",
    response_model=Prediction,
    response_model_exclude_none=True,
    responses=_ERRORS,
    openapi_extra=_SINGLE_BODY,
    summary="Recognise one image",
)
async def predict(
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    compact: CompactQuery = False,
) -> Response:
    """Predict one image sent as multipart ``file``, a raw ``image/*`` body or JSON.

    Animated and multi-frame images (GIF, APNG, WebP, TIFF) are read from their first frame.
    """
    started = time.perf_counter()
    data = await single_image(request, max_bytes=settings.max_upload_bytes)
    parsed = time.perf_counter()
    prediction = await predictor.predict(data, compact=compact)
    answered = time.perf_counter()
    body = prediction.model_dump_json(exclude_none=True)
    done = time.perf_counter()
    latency = prediction.latency_ms
    timing = server_timing(
        {
            "parse": (parsed - started) * 1000,
            "preprocess": latency.preprocess,
            "queue": latency.queue,
            "compute": latency.compute,
            "serialise": (done - answered) * 1000,
            "app": (done - started) * 1000,
        }
    )
    return Response(
        body,
        media_type="application/json",
        headers={"X-Model-Version": prediction.model_version, HEADER: timing},
    )


@router.post(
    "/predict/batch",
    response_model=BatchPrediction,
    response_model_exclude_none=True,
    responses=_ERRORS,
    openapi_extra=_BATCH_BODY,
    summary="Recognise several images",
)
async def predict_batch(
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    compact: CompactQuery = False,
) -> Response:
    """Predict every multipart ``files`` image; results keep the order of the files.

    One refused image fails the whole request; the message names it (``files[i]``).
    """
    blobs = await batch_images(
        request, max_bytes=settings.max_upload_bytes, max_files=settings.max_batch_files
    )
    return _json(BatchPrediction(results=await predictor.predict_many(blobs, compact=compact)))


def _json(answer: BaseModel, headers: dict[str, str] | None = None) -> Response:
    """Serialise once: the answer is already a validated model (skips FastAPI's re-check)."""
    return Response(
        answer.model_dump_json(exclude_none=True), media_type="application/json", headers=headers
    )
