"""Settings of the trainer worker, read once from ``SPIKEGLYPH_*`` variables at start-up."""

from __future__ import annotations

import socket
from pathlib import Path

from pydantic import Field

from spikeglyph.job_queue import HARD_TIME_LIMIT_S, QUEUE
from spikeglyph.settings import CoreSettings


class TrainerSettings(CoreSettings):
    """What ``spikeglyph-worker`` needs beyond the shared contract.

    ``work_dir`` holds one directory per job (keyed by job id) with its epoch checkpoints; a
    redelivered job finds its checkpoints there and resumes. It defaults to a ``jobs`` folder
    next to the artifact store so both live on the same volume. ``tensorboard_dir`` holds the
    TensorBoard event files of every training job (``<tensorboard_dir>/<job id>``), kept after
    the job; it defaults to a ``tensorboard`` folder next to the artifact store.
    """

    work_dir: Path | None = None
    tensorboard_dir: Path | None = None
    queue: str = QUEUE
    hostname: str = Field(default_factory=lambda: f"trainer@{socket.gethostname()}")
    concurrency: int = Field(default=1, ge=1, le=64)
    # A fresh child process every few jobs returns the memory torch keeps (celery #6009).
    max_tasks_per_child: int = Field(default=10, ge=1)
    hard_time_limit_s: float = Field(default=HARD_TIME_LIMIT_S, gt=0, le=HARD_TIME_LIMIT_S)
    soft_time_limit_s: float = Field(default=HARD_TIME_LIMIT_S - 300, gt=0)
    # Versions kept by retention after each publish (the active one and its parent always stay).
    retention_keep: int = Field(default=10, ge=1)
    # Enqueue a finetune after this many new feedback items (0 = never automatically).
    auto_finetune_after: int = Field(default=0, ge=0)
    # A running job holds a lease it renews every lease_ttl_s / 3; a job whose lease lapsed
    # belongs to a dead worker and is enqueued again by the maintenance loop.
    lease_ttl_s: float = Field(default=30.0, ge=1.0, le=3600.0)
    # A job whose worker died this many times is failed instead of being enqueued again.
    max_recoveries: int = Field(default=3, ge=0)
    maintenance_interval_s: float = Field(default=10.0, ge=0.2, le=3600.0)
    # Progress is written to Redis at most this often (the last update of an epoch always is).
    progress_interval_s: float = Field(default=0.5, ge=0.0, le=60.0)

    @property
    def jobs_dir(self) -> Path:
        return self.work_dir or self.artifacts_dir.parent / "jobs"

    def job_tensorboard_dir(self, job_id: str) -> Path:
        """Where one job's TensorBoard event files go (outlives its work directory)."""
        return (self.tensorboard_dir or self.artifacts_dir.parent / "tensorboard") / job_id

    def job_workdir(self, job_id: str) -> Path:
        """The working directory of one job (its id is a safe name: see the gateway)."""
        return self.jobs_dir / job_id
