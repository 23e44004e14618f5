"""Submitting and cancelling jobs: the decisions behind the job routes.

A job is recorded (state ``queued``) before its task is sent, so it exists the moment its id is
returned, whatever the worker is doing. Tasks go out by name; no worker code is imported.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool

from spikeglyph.errors import ServiceUnavailable
from spikeglyph.job_queue import QUEUE, TASK_NAMES
from spikeglyph.schemas import JobInfo, JobKind, JobState
from spikeglyph_gateway.resources import Resources

log = logging.getLogger(__name__)


def _send_task(resources: Resources, job_id: str, kind: JobKind, params: dict[str, Any]) -> None:
    """Blocking broker I/O: always called in a thread."""
    resources.celery.send_task(
        TASK_NAMES[kind], kwargs={"job_id": job_id, "params": params}, task_id=job_id, queue=QUEUE
    )


async def submit(resources: Resources, kind: JobKind, params: dict[str, Any]) -> str:
    """Record and enqueue a job with already validated ``params``; return its id."""
    job_id = uuid.uuid4().hex
    await resources.jobs.create(job_id, kind, params)
    try:
        await run_in_threadpool(_send_task, resources, job_id, kind, params)
    except Exception as exc:
        log.error("could not enqueue job %s: %s", job_id, exc)
        await resources.jobs.update(
            job_id, state=JobState.failed, error="the job queue could not be reached"
        )
        raise ServiceUnavailable("the job queue cannot be reached", retry_after_s=5) from exc
    log.info("queued %s job %s", kind.value, job_id)
    return job_id


async def cancel(resources: Resources, job_id: str) -> tuple[JobInfo, bool]:
    """Cancel cooperatively; return the job and whether the cancel is still pending.

    A finished job is left as it is. A queued one is revoked and marked cancelled at once; if
    a worker picks it up meanwhile, the cancel flag (raised first) stops it at its first check.
    A running one only gets the flag: it stops cleanly at its next check (pending).
    """
    info = await resources.jobs.get(job_id)
    if info.state.finished:
        return info, False
    await resources.jobs.request_cancel(job_id)
    if info.state is JobState.queued:
        await run_in_threadpool(resources.celery.control.revoke, job_id)
        current = await resources.jobs.get(job_id)
        if current.state is JobState.queued:
            cancelled = await resources.jobs.update(
                job_id, state=JobState.cancelled, error="cancelled before it started"
            )
            return cancelled, False
        info = current
    return info, not info.state.finished
