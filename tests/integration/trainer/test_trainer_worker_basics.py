"""The worker picks jobs up from the queue and always brings them to a final state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spikeglyph.modeldir import load_manifest
from spikeglyph.schemas import JobKind, JobState
from tests.integration.trainer.conftest import JobClient, TrainerStack
from tests.support.procs import wait_until

pytestmark = pytest.mark.integration


def test_a_job_without_a_model_to_work_on_fails_with_a_clear_error(
    stack: TrainerStack, client: JobClient
) -> None:
    stack.start_worker()
    job_id = client.submit(JobKind.evaluate, {"split": "test"})
    info = client.wait_finished(job_id, stack, timeout=60)
    assert info.state is JobState.failed
    assert info.error is not None and "no model version is active" in info.error
    assert not (stack.work_dir / job_id).exists()


def test_invalid_parameters_fail_the_job_and_name_the_field(
    stack: TrainerStack, client: JobClient
) -> None:
    stack.start_worker()
    job_id = client.submit(JobKind.train, {"epochs": 0})
    info = client.wait_finished(job_id, stack, timeout=60)
    assert info.state is JobState.failed
    assert info.error is not None and "epochs" in info.error


def test_a_job_cancelled_while_queued_ends_cancelled_without_running(
    stack: TrainerStack, client: JobClient
) -> None:
    job_id = client.submit(JobKind.train, {"arch": "fc", "max_samples": 300, "timesteps": 2})
    client.jobs.request_cancel(job_id)
    stack.start_worker()
    info = client.wait_finished(job_id, stack, timeout=60)
    assert info.state is JobState.cancelled
    assert client.registry.list() == []
    events = [event.state for _, event in client.jobs.events(job_id)]
    assert JobState.running not in events


def test_a_starting_worker_publishes_the_shipped_models_and_activates_the_default(
    stack: TrainerStack, client: JobClient
) -> None:
    """A fresh install lists every shipped model (STDP and R-STDP included), with the default
    active."""
    shipped = Path(__file__).resolve().parents[3] / "models"
    models = stack.root / "models"
    for name in ("mnist", "mnist-stdp", "mnist-rstdp", "fashion-mnist"):
        shutil.copytree(shipped / name, models / name)
    stack.start_worker()
    expected = {
        load_manifest(models / name).version
        for name in ("mnist", "mnist-stdp", "mnist-rstdp", "fashion-mnist")
    }
    wait_until(
        lambda: {m.version for m in client.registry.list()} == expected, 30, "shipped models"
    )
    assert client.registry.active_version() == load_manifest(models / "mnist").version
    # An evaluate job now finds the active version without naming one.
    job_id = client.submit(JobKind.evaluate, {"split": "test", "max_samples": 50})
    assert client.wait_finished(job_id, stack, timeout=90).state is JobState.succeeded
