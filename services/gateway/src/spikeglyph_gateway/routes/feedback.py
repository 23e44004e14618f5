"""``POST /api/v1/feedback``: a user's correction, stored for the next fine-tuning job.

With ``confirmed=true`` it is a confirmation instead ("that's right"): ``label`` is the answer
the model gave and the person accepted. An R-STDP model learns from both as reward.

The correction belongs to the model version that made the prediction, and so does its dataset:
the page and the client send the ``model_version`` they were answered by, and the gateway looks
its dataset up in the registry (a version it does not know is refused with 422). Without a
version, the correction is for the model serving now (the active version, or what the replicas
serve before anything is activated). The image is preprocessed here, exactly as inference does
for that dataset, and stored as the 28×28 array the network would have seen, so fine-tuning
trains on what the user actually corrected.
"""

from __future__ import annotations

from typing import Annotated, cast, get_args

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from spikeglyph.errors import ModelNotFound, UnknownFeedbackVersion, WrongFeedbackDataset
from spikeglyph.preprocess import preprocess
from spikeglyph.schemas import DatasetName, FeedbackAccepted
from spikeglyph_gateway.deps import ResourcesDep, rate_limit
from spikeglyph_gateway.resources import Resources
from spikeglyph_gateway.responses import error_responses
from spikeglyph_gateway.routes.models import served_model

router = APIRouter(tags=["feedback"])


async def version_and_dataset(
    resources: Resources, model_version: str | None
) -> tuple[str, DatasetName]:
    """The version a correction is for, and that version's dataset."""
    if model_version is None:
        model_version = await resources.registry.active_version()
    if model_version is None:
        return await served_version_and_dataset(resources)
    try:
        manifest = await resources.registry.get(model_version)
    except ModelNotFound:
        # Before anything is published the replicas serve the shipped default.
        try:
            served = await served_version_and_dataset(resources)
        except ModelNotFound:
            served = None
        if served is None or served[0] != model_version:
            raise UnknownFeedbackVersion(
                f"model version {model_version!r} does not exist: send the model_version "
                "of the prediction you are correcting (GET /api/v1/models lists them)"
            ) from None
        return served
    return manifest.version, manifest.dataset


async def served_version_and_dataset(resources: Resources) -> tuple[str, DatasetName]:
    served = await served_model(resources)
    dataset = served.model_dump().get("dataset")
    if dataset not in get_args(DatasetName):
        raise ModelNotFound(f"the served model {served.version} names no known dataset")
    return served.version, cast(DatasetName, dataset)


@router.post(
    "/feedback",
    status_code=202,
    response_model=FeedbackAccepted,
    summary="Correct (or confirm) a prediction",
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
        str | None,
        Form(
            max_length=200,
            description="The version that answered (the prediction's model_version); its "
            "dataset decides how the image is read. Default: the version serving now.",
        ),
    ] = None,
    dataset: Annotated[
        DatasetName | None,
        Form(description="Optional check: refused (422) unless it is the version's dataset."),
    ] = None,
    confirmed: Annotated[
        bool,
        Form(
            description="True: the answer was right and `label` is that answer (a "
            "confirmation); false (default): a correction."
        ),
    ] = False,
) -> FeedbackAccepted:
    data = await file.read()
    version, version_dataset = await version_and_dataset(resources, model_version)
    if dataset is not None and dataset != version_dataset:
        raise WrongFeedbackDataset(
            f"model version {version} recognises {version_dataset}, not {dataset}"
        )
    settings = resources.settings
    image = await run_in_threadpool(
        preprocess,
        data,
        dataset=version_dataset,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
    )
    feedback_id = await resources.feedback.add(
        image,
        label,
        model_version=version,
        dataset=version_dataset,
        kind="confirmation" if confirmed else "correction",
    )
    return FeedbackAccepted(feedback_id=feedback_id)
