"""Jobs: submit by Celery task name, list, read, cancel, and follow as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from spikeglyph.schemas import JobAccepted, JobInfo, JobSubmit
from spikeglyph_gateway import job_dispatch
from spikeglyph_gateway.deps import ApiKeyDep, ResourcesDep, rate_limit
from spikeglyph_gateway.responses import error_responses
from spikeglyph_gateway.routes.examples import JOB_EXAMPLE
from spikeglyph_gateway.sse import STREAM_ID, job_event_stream

router = APIRouter(prefix="/jobs", tags=["jobs"])

JobIdPath = Annotated[str, Path(description="A job id from POST /api/v1/jobs.", max_length=128)]
SUBMIT_EXAMPLES = {
    "train": {
        "summary": "Train a small MNIST model",
        "value": {
            "kind": "train",
            "params": {"dataset": "mnist", "epochs": 1, "max_samples": 5000},
        },
    },
    "finetune": {"summary": "Fine-tune on feedback", "value": {"kind": "finetune", "params": {}}},
    "evaluate": {
        "summary": "Evaluate the active model",
        "value": {"kind": "evaluate", "params": {"split": "test", "max_samples": 1000}},
    },
}
SSE_EXAMPLE = (
    'id: 1764325200000-0\nevent: progress\ndata: {"job_id": "5d0f...", "type": "progress", '
    '"state": "running", "progress": {"phase": "training", "epoch": 1}}\n\n'
)


@router.post(
    "",
    status_code=202,
    response_model=JobAccepted,
    summary="Submit a job",
    responses={
        202: {"content": {"application/json": {"example": {"job_id": JOB_EXAMPLE["job_id"]}}}},
        **error_responses(401, 403, 422, 429, 503),
    },
    dependencies=[ApiKeyDep, Depends(rate_limit("jobs"))],
)
async def submit_job(
    resources: ResourcesDep,
    response: Response,
    submission: Annotated[JobSubmit, Body(openapi_examples=SUBMIT_EXAMPLES)],
) -> JobAccepted:
    """``train`` accepts ``dataset``, ``epochs``, ``timesteps``, ``max_samples``, ``seed``…"""
    try:
        params = submission.typed_params().model_dump(mode="json")
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", "params", *error["loc"])} for error in exc.errors()]
        ) from None
    job_id = await job_dispatch.submit(resources, submission.kind, params)
    response.headers["Location"] = f"/api/v1/jobs/{job_id}"
    return JobAccepted(job_id=job_id)


@router.get(
    "",
    response_model=list[JobInfo],
    summary="List recent jobs (newest first)",
    responses={200: {"content": {"application/json": {"example": [JOB_EXAMPLE]}}}},
)
async def list_jobs(
    resources: ResourcesDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[JobInfo]:
    return await resources.jobs.list(limit)


@router.get(
    "/{job_id}",
    response_model=JobInfo,
    summary="One job",
    responses={
        200: {"content": {"application/json": {"example": JOB_EXAMPLE}}},
        **error_responses(404),
    },
)
async def get_job(resources: ResourcesDep, job_id: JobIdPath) -> JobInfo:
    return await resources.jobs.get(job_id)


@router.delete(
    "/{job_id}",
    response_model=JobInfo,
    summary="Cancel a job",
    responses={
        200: {
            "description": "Cancelled (it had not started) or already finished.",
            "content": {"application/json": {"example": {**JOB_EXAMPLE, "state": "cancelled"}}},
        },
        202: {
            "description": "Cancellation requested; the running job stops at its next check.",
            "model": JobInfo,
        },
        **error_responses(401, 403, 404, 429),
    },
    dependencies=[ApiKeyDep, Depends(rate_limit("control"))],
)
async def cancel_job(resources: ResourcesDep, response: Response, job_id: JobIdPath) -> JobInfo:
    """Cooperative: a running job sees its cancel flag and stops cleanly (202); a queued one
    is revoked and marked cancelled at once (200); a finished one is left as it is (200)."""
    info, pending = await job_dispatch.cancel(resources, job_id)
    if pending:
        response.status_code = 202
    return info


@router.get(
    "/{job_id}/events",
    summary="Follow a job as Server-Sent Events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "`progress`/`state` events, then one `final` event; heartbeats "
            "are comment lines. Resume with `Last-Event-ID`.",
            "content": {"text/event-stream": {"example": SSE_EXAMPLE}},
        },
        **error_responses(404, 422),
    },
)
async def job_events(
    resources: ResourcesDep,
    job_id: JobIdPath,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            pattern=STREAM_ID.pattern,
            description="Resume after this event id.",
        ),
    ] = None,
) -> StreamingResponse:
    await resources.jobs.get(job_id)  # 404 now, before the stream starts
    settings = resources.settings
    stream = job_event_stream(
        resources.jobs,
        job_id,
        last_id=last_event_id or "0",
        heartbeat_s=settings.sse_heartbeat_s,
        max_duration_s=settings.sse_max_duration_s,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
