"""Whole jobs: training resumes, evaluation, fine-tuning with rehearsal, neurogenesis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spikeglyph import evaluation
from spikeglyph.data import load_split
from spikeglyph.errors import InvalidJobParams, JobCancelled
from spikeglyph.modeldir import load_manifest
from spikeglyph.schemas import FinetuneParams, NeurogenesisParams, TrainParams
from spikeglyph.train import api
from spikeglyph.train.modelio import load_model


def _params(**kw: object) -> TrainParams:
    base: dict[str, object] = {"arch": "fc", "epochs": 1, "timesteps": 2, "max_samples": 300}
    return TrainParams.model_validate({**base, "batch_size": 100, **kw})


def test_cancelled_training_raises_and_writes_no_model(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(JobCancelled):
        api.train(
            _params(), data_dir=data_dir, workdir=tmp_path, device="cpu", should_stop=lambda: True
        )
    assert not (tmp_path / "model").exists()


def test_finished_job_returns_its_model_again(data_dir: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    first = api.train(
        _params(),
        data_dir=data_dir,
        workdir=tmp_path,
        device="cpu",
        progress=lambda p: seen.append(p.phase),
    )
    assert {"training", "validating", "exporting"} <= set(seen)
    again = api.train(_params(), data_dir=data_dir, workdir=tmp_path, device="cpu")
    assert again == first and load_manifest(first).version == load_manifest(again).version


def test_resume_continues_after_the_last_checkpoint(data_dir: Path, tmp_path: Path) -> None:
    calls = {"n": 0}

    def stop_in_epoch_two() -> bool:
        calls["n"] += 1
        return calls["n"] > 2  # epoch 1 has 3 batches → 2 checks; stop early in epoch 2

    params = _params(epochs=2)
    with pytest.raises(JobCancelled):
        api.train(
            params, data_dir=data_dir, workdir=tmp_path, device="cpu", should_stop=stop_in_epoch_two
        )
    assert (tmp_path / "checkpoints" / "checkpoint.json").is_file()
    epochs: list[int] = []
    api.train(
        params,
        data_dir=data_dir,
        workdir=tmp_path,
        device="cpu",
        progress=lambda p: epochs.append(p.epoch or 0),
    )
    assert min(e for e in epochs if e) == 2  # epoch 1 was not trained again


def test_a_stdp_train_job_trains_the_stdp_family(data_dir: Path, tmp_path: Path) -> None:
    assert TrainParams(arch="stdp").recipe().family == "stdp"
    params = TrainParams(arch="stdp", epochs=1, max_samples=100, timesteps=32, batch_size=16)
    model = api.train(params, data_dir=data_dir, workdir=tmp_path, device="cpu")
    manifest = load_manifest(model)
    assert manifest.family == "stdp" and manifest.timesteps == 32


def test_a_stdp_train_job_can_grow_from_its_errors(data_dir: Path, tmp_path: Path) -> None:
    params = TrainParams(
        arch="stdp", growth="errors", start_neurons=10, max_samples=200, timesteps=20
    )
    model = api.train(params, data_dir=data_dir, workdir=tmp_path, device="cpu")
    manifest = load_manifest(model)
    growth = manifest.training["growth"]
    assert growth["windows"] == 1 and growth["max_neurons"] == 400  # the recipe's neurons
    assert manifest.architecture["neurons"] == growth["final_neurons"] > 10
    assert manifest.training["recipe"]["growth"]["kind"] == "errors"


def test_evaluate_reports_accuracy_and_n(tiny_model_dir: Path, data_dir: Path) -> None:
    result = evaluation.evaluate_split(
        tiny_model_dir, data_dir=data_dir, split="test", max_samples=200
    )
    assert result["n"] == 200 and 0.3 < result["accuracy"] <= 1.0
    assert len(result["per_class_accuracy"]) == 10


def test_finetune_learns_the_feedback_and_records_lineage(
    tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    test_x, _ = load_split(data_dir, "mnist", "test")
    # feedback the model gets wrong: digits relabelled to a fixed wrong class
    images = test_x[:40]
    labels = np.full(40, 3, np.uint8)
    before = evaluation.accuracy_on(tiny_model_dir, images, labels)
    params = FinetuneParams(epochs=3, rehearsal_ratio=2.0, max_val_samples=300)
    new_dir = api.finetune(
        tiny_model_dir,
        images,
        labels,
        data_dir=data_dir,
        params=params,
        workdir=tmp_path,
        device="cpu",
    )
    manifest = load_manifest(new_dir)
    assert manifest.parent == load_manifest(tiny_model_dir).version
    assert evaluation.accuracy_on(new_dir, images, labels) > before
    assert manifest.metrics["feedback_trained"] == 40


def test_finetune_without_feedback_is_refused(
    tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(InvalidJobParams, match="no feedback"):
        api.finetune(
            tiny_model_dir,
            np.zeros((0, 28, 28), np.uint8),
            np.zeros(0, np.uint8),
            data_dir=data_dir,
            params=FinetuneParams(),
            workdir=tmp_path,
        )


def test_neurogenesis_changes_neuron_counts_and_still_exports(
    tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    params = NeurogenesisParams(
        prune_fraction=0.4, grow_fraction=0.0, finetune_epochs=1, max_samples=500
    )
    new_dir = api.neurogenesis(
        tiny_model_dir, data_dir=data_dir, params=params, workdir=tmp_path, device="cpu"
    )
    manifest = load_manifest(new_dir)
    report = manifest.metrics["neurogenesis"]
    assert report["units_after"][0] < report["units_before"][0]
    assert manifest.neurons["fc1"] == report["units_after"][0]
    assert manifest.metrics["onnx_parity"]["identical_spike_counts"]
    net, _ = load_model(new_dir)
    assert net.fcs[0].out_features == report["units_after"][0]
    # the weight figures' difference view knows which units went
    from spikeglyph.weightviews import PRUNED, diff_set, figure_set

    assert len(report["kept"][0]) == report["units_after"][0]
    diff = diff_set(figure_set(new_dir), figure_set(tiny_model_dir)).figures[0]
    assert diff.marks is not None and diff.marks.count(PRUNED) == report["pruned"][0] > 0


def test_error_driven_neurogenesis_grows_the_units_it_reports_and_answers_as_before(
    tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    params = NeurogenesisParams(
        growth="errors", prune_fraction=0.0, grow_fraction=0.1, finetune_epochs=0
    )
    new_dir = api.neurogenesis(
        tiny_model_dir, data_dir=data_dir, params=params, workdir=tmp_path, device="cpu"
    )
    report = load_manifest(new_dir).metrics["neurogenesis"]
    kept = len(report["kept"][0])  # silent units go even at prune_fraction 0
    assert report["growth"] == "errors" and report["grown_layer"] == 0
    assert report["grown"] == [round(0.1 * kept)] and report["grown"][0] > 0
    assert report["units_after"] == [kept + report["grown"][0]]
    net, _ = load_model(new_dir)
    assert net.fcs[0].out_features == report["units_after"][0]
    assert load_manifest(new_dir).metrics["onnx_parity"]["identical_spike_counts"]
    # new units start silent to the readout: without fine-tuning the answers are the base's
    assert report["val_accuracy_after"] == report["val_accuracy_before"]
    from spikeglyph.weightviews import GROWN, diff_set, figure_set

    diff = diff_set(figure_set(new_dir), figure_set(tiny_model_dir)).figures[0]
    assert diff.marks is not None and diff.marks.count(GROWN) == report["grown"][0]


def test_error_driven_growth_refuses_a_conv_model_before_loading_data(
    repo_root: Path, tmp_path: Path
) -> None:
    with pytest.raises(InvalidJobParams, match="fully-connected"):
        api.neurogenesis(
            repo_root / "models" / "mnist",
            data_dir=tmp_path / "no-data",
            params=NeurogenesisParams(growth="errors"),
            workdir=tmp_path / "work",
        )


def test_rebuild_without_changes_computes_the_same_function(tiny_model_dir: Path) -> None:
    import torch

    from spikeglyph.train.plasticity import LayerPlan, rebuild

    net, _ = load_model(tiny_model_dir)
    plans = [LayerPlan(keep=np.arange(net.fcs[0].out_features), grow=3)]
    grown = rebuild(net, plans).eval()
    x = torch.rand(8, 1, 28, 28)
    assert torch.allclose(
        net(x).logits, grown(x).logits, atol=1e-5
    )  # new units start silent to the readout
