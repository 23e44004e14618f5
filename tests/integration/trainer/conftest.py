"""A real ``spikeglyph-worker`` subprocess against a private redis-server, and a job client."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from spikeglyph.job_queue import QUEUE, TASK_NAMES, celery_config
from spikeglyph.schemas import JobInfo, JobKind, JobState
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry, connect
from tests.support.datasets import make_tiny_idx_dataset, test_data_dir
from tests.support.procs import ServiceProcess, wait_until

WORKER = Path(sys.executable).with_name("spikeglyph-worker")


@pytest.fixture(scope="session")
def trainer_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real datasets when present (SPIKEGLYPH_DATA_DIR), else a tiny synthetic MNIST."""
    real = test_data_dir()
    if real is not None:
        return real
    return make_tiny_idx_dataset(tmp_path_factory.mktemp("data"), n_train=600, n_test=200)


@dataclass
class TrainerStack:
    """Redis, the worker's directories and environment, and handles to start workers."""

    redis_url: str
    root: Path
    env: dict[str, str]
    workers: list[ServiceProcess] = field(default_factory=list)

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    @property
    def work_dir(self) -> Path:
        return self.root / "jobs"

    def start_worker(self, **env: str) -> ServiceProcess:
        name = f"w{len(self.workers)}"
        worker = ServiceProcess(
            [str(WORKER)],
            {**self.env, "SPIKEGLYPH_HOSTNAME": f"{name}@{uuid.uuid4().hex[:6]}", **env},
            self.root / f"{name}.log",
        ).start()
        self.workers.append(worker)
        wait_until(lambda: " ready." in worker.log(), 60, f"worker {name} to be ready")
        return worker

    def logs(self) -> str:
        return "\n".join(w.log()[-4000:] for w in self.workers)


@pytest.fixture()
def stack(redis_url: str, tmp_path: Path, trainer_data_dir: Path) -> Iterator[TrainerStack]:
    env = {
        "SPIKEGLYPH_REDIS_URL": redis_url,
        "SPIKEGLYPH_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
        "SPIKEGLYPH_DATA_DIR": str(trainer_data_dir),
        "SPIKEGLYPH_WORK_DIR": str(tmp_path / "jobs"),
        "SPIKEGLYPH_DEVICE": "cpu",
        # No shipped default model: these tests decide what the registry holds.
        "SPIKEGLYPH_MODELS_DIR": str(tmp_path / "models"),
        "SPIKEGLYPH_LOG_LEVEL": "INFO",
        # Short enough for a quick recovery, long enough for a starved CPU to renew it.
        "SPIKEGLYPH_LEASE_TTL_S": "5",
        "SPIKEGLYPH_MAINTENANCE_INTERVAL_S": "0.5",
        "SPIKEGLYPH_PROGRESS_INTERVAL_S": "0",
        "OMP_NUM_THREADS": "1",
    }
    stack = TrainerStack(redis_url, tmp_path, env)
    try:
        yield stack
    finally:
        for worker in stack.workers:
            worker.stop()


@dataclass
class JobClient:
    """What the gateway does: create the record, then enqueue by task name."""

    jobs: JobStore
    registry: ModelRegistry
    feedback: FeedbackStore
    celery: Celery

    def submit(self, kind: JobKind, params: dict[str, Any]) -> str:
        job_id = uuid.uuid4().hex
        self.jobs.create(job_id, kind, params)
        self.celery.send_task(
            TASK_NAMES[kind],
            kwargs={"job_id": job_id, "params": params},
            task_id=job_id,
            queue=QUEUE,
        )
        return job_id

    def wait(
        self, job_id: str, until: Callable[[JobInfo], bool], timeout: float, stack: TrainerStack
    ) -> JobInfo:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.jobs.get(job_id)
            if until(info):
                return info
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} stuck at {self.jobs.get(job_id)}\n{stack.logs()}")

    def wait_finished(self, job_id: str, stack: TrainerStack, timeout: float = 120) -> JobInfo:
        return self.wait(job_id, lambda info: info.state.finished, timeout, stack)


@pytest.fixture()
def client(stack: TrainerStack) -> Iterator[JobClient]:
    redis = connect(stack.redis_url)
    celery = Celery("trainer-tests")
    celery.conf.update(celery_config(stack.redis_url))
    yield JobClient(
        JobStore(redis), ModelRegistry(redis, stack.artifacts_dir), FeedbackStore(redis), celery
    )
    celery.close()
    redis.close()


def succeeded(info: JobInfo) -> bool:
    return info.state is JobState.succeeded
