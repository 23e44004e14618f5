"""The `spikeglyph` command: a small train → evaluate → info → predict → export round,
and clear messages with a non-zero exit for bad arguments."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spikeglyph.cli import app
from spikeglyph.data import load_split

runner = CliRunner()


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("cli") / "model"
    result = runner.invoke(
        app,
        [
            "train", "--out", str(out), "--arch", "fc", "--hidden", "64", "--epochs", "1",
            "--timesteps", "2", "--max-samples", "1000", "--device", "cpu",
            "--data-dir", str(data_dir),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return out


def test_train_writes_a_verified_model_and_cleans_its_workdir(trained: Path) -> None:
    assert {"manifest.json", "model.onnx", "weights.safetensors"} <= {
        p.name for p in trained.iterdir()
    }
    assert not trained.with_name("model.work").exists()
    manifest = json.loads((trained / "manifest.json").read_text())
    assert manifest["training"]["recipe"]["max_samples"] == 1000
    assert manifest["architecture"]["pool"] == "spikes"  # the conv default means nothing to fc


def test_evaluate_json_prints_accuracy_and_n(trained: Path, data_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["evaluate", "--model", str(trained), "--split", "test", "--json", "--max-samples", "300",
         "--data-dir", str(data_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["n"] == 300 and 0.2 < payload["accuracy"] <= 1.0


def test_info_shows_the_manifest(trained: Path) -> None:
    result = runner.invoke(app, ["info", str(trained)])
    assert result.exit_code == 0, result.output
    assert "fc1" in result.output and "mnist" in result.output


def test_predict_local_prints_prediction_json(
    trained: Path, data_dir: Path, tmp_path: Path
) -> None:
    images, _ = load_split(data_dir, "mnist", "test")
    path = tmp_path / "digit.png"
    path.write_bytes(_png(images[0]))
    result = runner.invoke(app, ["predict", str(path), "--model", str(trained)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert 0 <= payload["digit"] <= 9 and len(payload["probabilities"]) == 10
    assert payload["energy"]["snn_nj"] > 0


def test_export_int8_adds_the_quantised_copy(trained: Path, data_dir: Path) -> None:
    result = runner.invoke(
        app, ["export", "--model", str(trained), "--int8", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((trained / "manifest.json").read_text())
    assert "model.int8.onnx" in manifest["files"]
    assert "accuracy_delta_points" in manifest["variants"]["int8"]


def test_conv_blocks_pool_currents_by_default_and_such_models_refuse_nir(
    tmp_path: Path, data_dir: Path
) -> None:
    out = tmp_path / "pooled"
    result = runner.invoke(
        app,
        [
            "train", "--out", str(out), "--channels", "2,4", "--epochs", "1", "--timesteps", "2",
            "--max-samples", "200", "--device", "cpu", "--data-dir", str(data_dir),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["architecture"]["pool"] == "current"
    assert manifest["neurons"] == {
        "conv1": 2 * 14 * 14,
        "conv2": 4 * 7 * 7,
        "fc1": 256,
        "output": 10,
    }
    refused = runner.invoke(app, ["export", "--model", str(out), "--nir", str(tmp_path / "m.nir")])
    assert refused.exit_code != 0 and "max-pools input currents" in refused.output
    assert not (tmp_path / "m.nir").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--out", "x", "--dataset", "cifar"], "cifar"),
        (["train", "--out", "x", "--timesteps", "0"], "timesteps"),
        (["train", "--out", "x", "--channels", "a,b"], "comma-separated"),
        (["train", "--out", "x", "--surrogate", "boxcar"], "surrogate"),
        (["train", "--out", "x", "--pool", "mean"], "--pool"),
        (["evaluate", "--model", "/nonexistent/model"], "manifest.json is missing"),
        (["predict", "/nonexistent.png", "--model", "m"], "not a file"),
        (["info", "/nonexistent/model"], "missing"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_clear_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert message in result.output


def test_predict_needs_exactly_one_source(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(_png(np.zeros((28, 28), np.uint8)))
    result = runner.invoke(app, ["predict", str(path)])
    assert result.exit_code != 0 and "exactly one of" in result.output


def test_blank_image_is_a_clear_error(trained: Path, tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    path.write_bytes(_png(np.full((28, 28), 255, np.uint8)))
    result = runner.invoke(app, ["predict", str(path), "--model", str(trained)])
    assert result.exit_code == 2
    assert "error" in result.output.lower()
