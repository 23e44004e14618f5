"""``evaluate`` jobs and the fine-tune gate measure every family that can be activated.

They run the version's ONNX graph, as it is served: the shipped STDP model is evaluated like the
surrogate-gradient one (before, both the job and the gate loaded torch weights and refused it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from spikeglyph.data import load_split
from spikeglyph.evaluation import evaluate_split
from spikeglyph.job_queue import TASK_NAMES
from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import JobKind, JobState
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry, connect
from spikeglyph_trainer.evaluator import OnnxEvaluator
from spikeglyph_trainer.lifecycle import WorkerServices, execute_job
from spikeglyph_trainer.settings import TrainerSettings
from tests.integration.trainer.fake_engine import FakeEngine

pytestmark = pytest.mark.integration

SHIPPED = Path(__file__).resolve().parents[3] / "models"


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
        engine=FakeEngine(),  # no training here
        evaluator=OnnxEvaluator(),
    )
    client.close()


def accuracy_by_hand(model_dir: Path, data_dir: Path, n: int) -> float:
    images, labels = load_split(data_dir, "mnist", "test")
    runner = ModelRunner(model_dir, device="cpu")
    logits = runner.run(images[:n].astype(np.float32) / 255.0).logits
    return float((logits.argmax(1) == labels[:n]).mean())


@pytest.mark.parametrize("shipped", ["mnist-stdp", "mnist"])
def test_an_evaluate_job_measures_a_shipped_version_with_its_served_graph(
    services: WorkerServices, data_dir: Path, shipped: str
) -> None:
    version = services.registry.publish(SHIPPED / shipped).version
    job_id = uuid.uuid4().hex
    params = {"version": version, "split": "test", "max_samples": 200}
    services.jobs.create(job_id, JobKind.evaluate, params)
    result = execute_job(
        services, JobKind.evaluate, job_id, params, task_name=TASK_NAMES[JobKind.evaluate]
    )
    assert services.jobs.get(job_id).state is JobState.succeeded
    assert result["version"] == version and result["n"] == 200
    assert result["accuracy"] == pytest.approx(accuracy_by_hand(SHIPPED / shipped, data_dir, 200))
    assert result["metrics"]["family"] == ("stdp" if shipped == "mnist-stdp" else "surrogate")
    assert result["metrics"]["sops_per_inference"] > 0


@pytest.fixture(scope="module")
def fixed_point_copy(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """The shipped MNIST model's fixed-point copy (8-bit weights, saturating registers)."""
    from spikeglyph.train.fixedpoint import make_fixed_point

    target = tmp_path_factory.mktemp("fixed") / "mnist-fixed"
    make_fixed_point(SHIPPED / "mnist", target, data_dir=data_dir, max_val=100, max_test=100)
    return target


def test_an_evaluate_job_measures_a_fixed_point_version(
    services: WorkerServices, data_dir: Path, fixed_point_copy: Path
) -> None:
    version = services.registry.publish(fixed_point_copy).version
    job_id = uuid.uuid4().hex
    params = {"version": version, "split": "test", "max_samples": 200}
    services.jobs.create(job_id, JobKind.evaluate, params)
    result = execute_job(
        services, JobKind.evaluate, job_id, params, task_name=TASK_NAMES[JobKind.evaluate]
    )
    assert result["metrics"]["family"] == "fixedpoint"
    assert result["accuracy"] == pytest.approx(accuracy_by_hand(fixed_point_copy, data_dir, 200))


def test_per_class_accuracy_and_counts_agree(data_dir: Path) -> None:
    scores = evaluate_split(SHIPPED / "mnist-stdp", data_dir=data_dir, max_samples=300)
    _, labels = load_split(data_dir, "mnist", "test")
    counts = np.bincount(labels[:300], minlength=10)
    recovered = sum(
        acc * count for acc, count in zip(scores["per_class_accuracy"], counts, strict=True)
    )
    assert recovered / 300 == pytest.approx(scores["accuracy"])
    assert scores["n"] == 300 and scores["split"] == "test"
