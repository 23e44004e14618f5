"""The Celery tasks: thin wrappers that hand each delivery to :func:`execute_job`.

Names and arguments are the contract of :mod:`spikeglyph.job_queue`: the gateway sends
``TASK_NAMES[kind]`` with ``kwargs={"job_id": ..., "params": {...}}`` and task id = job id.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from spikeglyph.errors import RegistryUnavailable
from spikeglyph.job_queue import TASK_NAMES
from spikeglyph.schemas import JobKind
from spikeglyph_trainer.task_base import JobTask

# Redis unreachable before a job could start: try again later instead of dropping the job.
TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "base": JobTask,
    "autoretry_for": (RegistryUnavailable,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 10,
}


@shared_task(name=TASK_NAMES[JobKind.train], **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def train(self: JobTask, job_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Train a model from scratch and publish it."""
    return self.run_job(JobKind.train, job_id, params)


@shared_task(name=TASK_NAMES[JobKind.finetune], **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def finetune(self: JobTask, job_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Retrain from user feedback; promote only through the gate."""
    return self.run_job(JobKind.finetune, job_id, params)


@shared_task(name=TASK_NAMES[JobKind.neurogenesis], **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def neurogenesis(self: JobTask, job_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Prune and grow neurons, fine-tune, publish a candidate."""
    return self.run_job(JobKind.neurogenesis, job_id, params)


@shared_task(name=TASK_NAMES[JobKind.evaluate], **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def evaluate(self: JobTask, job_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Measure a version's accuracy on a dataset split."""
    return self.run_job(JobKind.evaluate, job_id, params)
