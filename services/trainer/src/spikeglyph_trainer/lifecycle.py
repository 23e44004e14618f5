"""The life of one job inside a worker: from delivery to a final state, whatever happens.

``execute_job`` is what every Celery task calls. It

* steps aside for a delivery of a job that is already finished or that a live worker runs
  (the job lease, see :mod:`spikeglyph_trainer.lease`);
* ends a job cancelled while it was queued without running it;
* records ``running``, then progress, then exactly one of ``succeeded`` (with ``result``),
  ``failed`` (with a clear ``error``) or ``cancelled``;
* removes the job's work directory before it records the final state, so a client that sees
  ``cancelled`` or ``failed`` finds no partial artifact. The directory survives only a worker
  crash: it holds the checkpoints the redelivered job resumes from.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from pydantic import ValidationError

from spikeglyph.errors import (
    InvalidJobParams,
    InvalidJobTransition,
    JobCancelled,
    JobNotFound,
    SpikeGlyphError,
)
from spikeglyph.schemas import JobKind, JobProgress, JobState
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry, redis_guard
from spikeglyph_trainer import lease
from spikeglyph_trainer.engine import TrainingEngine
from spikeglyph_trainer.evaluator import Evaluator, OnnxEvaluator
from spikeglyph_trainer.jobs.context import JobContext
from spikeglyph_trainer.jobs.handlers import JOB_HANDLERS
from spikeglyph_trainer.progress import ProgressReporter, Sink, StopCheck
from spikeglyph_trainer.settings import TrainerSettings

log = logging.getLogger(__name__)


class JobAborted(Exception):
    """The job ended without succeeding; its state and error are already recorded."""


@dataclass
class WorkerServices:
    """The heavy objects of one worker process, built once and shared by its jobs."""

    settings: TrainerSettings
    redis: redis.Redis
    jobs: JobStore
    registry: ModelRegistry
    feedback: FeedbackStore
    engine: TrainingEngine
    evaluator: Evaluator = field(default_factory=OnnxEvaluator)


class _Superseded(Exception):
    """Our lease lapsed and another worker took the job over: stop quietly."""


def execute_job(
    services: WorkerServices,
    kind: JobKind,
    job_id: str,
    raw_params: dict[str, Any],
    *,
    task_name: str,
    celery_progress: Sink | None = None,
) -> dict[str, Any] | None:
    """Run one delivery of a job; return its result, or None when this delivery stepped aside.

    Raises :class:`JobAborted` after recording ``failed``, so Celery marks the task failed too,
    and :class:`~spikeglyph.errors.RegistryUnavailable` when Redis is unreachable before the
    job started (the task decorators retry those).
    """
    try:
        # Validates the id too: only plain names, safe as a directory name.
        info = services.jobs.get(job_id)
    except JobNotFound:
        log.error(
            "no record of job %r (expired, or not created by the gateway); dropping it", job_id
        )
        return None
    if info.state.finished:
        log.info("job %s is already %s; ignoring this delivery", job_id, info.state.value)
        return info.result
    settings = services.settings
    job_lease = lease.JobLease(services.redis, job_id, settings.lease_ttl_s)
    with redis_guard("take a job's lease"):
        acquired = job_lease.acquire(wait_s=settings.lease_ttl_s * 1.5)
    if not acquired:
        log.warning("job %s is running on another worker; ignoring this delivery", job_id)
        return None
    try:
        return _run_leased(
            services, kind, job_id, raw_params, job_lease, task_name, celery_progress
        )
    finally:
        job_lease.release()


def _run_leased(
    services: WorkerServices,
    kind: JobKind,
    job_id: str,
    raw_params: dict[str, Any],
    job_lease: lease.JobLease,
    task_name: str,
    celery_progress: Sink | None,
) -> dict[str, Any] | None:
    jobs, settings = services.jobs, services.settings
    info = jobs.get(job_id)  # again: it may have finished while we waited for the lease
    if info.state.finished:
        return info.result
    workdir = settings.job_workdir(job_id)
    if jobs.cancel_requested(job_id):
        _finish_cancelled(services, job_id, workdir, "cancelled before it started")
        return None
    lease.mark_inflight(services.redis, job_id, task_name, {"job_id": job_id, "params": raw_params})
    try:
        return _run_body(services, kind, job_id, raw_params, job_lease, celery_progress)
    except _Superseded:
        log.warning("job %s was taken over by another worker; stopping here", job_id)
        return None
    except JobCancelled:
        _finish_cancelled(services, job_id, workdir, "cancelled")
        return None
    except (SystemExit, KeyboardInterrupt):
        # The worker process is being shut down, the job did nothing wrong: keep its
        # checkpoints and its in-flight entry; once the lease is released (below) the
        # maintenance loop of a live worker enqueues it again and it resumes.
        log.warning("worker shutting down during job %s; it will resume elsewhere", job_id)
        raise
    except Exception as exc:
        error = _describe(exc)
        log.exception("job %s failed: %s", job_id, error)
        _remove_workdir(workdir)
        lease.clear_inflight(services.redis, job_id)
        with contextlib.suppress(InvalidJobTransition):  # finished meanwhile (cancelled)
            jobs.update(job_id, state=JobState.failed, error=error)
        raise JobAborted(error) from exc


def _run_body(
    services: WorkerServices,
    kind: JobKind,
    job_id: str,
    raw_params: dict[str, Any],
    job_lease: lease.JobLease,
    celery_progress: Sink | None,
) -> dict[str, Any]:
    jobs, settings = services.jobs, services.settings
    schema, handler = JOB_HANDLERS[kind]
    try:
        params = schema.model_validate(raw_params)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "params"
        raise InvalidJobParams(f"invalid {kind.value} parameters: {where}: {first['msg']}") from exc
    workdir = settings.job_workdir(job_id)
    workdir.mkdir(parents=True, exist_ok=True)
    resumed = (workdir / "checkpoints").is_dir()
    jobs.update(
        job_id,
        state=JobState.running,
        progress=JobProgress(phase="starting", message="resuming" if resumed else None),
    )

    def to_store(progress: JobProgress) -> None:
        # A record finished from outside (an operator cancelled it) is left as it is.
        with contextlib.suppress(InvalidJobTransition):
            jobs.update(job_id, progress=progress)

    sinks: list[Sink] = [to_store] + ([celery_progress] if celery_progress else [])
    reporter = ProgressReporter(sinks, interval_s=settings.progress_interval_s)

    def cancelled() -> bool:
        return jobs.cancel_requested(job_id) or jobs.get(job_id).state.finished

    def superseded() -> bool:
        if job_lease.lost:
            raise _Superseded
        return False

    should_stop = StopCheck([superseded, cancelled], interval_s=min(0.25, settings.lease_ttl_s))
    ctx = JobContext(
        job_id=job_id,
        settings=settings,
        engine=services.engine,
        evaluator=services.evaluator,
        registry=services.registry,
        feedback=services.feedback,
        workdir=workdir,
        reporter=reporter,
        should_stop=should_stop,
    )
    result = handler(ctx, params)
    final = (reporter.last or JobProgress()).model_copy(update={"phase": "done", "eta_s": 0.0})
    _remove_workdir(workdir)
    lease.clear_inflight(services.redis, job_id)
    jobs.update(job_id, state=JobState.succeeded, progress=final, result=result)
    log.info("job %s (%s) succeeded: %s", job_id, kind.value, result.get("version", ""))
    return result


def _finish_cancelled(services: WorkerServices, job_id: str, workdir: Path, message: str) -> None:
    _remove_workdir(workdir)
    lease.clear_inflight(services.redis, job_id)
    with contextlib.suppress(InvalidJobTransition):  # already finished from outside
        services.jobs.update(
            job_id,
            state=JobState.cancelled,
            progress=JobProgress(phase="cancelled", message=message),
        )
    log.info("job %s %s", job_id, message)


def _remove_workdir(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)


def _describe(exc: Exception) -> str:
    """A message for the job's ``error`` field: the domain message, never a stack trace."""
    if isinstance(exc, SpikeGlyphError):
        return f"{exc.code}: {exc.message}"
    name = type(exc).__name__
    if name == "SoftTimeLimitExceeded":
        return "time_limit: the job ran past its time limit and was stopped"
    return f"internal_error: {name}: {exc}" if str(exc) else f"internal_error: {name}"
