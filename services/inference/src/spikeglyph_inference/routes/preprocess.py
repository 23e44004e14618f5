"""``POST /v1/preprocess``: an image read exactly as ``/v1/predict`` reads it, and no more.

The gateway stores a correction as the 28×28 image the network would have seen
(:mod:`spikeglyph.stores.feedback`), in the layout of the dataset of the version that answered.
Decoding belongs here, where NumPy and Pillow are: the gateway sends the uploaded bytes and
stores the 784 bytes answered (uint8, row by row, ink light on dark). The body takes the forms
``/v1/predict`` takes, under the same limits; a refused image gets the same status and body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from spikeglyph.schemas import DatasetName, ErrorBody
from spikeglyph.stores import to_uint8_image
from spikeglyph_inference.deps import PredictorDep, SettingsDep
from spikeglyph_inference.request_images import single_image

router = APIRouter(prefix="/v1", tags=["predict"])

IMAGE_TYPE = "application/octet-stream"

_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "784 bytes: the preprocessed 28×28 image as uint8, row by row.",
        "content": {IMAGE_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
    **{code: {"model": ErrorBody} for code in (400, 413, 415, 422, 503)},
}


@router.post(
    "/preprocess",
    response_class=Response,
    responses=_ANSWER,
    summary="Preprocess one image as a prediction would (internal: the gateway's feedback)",
)
async def preprocess_image(
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    dataset: Annotated[DatasetName, Query(description="Whose 28×28 layout to produce.")],
) -> Response:
    data = await single_image(request, max_bytes=settings.max_upload_bytes)
    image = await predictor.prepare(data, dataset)
    return Response(to_uint8_image(image).tobytes(), media_type=IMAGE_TYPE)
