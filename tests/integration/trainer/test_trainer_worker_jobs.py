"""Real jobs through a real ``spikeglyph-worker``: train, evaluate, finetune, cancel, crash.

Jobs are tiny (fc network, 300 samples, 2 time steps) so the module stays around a minute.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import redis as redis_lib

from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import JobEvent, JobInfo, JobKind, JobState
from spikeglyph.stores import REGISTRY_CHANNEL
from spikeglyph_trainer.lease import inflight_key
from tests.integration.trainer.conftest import JobClient, TrainerStack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TINY = {"arch": "fc", "max_samples": 300, "timesteps": 2, "batch_size": 100, "seed": 1}


@contextmanager
def registry_events(url: str) -> Iterator[list[dict[str, str]]]:
    """Collect registry pub/sub messages while the block runs."""
    client = redis_lib.Redis.from_url(url)
    pubsub = client.pubsub()
    pubsub.subscribe(REGISTRY_CHANNEL)
    pubsub.get_message(timeout=2)  # the subscribe confirmation
    received: list[dict[str, str]] = []
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            message = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if message is not None:
                received.append(json.loads(message["data"]))

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        stop.set()
        thread.join(5)
        pubsub.close()
        client.close()


def _events(client: JobClient, job_id: str) -> list[JobEvent]:
    return [event for _, event in client.jobs.events(job_id)]


def _training_epoch(info: JobInfo) -> int:
    progress = info.progress
    return progress.epoch or 0 if progress.phase == "training" else 0


def test_train_evaluate_finetune_and_neurogenesis_through_the_worker(
    stack: TrainerStack, client: JobClient
) -> None:
    stack.start_worker()
    with registry_events(stack.redis_url) as published:
        job_id = client.submit(JobKind.train, {**TINY, "epochs": 1, "activate": True})
        info = client.wait_finished(job_id, stack, timeout=120)
        assert info.state is JobState.succeeded, info.error
        version = info.result["version"] if info.result else None
        client.wait(job_id, lambda _: any(e["version"] == version for e in published), 5, stack)
    assert {"type": "published", "version": version} in [
        {"type": e["type"], "version": e["version"]} for e in published
    ]
    assert client.registry.active_version() == version
    # Published with its lab variants: the what-if graph (parity-checked) and the reference.
    trained = client.registry.get(version)
    assert trained.variants["whatif"]["parity"]["identical_spike_counts"] is True
    assert trained.variants["activity"]["timesteps"] == trained.timesteps
    events = _events(client, job_id)
    assert [e.state for e in events if e.type != "progress"] == [
        JobState.queued,
        JobState.running,
        JobState.succeeded,
    ]
    steps = [e.progress for e in events if e.progress and e.progress.phase == "training"]
    assert steps and steps[0].steps and steps[-1].step == steps[-1].steps
    assert not (stack.work_dir / job_id).exists()
    # The job's TensorBoard run outlives its work directory, next to the artifact store.
    board = stack.artifacts_dir.parent / "tensorboard" / job_id
    assert list(board.glob("events.out.tfevents.*")), "no TensorBoard event file for the job"

    evaluation = client.submit(JobKind.evaluate, {"split": "test", "max_samples": 100})
    info = client.wait_finished(evaluation, stack, timeout=60)
    assert info.state is JobState.succeeded, info.error
    assert info.result is not None and info.result["n"] == 100
    assert 0.0 <= info.result["accuracy"] <= 1.0 and info.result["version"] == version

    # Feedback the active model already gets right cannot be improved on: the gate refuses.
    model_dir, _ = client.registry.load_verified(version)
    images = _test_images(4)
    predicted = np.argmax(ModelRunner(model_dir, device="cpu").run(images / 255.0).logits, 1)
    for image, label in zip(images, predicted, strict=True):
        client.feedback.add(image, int(label), model_version=version, dataset="mnist")
    refused = client.submit(JobKind.finetune, {"epochs": 1, "max_val_samples": 200})
    info = client.wait_finished(refused, stack, timeout=120)
    assert info.state is JobState.succeeded, info.error
    assert info.result is not None and info.result["promoted"] is False
    assert "feedback accuracy did not improve" in info.result["reason"]
    assert client.registry.active_version() == version
    candidate = client.registry.get(info.result["version"])
    assert candidate.parent == version
    assert candidate.metrics["finetune_gate"]["promoted"] is False

    # Structural plasticity: fewer or more neurons, still a servable, parity-checked graph.
    grown = client.submit(
        JobKind.neurogenesis,
        {"prune_fraction": 0.3, "grow_fraction": 0.05, "finetune_epochs": 1, "max_samples": 300},
    )
    info = client.wait_finished(grown, stack, timeout=120)
    assert info.state is JobState.succeeded, info.error
    assert info.result is not None and info.result["parent"] == version
    assert info.result["neurons_after"] != info.result["neurons_before"]
    assert client.registry.active_version() == version
    grown_dir, grown_manifest = client.registry.load_verified(info.result["version"])
    assert grown_manifest.metrics["onnx_parity"]["identical_spike_counts"] is True
    assert "model.whatif.onnx" in grown_manifest.files  # the knobs follow a grown network
    outputs = ModelRunner(grown_dir, device="cpu").run(images / 255.0)
    assert outputs.logits.shape == (4, 10)


def _test_images(n: int) -> np.ndarray:
    """Digits drawn by the synthetic generator (any 28×28 ink-on-black image will do)."""
    from tests.support.datasets import make_glyphs

    images, _ = make_glyphs(n, seed=7)
    return images


def test_cancelling_a_running_job_stops_it_and_leaves_nothing_behind(
    stack: TrainerStack, client: JobClient
) -> None:
    stack.start_worker()
    job_id = client.submit(JobKind.train, {**TINY, "epochs": 50})
    client.wait(job_id, lambda i: _training_epoch(i) >= 1, 120, stack)
    assert (stack.work_dir / job_id).exists()
    # Celery-native consumers (Flower) see the same progress as the task state.
    celery_state = client.celery.AsyncResult(job_id)
    assert celery_state.state == "PROGRESS" and celery_state.info["phase"]
    client.jobs.request_cancel(job_id)
    info = client.wait_finished(job_id, stack, timeout=60)
    assert info.state is JobState.cancelled
    assert info.progress.epoch is None or info.progress.phase == "cancelled"
    assert client.registry.list() == []
    assert not (stack.work_dir / job_id).exists()
    assert [p.name for p in stack.artifacts_dir.glob("*")] == []


def test_a_worker_killed_mid_job_resumes_after_restart_and_publishes_once(
    stack: TrainerStack, client: JobClient
) -> None:
    first = stack.start_worker()
    # Enough epochs that the kill lands in training even on a fast machine (a tiny epoch can
    # take 50 ms; the poll sees every 0.1 s whether epoch 2 is done).
    job_id = client.submit(JobKind.train, {**TINY, "epochs": 30})
    client.wait(job_id, lambda i: _training_epoch(i) >= 2, 120, stack)
    first.kill()  # SIGKILL to the whole process group: parent and pool child
    assert client.jobs.get(job_id).state is JobState.running
    before = len(client.jobs.events(job_id))

    stack.start_worker()
    info = client.wait_finished(job_id, stack, timeout=120)
    assert info.state is JobState.succeeded, info.error
    assert [m.version for m in client.registry.list()] == [info.result["version"]]
    assert len([p for p in stack.artifacts_dir.iterdir() if not p.name.startswith(".")]) == 1
    resumed = _events(client, job_id)[before:]
    epochs = [e.progress.epoch for e in resumed if e.progress and e.progress.phase == "training"]
    assert epochs and min(epochs) >= 2, "the redelivered job started over instead of resuming"
    assert client.jobs.redis.hlen(inflight_key()) == 0
