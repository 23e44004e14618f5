"""The base class of the trainer's tasks: heavy objects built once per worker process.

Task instances are created in the worker's parent before it forks its pool; the services are
built lazily on first use, which happens in the child process that runs jobs, so every child
gets its own Redis connections and its own (lazily imported) torch.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from spikeglyph.schemas import JobKind, JobProgress
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry, connect
from spikeglyph_trainer.engine import TorchEngine
from spikeglyph_trainer.lifecycle import WorkerServices, execute_job
from spikeglyph_trainer.settings import TrainerSettings


def build_services(settings: TrainerSettings) -> WorkerServices:
    client = connect(settings.redis_url)
    return WorkerServices(
        settings=settings,
        redis=client,
        jobs=JobStore(client),
        registry=ModelRegistry.from_settings(client, settings),
        feedback=FeedbackStore(client),
        engine=TorchEngine(),
    )


class JobTask(Task):  # type: ignore[misc]  # Celery's Task is untyped
    """A job task; ``services`` lives as long as the worker process."""

    abstract = True
    _services: WorkerServices | None = None

    @property
    def services(self) -> WorkerServices:
        if self._services is None:
            settings: TrainerSettings | None = getattr(self.app, "settings", None)
            self._services = build_services(settings or TrainerSettings())
        return self._services

    def run_job(self, kind: JobKind, job_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
        def to_celery(progress: JobProgress) -> None:
            self.update_state(state="PROGRESS", meta=progress.model_dump(mode="json"))

        return execute_job(
            self.services, kind, job_id, params, task_name=self.name, celery_progress=to_celery
        )
