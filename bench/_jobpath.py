"""The trainer's job path, for benches that measure jobs as users run them.

A job submitted with ``POST /api/v1/jobs`` is recorded by the gateway and run by a worker
through :func:`spikeglyph_trainer.lifecycle.execute_job` with the worker's services: the real
:class:`~spikeglyph_trainer.engine.TorchEngine`, the ONNX evaluator, the model registry and the
feedback store on Redis. :func:`worker_services` builds exactly those (with the worker's own
``build_services``) against a private ``redis-server`` in a temporary directory, and
:func:`run_job` records and runs one job the way a worker's task does, minus Celery's transport.

Job parameters are built from the job's schema (:func:`submitted_params`), the way the gateway
validates and forwards them, so a bench that sets nothing runs the jobs' defaults.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack import RedisServer  # the tests' redis-server launcher (bench/ is on sys.path)

from spikeglyph.job_queue import TASK_NAMES
from spikeglyph.schema_base import Schema
from spikeglyph.schemas import JobKind, JobState
from spikeglyph_trainer.lifecycle import WorkerServices, execute_job
from spikeglyph_trainer.settings import TrainerSettings
from spikeglyph_trainer.task_base import build_services


class JobFailed(RuntimeError):
    """A bench's job did not succeed; the message is the job's recorded error."""


@dataclass(frozen=True)
class JobRun:
    """One job as the worker ran it: what was submitted, its result and its wall time."""

    job_id: str
    kind: JobKind
    params: dict[str, Any]
    result: dict[str, Any]
    seconds: float


def submitted_params(schema: type[Schema], **varied: Any) -> dict[str, Any]:
    """The parameters the gateway forwards for a submission that sets only ``varied``:
    validated by the job's schema and dumped whole, every other field at its default."""
    return schema.model_validate(varied).model_dump(mode="json")


@contextlib.contextmanager
def worker_services(data_dir: Path) -> Iterator[WorkerServices]:
    """A worker's services on a private, empty Redis and artifact store (removed afterwards).

    The device is the worker's default (``SPIKEGLYPH_DEVICE``, else ``auto``).
    """
    with tempfile.TemporaryDirectory(prefix="bench-jobpath-") as tmp:
        root = Path(tmp)
        redis = RedisServer(root / "redis").start()
        try:
            settings = TrainerSettings(
                redis_url=redis.url,
                artifacts_dir=root / "artifacts",
                data_dir=data_dir,
                work_dir=root / "jobs",
                models_dir=root / "models",  # no embedded fallback: the bench publishes one
            )
            services = build_services(settings)
            try:
                yield services
            finally:
                services.redis.close()
        finally:
            redis.stop()


def publish_active(services: WorkerServices, model_dir: Path) -> str:
    """Publish ``model_dir`` and make it the active version, as an operator would."""
    return str(services.registry.publish(model_dir, activate=True).version)


def run_job(services: WorkerServices, kind: JobKind, params: dict[str, Any]) -> JobRun:
    """Record a ``kind`` job and run it to the end as a worker would; raise if it failed."""
    job_id = uuid.uuid4().hex
    services.jobs.create(job_id, kind, params)
    started = time.monotonic()
    try:
        execute_job(services, kind, job_id, params, task_name=TASK_NAMES[kind])
    except Exception as exc:
        raise JobFailed(f"{kind.value} job failed: {services.jobs.get(job_id).error}") from exc
    seconds = time.monotonic() - started
    info = services.jobs.get(job_id)
    if info.state is not JobState.succeeded or info.result is None:
        raise JobFailed(f"{kind.value} job ended {info.state.value}: {info.error}")
    return JobRun(job_id, kind, params, info.result, seconds)
