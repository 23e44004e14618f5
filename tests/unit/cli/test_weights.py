"""``spikeglyph weights MODEL --out DIR``: the PNG files, by directory or shipped name."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from spikeglyph.cli import app
from tests.unit.figures.weight_models import MNIST, neurogenesis_pair


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["weights", *args])
    return result.exit_code, result.output


def test_a_shipped_name_writes_the_stdp_grid(tmp_path: Path) -> None:
    code, output = run("mnist-stdp", "--out", str(tmp_path))
    assert code == 0, output
    assert json.loads(output)["files"] == [str(tmp_path / "exc.png")]
    assert Image.open(tmp_path / "exc.png").format == "PNG"


def test_conv_models_get_spike_triggered_averages_from_training_images(
    tmp_path: Path, data_dir: Path
) -> None:
    code, output = run(
        str(MNIST), "--out", str(tmp_path), "--sta-images", "64", "--data-dir", str(data_dir)
    )
    assert code == 0, output
    assert {p.name for p in tmp_path.iterdir()} == {"conv1.png", "conv2.png", "sta.png"}


def test_with_a_parent_the_difference_views_are_written(tmp_path: Path) -> None:
    parent, child, _, _ = neurogenesis_pair(tmp_path / "models")
    out = tmp_path / "out"
    code, output = run(str(child), "--out", str(out), "--parent", str(parent), "--sta-images", "0")
    assert code == 0, output
    assert (out / "diff-conv1.png").is_file() and not (out / "sta.png").exists()


def test_an_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    code, output = run("no-such-model", "--out", str(tmp_path))
    assert code == 2 and "neither a model directory" in output
