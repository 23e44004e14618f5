"""Job lifecycle in-process against a real Redis, with a torch-free scripted engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from spikeglyph.errors import JobCancelled
from spikeglyph.job_queue import TASK_NAMES
from spikeglyph.modeldir import load_manifest
from spikeglyph.schemas import JobKind, JobState
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry, connect
from spikeglyph_trainer import lease
from spikeglyph_trainer.auto_finetune import maybe_enqueue_finetune
from spikeglyph_trainer.jobs.finetune import feedback_cursor_name
from spikeglyph_trainer.lifecycle import JobAborted, WorkerServices, execute_job
from spikeglyph_trainer.settings import TrainerSettings
from tests.integration.trainer.fake_engine import FakeEngine

pytestmark = pytest.mark.integration


@pytest.fixture()
def services(redis_url: str, tmp_path: Path) -> Iterator[WorkerServices]:
    client = connect(redis_url)
    settings = TrainerSettings(
        redis_url=redis_url,
        artifacts_dir=tmp_path / "artifacts",
        data_dir=tmp_path / "data",
        work_dir=tmp_path / "jobs",
        models_dir=tmp_path / "models",
        lease_ttl_s=1.0,
        progress_interval_s=0.0,
        retention_keep=3,
    )
    engine = FakeEngine()
    yield WorkerServices(
        settings=settings,
        redis=client,
        jobs=JobStore(client),
        registry=ModelRegistry(client, settings.artifacts_dir),
        feedback=FeedbackStore(client),
        engine=engine,
        evaluator=engine,
    )
    client.close()


def _engine(services: WorkerServices) -> FakeEngine:
    assert isinstance(services.engine, FakeEngine)
    return services.engine


def _run(services: WorkerServices, kind: JobKind, params: dict[str, Any]) -> tuple[str, Any]:
    job_id = uuid.uuid4().hex
    services.jobs.create(job_id, kind, params)
    try:
        result = execute_job(services, kind, job_id, params, task_name=TASK_NAMES[kind])
    except JobAborted as exc:
        result = exc
    return job_id, result


def _active_base(services: WorkerServices, tmp_path: Path) -> str:
    model_dir = _engine(services)._model(tmp_path / "seed", "base")
    return services.registry.publish(model_dir, activate=True).version


def _add_feedback(services: WorkerServices, labels: list[int]) -> list[str]:
    ids = []
    for label in labels:
        image = np.zeros((28, 28), dtype=np.uint8)
        image[0, 0] = label  # the fake engine reads the truth from here
        ids.append(services.feedback.add(image, label, model_version=None, dataset="mnist"))
    return ids


def test_train_reports_progress_publishes_once_and_cleans_up(services: WorkerServices) -> None:
    job_id, result = _run(services, JobKind.train, {"epochs": 2})
    info = services.jobs.get(job_id)
    assert info.state is JobState.succeeded
    assert info.result == result
    assert services.registry.active_version() is None  # not asked to activate
    assert [m.version for m in services.registry.list()] == [result["version"]]
    events = [event for _, event in services.jobs.events(job_id)]
    progress = [e.progress for e in events if e.type == "progress" and e.progress]
    training = [p for p in progress if p.phase == "training"]
    assert {(p.epoch, p.step) for p in training} >= {(1, 1), (2, 5)}
    assert training[-1].eta_s == pytest.approx(0.0, abs=1e-6)
    assert events[-1].type == "final" and events[-1].result == result
    assert not (services.settings.jobs_dir / job_id).exists()
    assert services.redis.hlen(lease.inflight_key()) == 0
    assert not services.redis.exists(lease.lease_key(job_id))


def test_activate_flag_makes_the_new_version_active(services: WorkerServices) -> None:
    _, result = _run(services, JobKind.train, {"activate": True})
    assert services.registry.active_version() == result["version"]


def test_cancel_during_training_leaves_no_version_and_no_workdir(
    services: WorkerServices,
) -> None:
    job_id = uuid.uuid4().hex
    services.jobs.create(job_id, JobKind.train, {"epochs": 3})
    engine = _engine(services)
    original = engine._loop

    def loop_then_cancel(epochs: int, run: Any) -> None:
        services.jobs.request_cancel(job_id)
        original(epochs, run)

    engine._loop = loop_then_cancel  # type: ignore[method-assign]
    result = execute_job(services, JobKind.train, job_id, {"epochs": 3}, task_name="t")
    assert result is None
    assert services.jobs.get(job_id).state is JobState.cancelled
    assert services.registry.list() == []
    assert not (services.settings.jobs_dir / job_id).exists()


def test_a_redelivered_finished_job_does_not_run_or_publish_again(
    services: WorkerServices,
) -> None:
    job_id, result = _run(services, JobKind.train, {})
    again = execute_job(services, JobKind.train, job_id, {}, task_name="t")
    assert again == result
    assert len(services.registry.list()) == 1
    assert [c for c, _ in _engine(services).calls] == ["train"]


def test_a_delivery_of_a_job_held_by_a_live_worker_steps_aside(
    services: WorkerServices,
) -> None:
    job_id = uuid.uuid4().hex
    services.jobs.create(job_id, JobKind.train, {})
    holder = lease.JobLease(connect(services.settings.redis_url), job_id, ttl_s=1.0)
    assert holder.acquire(wait_s=0)
    try:
        assert execute_job(services, JobKind.train, job_id, {}, task_name="t") is None
    finally:
        holder.release()
    assert services.jobs.get(job_id).state is JobState.queued
    assert _engine(services).calls == []


def test_a_lapsed_lease_lets_a_redelivery_take_the_job_over(services: WorkerServices) -> None:
    job_id = uuid.uuid4().hex
    services.jobs.create(job_id, JobKind.train, {})
    # A dead worker's lease: set once, never renewed.
    services.redis.set(lease.lease_key(job_id), b"dead", px=300)
    result = execute_job(services, JobKind.train, job_id, {}, task_name="t")
    assert result is not None and services.jobs.get(job_id).state is JobState.succeeded


def test_orphans_are_enqueued_again_only_when_their_lease_lapsed(
    services: WorkerServices,
) -> None:
    sent: list[tuple[str, dict[str, Any], str]] = []
    kwargs = {"job_id": "j1", "params": {"epochs": 1}}

    def recover() -> list[str]:
        return lease.recover_orphans(
            services.redis, lambda *a: sent.append(a), _never_give_up, max_recoveries=3
        )

    lease.mark_inflight(services.redis, "j1", "spikeglyph.train", kwargs)
    services.redis.set(lease.lease_key("j1"), b"alive", px=5000)
    assert recover() == []
    services.redis.delete(lease.lease_key("j1"))
    assert recover() == ["j1"]
    assert sent == [("spikeglyph.train", kwargs, "j1")]
    assert recover() == []


def _never_give_up(job_id: str, reason: str) -> None:
    raise AssertionError(f"gave up on {job_id}: {reason}")


def test_a_job_that_keeps_killing_its_worker_is_eventually_failed(
    services: WorkerServices,
) -> None:
    given_up: list[tuple[str, str]] = []
    sent: list[str] = []
    for _ in range(3):
        lease.mark_inflight(services.redis, "j2", "spikeglyph.train", {"job_id": "j2"})
        lease.recover_orphans(
            services.redis,
            lambda name, kwargs, job_id: sent.append(job_id),
            lambda job_id, reason: given_up.append((job_id, reason)),
            max_recoveries=2,
        )
    assert sent == ["j2", "j2"]
    assert given_up and given_up[0][0] == "j2" and "died 3 times" in given_up[0][1]


def test_evaluate_reports_accuracy_of_the_active_version(
    services: WorkerServices, tmp_path: Path
) -> None:
    base = _active_base(services, tmp_path)
    job_id, result = _run(services, JobKind.evaluate, {"split": "test", "max_samples": 50})
    assert services.jobs.get(job_id).state is JobState.succeeded
    assert result["version"] == base
    assert result["accuracy"] == pytest.approx(0.9) and result["n"] == 50


def test_finetune_promotes_when_the_gate_passes_and_advances_the_cursor(
    services: WorkerServices, tmp_path: Path
) -> None:
    base = _active_base(services, tmp_path)
    ids = _add_feedback(services, [1, 2, 3, 4, 5, 6, 7, 8])
    _, result = _run(services, JobKind.finetune, {})
    assert result["promoted"] is True
    assert services.registry.active_version() == result["version"]
    assert services.registry.parent(result["version"]) == base
    assert services.feedback.get_cursor(feedback_cursor_name("mnist")) == ids[-1]
    gate = services.registry.get(result["version"]).metrics["finetune_gate"]
    assert gate["feedback_held_out"] == 2 and gate["feedback_used"] == 6
    assert gate["new_feedback_accuracy"] == 1.0 and gate["base_feedback_accuracy"] == 0.0
    assert _engine(services).calls[-1][1]["n"] == 6


def test_a_fresh_install_finetunes_the_shipped_default_model(
    services: WorkerServices,
) -> None:
    shipped = _engine(services)._model(services.settings.models_dir / "staging", "base")
    shipped.rename(services.settings.models_dir / "mnist")
    default_version = load_manifest(services.settings.models_dir / "mnist").version
    _add_feedback(services, [1, 2, 3, 4])
    _, result = _run(services, JobKind.finetune, {})
    assert result["parent"] == default_version and result["promoted"] is True
    assert services.registry.active_version() == result["version"]


def test_finetune_keeps_a_forgetful_model_as_a_candidate_with_the_reason(
    services: WorkerServices, tmp_path: Path
) -> None:
    base = _active_base(services, tmp_path)
    _add_feedback(services, [1, 2, 3, 4])
    _engine(services).val = {"base": 0.95, "new": 0.90}
    job_id, result = _run(services, JobKind.finetune, {"tolerance_points": 0.2})
    assert services.jobs.get(job_id).state is JobState.succeeded
    assert result["promoted"] is False
    assert "validation accuracy fell 5.00 points" in result["reason"]
    assert services.registry.active_version() == base
    manifest = services.registry.get(result["version"])
    assert manifest.metrics["finetune_gate"]["promoted"] is False
    assert services.feedback.get_cursor(feedback_cursor_name("mnist")) is None


def test_finetune_without_new_feedback_fails_clearly(
    services: WorkerServices, tmp_path: Path
) -> None:
    _active_base(services, tmp_path)
    job_id, result = _run(services, JobKind.finetune, {})
    assert isinstance(result, JobAborted)
    info = services.jobs.get(job_id)
    assert info.state is JobState.failed
    assert info.error is not None and "no new mnist feedback" in info.error


def test_neurogenesis_publishes_a_candidate_child_of_the_base(
    services: WorkerServices, tmp_path: Path
) -> None:
    base = _active_base(services, tmp_path)
    _, result = _run(services, JobKind.neurogenesis, {})
    assert result["parent"] == base and result["activated"] is False
    assert services.registry.active_version() == base


def test_retention_keeps_the_newest_and_the_active_version(
    services: WorkerServices, tmp_path: Path
) -> None:
    base = _active_base(services, tmp_path)
    versions = [_run(services, JobKind.train, {})[1]["version"] for _ in range(4)]
    kept = {m.version for m in services.registry.list()}
    # The newest three, plus the active version however old it is.
    assert kept == {base, *versions[-3:]}
    assert not (services.settings.artifacts_dir / versions[0]).exists()


def test_a_crash_in_the_engine_fails_the_job_without_a_stack_trace(
    services: WorkerServices,
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Path:
        raise RuntimeError("out of cheese")

    _engine(services).train = boom  # type: ignore[method-assign]
    job_id, result = _run(services, JobKind.train, {})
    info = services.jobs.get(job_id)
    assert isinstance(result, JobAborted)
    assert info.state is JobState.failed
    assert info.error == "internal_error: RuntimeError: out of cheese"
    assert not (services.settings.jobs_dir / job_id).exists()


def test_a_worker_shutdown_mid_job_keeps_it_resumable(services: WorkerServices) -> None:
    def shutdown(*args: Any, workdir: Path, **kwargs: Any) -> Path:
        (workdir / "checkpoints").mkdir(parents=True)
        raise SystemExit(-15)

    _engine(services).train = shutdown  # type: ignore[method-assign]
    job_id = uuid.uuid4().hex
    services.jobs.create(job_id, JobKind.train, {})
    with pytest.raises(SystemExit):
        execute_job(services, JobKind.train, job_id, {}, task_name=TASK_NAMES[JobKind.train])
    assert services.jobs.get(job_id).state is JobState.running
    assert (services.settings.jobs_dir / job_id / "checkpoints").is_dir()
    sent: list[str] = []
    recovered = lease.recover_orphans(
        services.redis,
        lambda name, kwargs, jid: sent.append(jid),
        _never_give_up,
        max_recoveries=3,
    )
    assert recovered == sent == [job_id]


def test_auto_finetune_triggers_once_per_n_new_items(
    services: WorkerServices, tmp_path: Path
) -> None:
    base = _active_base(services, tmp_path)
    settings = services.settings.model_copy(
        update={"auto_finetune_after": 3, "maintenance_interval_s": 0.2}
    )
    sent: list[tuple[str, dict[str, Any], str]] = []
    _add_feedback(services, [1, 2])
    assert maybe_enqueue_finetune(services.redis, settings, lambda *a: sent.append(a)) is None
    _add_feedback(services, [3])
    services.redis.delete("spikeglyph:trainer:auto-finetune:lock")
    job_id = maybe_enqueue_finetune(services.redis, settings, lambda *a: sent.append(a))
    assert job_id is not None
    assert sent == [
        (TASK_NAMES[JobKind.finetune], {"job_id": job_id, "params": {"base_version": base}}, job_id)
    ]
    assert services.jobs.get(job_id).kind is JobKind.finetune
    services.redis.delete("spikeglyph:trainer:auto-finetune:lock")
    assert maybe_enqueue_finetune(services.redis, settings, lambda *a: sent.append(a)) is None


def test_cancelled_error_type_is_the_domain_one() -> None:
    assert JobCancelled("x").code == "job_cancelled"
