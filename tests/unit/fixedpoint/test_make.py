"""The fixed-point copy as a model directory: its manifest names each figure's split."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.data import load_split
from spikeglyph.recipe import default_recipe
from spikeglyph.recipe.records import training_record
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.fixedpoint import (
    BitWidths,
    build_fixed_point,
    float_accuracy,
    make_fixed_point,
)
from spikeglyph.train.loop import to_tensor
from spikeglyph.train.modelio import load_model, save_model
from tests.support.datasets import make_tiny_idx_dataset
from tests.unit.fixedpoint.conftest import conv_net

VAL_SIZE = 50


@pytest.fixture(scope="module")
def synthetic_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_idx_dataset(tmp_path_factory.mktemp("data"), n_train=600, n_test=120)


@pytest.fixture(scope="module")
def float_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained conv model directory: the figures are meaningless, their fields are not."""
    target = tmp_path_factory.mktemp("float") / "model"
    save_model(
        conv_net("direct", "current"),
        target,
        dataset="mnist",
        version="mnist-conv-test",
        metrics={},
        training=training_record(
            default_recipe("mnist", "conv").with_changes(val_size=VAL_SIZE), device="cpu"
        ),
        sample_images=torch.rand(8, 1, 28, 28).numpy(),
    )
    return target


def test_manifest_reports_each_split_widths_and_saturation(
    float_model: Path, synthetic_data: Path, tmp_path: Path
) -> None:
    widths = BitWidths(accumulator=18, membrane=17)
    manifest = make_fixed_point(
        float_model, tmp_path / "fx", data_dir=synthetic_data, widths=widths
    )
    assert manifest.family == "fixedpoint" and manifest.parent == "mnist-conv-test"
    metrics = manifest.metrics
    assert metrics["val_n"] == VAL_SIZE and metrics["test_n"] == 120
    for split in ("val", "test"):
        delta = metrics[f"{split}_accuracy"] - metrics[f"parent_{split}_accuracy"]
        assert metrics[f"{split}_accuracy_delta"] == pytest.approx(delta)
    assert "accuracy_delta" not in metrics  # no figure without its split
    net, _ = load_model(float_model)
    test_x, test_y = load_split(synthetic_data, "mnist", "test")
    assert metrics["parent_test_accuracy"] == float_accuracy(net, test_x, test_y)
    assert len(metrics["per_class_accuracy"]) == 10 and metrics["per_class_split"] == "test"
    assert metrics["onnx_parity"]["identical_membranes"]
    summary = manifest.variants["fixed_point"]
    assert summary["bit_widths"]["accumulator"] == 18 and summary["bit_widths"]["membrane"] == 17
    assert summary["bit_widths"]["weight"] == 8
    for split in ("val", "test"):
        saturation = summary["saturation"][split]
        assert 0.0 <= saturation["membrane_fraction"] <= 1.0
        assert set(saturation["layers"]) == {"conv1", "conv2", "fc1", "readout"}
    on_disk = json.loads((tmp_path / "fx" / "manifest.json").read_text())
    assert on_disk["metrics"]["test_accuracy"] == metrics["test_accuracy"]


def test_served_copy_computes_what_the_emulation_computes(
    float_model: Path, synthetic_data: Path, tmp_path: Path
) -> None:
    make_fixed_point(float_model, tmp_path / "fx", data_dir=synthetic_data, max_test=20)
    images, _ = load_split(synthetic_data, "mnist", "test")
    batch = to_tensor(images[:5])
    served = ModelRunner(tmp_path / "fx", device="cpu").run(batch.numpy())
    net, _ = load_model(float_model)
    with torch.no_grad():
        expected = build_fixed_point(net)(batch)
    assert np.array_equal(served.logits, expected[0].numpy())


def test_trained_copy_loses_little_accuracy_on_either_split(
    tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    manifest = make_fixed_point(tiny_model_dir, tmp_path / "fx", data_dir=data_dir, max_test=2000)
    metrics = manifest.metrics
    assert metrics["parent_val_accuracy"] > 0.5 and metrics["parent_test_accuracy"] > 0.5
    assert metrics["val_accuracy_delta"] >= -0.01  # at most 1 point lost
    assert metrics["test_accuracy_delta"] >= -0.01
