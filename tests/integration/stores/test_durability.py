"""What users keep after Redis restarts: feedback, job records and their events, the registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from spikeglyph.schemas import JobKind, JobProgress, JobState
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry
from tests.support.procs import RedisServer

pytestmark = pytest.mark.integration


def test_feedback_and_cursors_survive_a_redis_restart(
    feedback: FeedbackStore, redis_server: RedisServer
) -> None:
    image = np.linspace(0, 1, 784, dtype=np.float32).reshape(28, 28)
    first = feedback.add(image, 4, model_version="v1", dataset="mnist")
    feedback.set_cursor("finetune", first)
    second = feedback.add(image[::-1], 9, model_version="v1", dataset="mnist")

    redis_server.restart()

    assert feedback.count() == 2
    assert feedback.get_cursor("finetune") == first
    [(item, pixels)] = feedback.read(after=feedback.get_cursor("finetune"))
    assert (item.feedback_id, item.label) == (second, 9)
    np.testing.assert_array_equal(pixels, np.rint(image[::-1] * 255).astype(np.uint8))
    # New feedback after the restart sorts after the old.
    third = feedback.add(image, 1, model_version="v2", dataset="mnist")
    assert [i.feedback_id for i, _ in feedback.read()] == [first, second, third]


def test_job_records_and_event_history_survive_a_redis_restart(
    jobs: JobStore, redis_server: RedisServer
) -> None:
    jobs.create("job-a", JobKind.train, {"epochs": 2})
    jobs.update("job-a", state=JobState.running, progress=JobProgress(phase="training", epoch=1))
    jobs.request_cancel("job-a")

    redis_server.restart()

    assert jobs.get("job-a").progress.epoch == 1
    assert jobs.cancel_requested("job-a")
    jobs.update("job-a", state=JobState.cancelled)
    assert [e.type for _, e in jobs.events("job-a")] == ["state", "state", "final"]


def test_registry_state_survives_a_redis_restart(
    registry: ModelRegistry, redis_server: RedisServer, make_model: Callable[..., Path]
) -> None:
    registry.publish(make_model("v1"), idempotency_key="job-1", activate=True)
    registry.publish(make_model("v2", parent="v1"), activate=True)

    redis_server.restart()

    assert registry.active_version() == "v2"
    assert [m.version for m in registry.list()] == ["v2", "v1"]
    assert registry.publish(make_model("v1-again"), idempotency_key="job-1").version == "v1"
    assert registry.rollback().version == "v1"
