"""Reward from people: a finetune of an R-STDP model turns feedback into reward for its readout.

A real worker's job functions with the real engine and evaluator, on a tiny R-STDP network:
the job reads corrections and confirmations, learns from them as reward only (with replay),
judges the result with the fine-tune gate and publishes a new version; the base version and
the frozen STDP layer stay as they were.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.data import load_split
from spikeglyph.job_queue import TASK_NAMES
from spikeglyph.schemas import JobKind, JobState
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry, connect
from spikeglyph.train.rstdp.modelio import load_rstdp_model, save_rstdp_model
from spikeglyph.train.rstdp.network import RStdpNet
from spikeglyph.train.rstdp.readout import ReadoutConfig
from spikeglyph.train.stdp.export import snap_weights
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec
from spikeglyph_trainer.engine import TorchEngine
from spikeglyph_trainer.evaluator import OnnxEvaluator
from spikeglyph_trainer.lifecycle import WorkerServices, execute_job
from spikeglyph_trainer.settings import TrainerSettings

pytestmark = pytest.mark.integration


@pytest.fixture()
def services(redis_url: str, tmp_path: Path, data_dir: Path) -> Iterator[WorkerServices]:
    client = connect(redis_url)
    settings = TrainerSettings(
        redis_url=redis_url,
        artifacts_dir=tmp_path / "artifacts",
        data_dir=data_dir,
        work_dir=tmp_path / "jobs",
        models_dir=tmp_path / "models",
        progress_interval_s=0.0,
    )
    yield WorkerServices(
        settings=settings,
        redis=client,
        jobs=JobStore(client),
        registry=ModelRegistry(client, settings.artifacts_dir),
        feedback=FeedbackStore(client),
        engine=TorchEngine(),
        evaluator=OnnxEvaluator(),
    )
    client.close()


def tiny_rstdp_dir(target: Path, data_dir: Path) -> Path:
    """A 32-neuron, 16-step R-STDP model with a random readout."""
    spec = StdpSpec(
        neurons=32, timesteps=16, max_rate_hz=400.0, min_spikes=3, boost_hz=400.0, max_boosts=2
    )
    stdp = StdpNet(spec, hidden_sample=8)
    snap_weights(stdp)
    readout = 0.5 + 0.01 * torch.rand((32, 10), generator=torch.Generator().manual_seed(0))
    net = RStdpNet.from_stdp(stdp, readout)
    val_x, _ = load_split(data_dir, "mnist", "val")
    save_rstdp_model(
        net,
        target,
        dataset="mnist",
        version=f"mnist-rstdp-tiny-{uuid.uuid4().hex[:6]}",
        metrics={},
        training={"readout": ReadoutConfig().to_dict(), "reward_baseline": 0.0, "val_size": 5000},
        sample_images=torch.from_numpy(val_x[:32]).flatten(1).float() / 255.0,
    )
    return target


def test_feedback_becomes_reward_for_a_new_version_and_the_live_model_is_untouched(
    services: WorkerServices, data_dir: Path, tmp_path: Path
) -> None:
    base_dir = tiny_rstdp_dir(tmp_path / "base", data_dir)
    base = services.registry.publish(base_dir, activate=True)
    images, labels = load_split(data_dir, "mnist", "test")
    for i in range(12):
        kind = "confirmation" if i % 3 == 0 else "correction"
        services.feedback.add(
            images[i], int(labels[i]), model_version=base.version, dataset="mnist", kind=kind
        )
    job_id = uuid.uuid4().hex
    params = {"max_val_samples": 100, "epochs": 1}
    services.jobs.create(job_id, JobKind.finetune, params)
    result = execute_job(
        services, JobKind.finetune, job_id, params, task_name=TASK_NAMES[JobKind.finetune]
    )
    assert services.jobs.get(job_id).state is JobState.succeeded
    assert result["parent"] == base.version and result["version"] != base.version
    new = services.registry.get(result["version"])
    assert new.family == "rstdp" and new.parent == base.version
    assert new.training["derived_from"]["learned_from"] == "reward"
    assert new.metrics["feedback_trained"] == 9 and new.metrics["replayed"] == 256
    gate = new.metrics["finetune_gate"]
    assert gate["feedback_used"] == 9 and gate["feedback_held_out"] == 3
    assert (services.registry.active_version() == new.version) is result["promoted"]
    # the base version is immutable, and only the readout learnt
    assert services.registry.get(base.version).files == base.files
    before, _ = load_rstdp_model(services.registry.path(base.version))
    after, _ = load_rstdp_model(services.registry.path(new.version))
    assert torch.equal(before.weights, after.weights) and torch.equal(before.theta, after.theta)
    assert not torch.equal(before.readout, after.readout)
    assert np.isfinite(new.metrics["val_accuracy"])
