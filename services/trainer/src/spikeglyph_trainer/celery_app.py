"""The trainer's Celery app and its configuration (nothing else lives here).

Pool: **prefork**, one child per job slot, recycled every ``max_tasks_per_child`` jobs.
The parent process never imports torch: tasks and the maintenance loop are torch-free, and the
training engine imports torch lazily inside the child that runs a job, after the fork, so CUDA
is never initialised before a fork (celery #3402). Prefork is the pool in which Celery enforces
soft and hard time limits and in which a crashed job (out of memory, segfault) costs one child,
not the worker; recycling children returns the memory torch holds on to (celery #6009). ``solo``
would block the worker's own event loop (no heartbeats, no remote control) for hours.

Reliability: late acknowledgement plus reject-on-worker-lost hands a job whose child died back
to the queue; prefetch 1 keeps queued jobs available to other workers; the Redis visibility
timeout (in :func:`spikeglyph.job_queue.celery_config`) stays above the hard time limit. A worker
killed outright is covered by the job leases (see :mod:`spikeglyph_trainer.lease`).

Connection loss: a job still running when the worker loses Redis is cancelled. Its message is
unacknowledged (late ack), so Redis hands it out again and an ack could no longer reach the
broker over the new connection anyway; letting the old run go on would mean two runs of one job
writing the same job directory. Jobs resume from their last checkpoint, so cancelling costs at
most the work since then. Setting it explicitly (Celery 6's default) also ends Celery's
deprecation warning on every reconnect.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from spikeglyph.job_queue import celery_config
from spikeglyph_trainer.maintenance import MaintenanceStep
from spikeglyph_trainer.settings import TrainerSettings


def trainer_config(settings: TrainerSettings) -> dict[str, Any]:
    """The shared job-queue settings plus what only the worker decides."""
    return {
        **celery_config(settings.redis_url),
        "task_default_queue": settings.queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_prefetch_multiplier": 1,
        "worker_pool": "prefork",
        "worker_concurrency": settings.concurrency,
        "worker_max_tasks_per_child": settings.max_tasks_per_child,
        "task_time_limit": settings.hard_time_limit_s,
        "task_soft_time_limit": min(settings.soft_time_limit_s, settings.hard_time_limit_s - 1),
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "worker_hijack_root_logger": False,
    }


class TrainerCelery(Celery):  # type: ignore[misc]  # Celery is untyped
    """A Celery app that carries the worker's settings, for its tasks and maintenance loop."""

    def __init__(self, settings: TrainerSettings) -> None:
        super().__init__("spikeglyph_trainer", include=["spikeglyph_trainer.tasks"])
        self.settings = settings
        self.conf.update(trainer_config(settings))
        self.steps["worker"].add(MaintenanceStep)


def create_app(settings: TrainerSettings) -> TrainerCelery:
    return TrainerCelery(settings)
