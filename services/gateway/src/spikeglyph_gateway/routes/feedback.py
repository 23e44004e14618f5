"""``POST /api/v1/feedback``: a user's correction, stored for the next fine-tuning job.

The image is preprocessed here, exactly as inference does, and stored as the 28×28 array the
network would have seen, so fine-tuning trains on what the user actually corrected.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from spikeglyph.preprocess import preprocess
from spikeglyph.schemas import DatasetName, FeedbackAccepted
from spikeglyph_gateway.deps import ResourcesDep, rate_limit
from spikeglyph_gateway.resources import Resources
from spikeglyph_gateway.responses import error_responses

router = APIRouter(tags=["feedback"])


def store_feedback(
    resources: Resources,
    data: bytes,
    label: int,
    model_version: str | None,
    dataset: DatasetName | None,
) -> str:
    """Decode and preprocess (CPU work, so it runs in a thread), then append to the stream."""
    settings = resources.settings
    dataset = dataset or settings.default_dataset
    image = preprocess(
        data,
        dataset=dataset,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
    )
    return resources.feedback.add(image, label, model_version=model_version, dataset=dataset)


@router.post(
    "/feedback",
    status_code=202,
    response_model=FeedbackAccepted,
    summary="Correct a prediction",
    responses={
        202: {"content": {"application/json": {"example": {"feedback_id": "1764325200000-0"}}}},
        **error_responses(400, 413, 415, 422, 429, 503),
    },
    dependencies=[Depends(rate_limit("feedback"))],
)
async def feedback(
    resources: ResourcesDep,
    file: Annotated[UploadFile, File(description="The image that was misrecognised.")],
    label: Annotated[int, Form(ge=0, le=9, description="The correct class.", examples=[7])],
    model_version: Annotated[
        str | None, Form(max_length=200, description="The version that answered wrongly.")
    ] = None,
    dataset: Annotated[
        DatasetName | None, Form(description="Default: the service's default dataset.")
    ] = None,
) -> FeedbackAccepted:
    data = await file.read()
    feedback_id = await run_in_threadpool(
        store_feedback, resources, data, label, model_version, dataset
    )
    return FeedbackAccepted(feedback_id=feedback_id)
