"""``POST /api/v1/feedback``: a user's correction, stored for the next fine-tuning job.

With ``confirmed=true`` it is a confirmation instead ("that's right"): ``label`` is the answer
the model gave and the person accepted. An R-STDP model learns from both as reward.

The correction belongs to the model version that made the prediction, and so does its dataset:
the page and the client send the ``model_version`` they were answered by, and the gateway looks
its dataset up in the registry (a version it does not know is refused with 422). Without a
version, the correction is for the model serving now (the active version, or what the replicas
serve before anything is activated). An inference replica preprocesses the image, exactly as a
prediction for that dataset is (``POST /v1/preprocess``: the gateway decodes no images), and the
gateway stores the 28×28 image it answers, the one the network would have seen, so fine-tuning
trains on what the user actually corrected. A refused image gets the replica's answer (400, 413,
415); with no replica up, feedback is 503 like a prediction.
"""

from __future__ import annotations

from typing import Annotated, cast, get_args

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from spikeglyph.errors import (
    ModelNotFound,
    UnknownFeedbackVersion,
    WrongFeedbackDataset,
)
from spikeglyph.schemas import DatasetName, FeedbackAccepted
from spikeglyph_gateway.deps import ResourcesDep, rate_limit
from spikeglyph_gateway.relay import relayed
from spikeglyph_gateway.resources import Resources
from spikeglyph_gateway.responses import error_responses
from spikeglyph_gateway.routes.models import served_model
from spikeglyph_gateway.upstream import Upstream

router = APIRouter(tags=["feedback"])

PREPROCESS_PATH = "/v1/preprocess"  # the replica's route: decode + preprocess, as for predict


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
    request: Request,
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
) -> FeedbackAccepted | Response:
    # one byte over the limit is enough for the replica to refuse it (413)
    data = await file.read(resources.settings.max_upload_bytes + 1)
    version, version_dataset = await version_and_dataset(resources, model_version)
    if dataset is not None and dataset != version_dataset:
        raise WrongFeedbackDataset(
            f"model version {version} recognises {version_dataset}, not {dataset}"
        )
    upstream = await preprocessed(request, resources, data, version_dataset)
    if upstream.status_code != 200:
        return relayed(upstream)
    feedback_id = await resources.feedback.add(
        upstream.content,
        label,
        model_version=version,
        dataset=version_dataset,
        kind="confirmation" if confirmed else "correction",
    )
    return FeedbackAccepted(feedback_id=feedback_id)


async def preprocessed(
    request: Request, resources: Resources, data: bytes, dataset: DatasetName
) -> Upstream:
    """A replica's answer to preprocessing ``data`` for ``dataset``: the 784 bytes, or why not."""
    return await resources.replicas.send(
        "POST",
        PREPROCESS_PATH,
        content=data,
        headers={
            "content-type": "application/octet-stream",
            "x-request-id": request.state.request_id,
        },
        params={"dataset": dataset},
    )
