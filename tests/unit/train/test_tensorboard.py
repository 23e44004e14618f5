"""Training runs write TensorBoard event files that TensorBoard itself reads back."""

from __future__ import annotations

from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from typer.testing import CliRunner

from spikeglyph.cli import app
from spikeglyph.schemas import TrainParams
from spikeglyph.train import api


def read_run(logdir: Path) -> EventAccumulator:
    events = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    return events


@pytest.mark.parametrize("arch", ["conv", "fc"])
def test_each_epoch_logs_curves_layer_activity_histograms_and_weights(
    data_dir: Path, tmp_path: Path, arch: str
) -> None:
    params = TrainParams.model_validate(
        {"arch": arch, "epochs": 2, "timesteps": 2, "max_samples": 200, "batch_size": 100}
    )
    board = tmp_path / "tb"
    api.train(params, data_dir=data_dir, workdir=tmp_path / "w", device="cpu", tensorboard=board)
    run = read_run(board)
    scalars = set(run.Tags()["scalars"])
    for tag in ("loss/train", "accuracy/train", "accuracy/val", "lr"):
        assert tag in scalars
        assert [e.step for e in run.Scalars(tag)] == [1, 2]  # one point per epoch
    first = "conv1" if arch == "conv" else "fc1"
    assert {f"firing_rate/{first}", f"spikes/{first}", "firing_rate/output"} <= scalars
    assert any(tag.startswith("sops/") for tag in scalars)
    rates = [e.value for e in run.Scalars(f"firing_rate/{first}")]
    assert all(0.0 <= r <= 1.0 for r in rates) and max(rates) > 0.0  # the layer spiked
    histograms = set(run.Tags()["histograms"])
    assert f"firing_rate/{first}" in histograms
    assert any(tag.startswith("weights/") for tag in histograms)
    images = run.Tags()["images"]
    assert images == [f"weights/{first}"]
    picture = run.Images(f"weights/{first}")[-1]
    assert picture.width > 28 and picture.height > 28


def test_cli_train_tensorboard_writes_the_stdp_run(data_dir: Path, tmp_path: Path) -> None:
    args = [
        "train", "--arch", "stdp", "--neurons", "12", "--timesteps", "20",
        "--max-samples", "160", "--max-rate", "300", "--seed", "3",
        "--out", str(tmp_path / "m"), "--workdir", str(tmp_path / "w"),
        "--data-dir", str(data_dir), "--tensorboard", str(tmp_path / "tb"),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = read_run(tmp_path / "tb")
    scalars = set(run.Tags()["scalars"])
    assert {"spikes_per_image/train", "accuracy/val"} <= scalars
    assert run.Scalars("accuracy/val")[-1].step == 160  # after every image was learnt
    assert {"weights/input_exc", "theta"} <= set(run.Tags()["histograms"])
    picture = run.Images("weights/input_exc")[-1]
    assert picture.width > 4 * 28  # 12 neurons → a 4 × 3 grid of 28 × 28 tiles
