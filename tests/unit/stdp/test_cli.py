"""``spikeglyph train --arch stdp`` writes a served STDP model directory."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from spikeglyph.cli import app


def test_train_arch_stdp_writes_a_model_directory(data_dir: Path, tmp_path: Path) -> None:
    args = [
        "train", "--arch", "stdp", "--neurons", "12", "--timesteps", "20",
        "--max-samples", "160", "--max-rate", "300", "--seed", "3",
        "--out", str(tmp_path / "m"), "--workdir", str(tmp_path / "w"),
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["family"] == "stdp"
    assert manifest["architecture"]["neurons"] == 12
    assert manifest["architecture"]["max_rate_hz"] == 300.0
    assert manifest["training"]["recipe"]["seed"] == 3
    assert 0.0 <= manifest["metrics"]["val_accuracy"] <= 1.0
    assert not (tmp_path / "w").exists()  # the work directory is cleaned up


def test_surrogate_models_still_refuse_long_time_windows(tmp_path: Path) -> None:
    args = ["train", "--arch", "fc", "--timesteps", "100", "--out", str(tmp_path / "m")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
