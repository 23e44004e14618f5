"""``spikeglyph train --recipe``: a recorded recipe runs again exactly; options still override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spikeglyph.cli import app

runner = CliRunner()


def _manifest(model: Path) -> dict[str, object]:
    manifest: dict[str, object] = json.loads((model / "manifest.json").read_text())
    return manifest


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("recipe") / "first"
    args = [
        "train", "--dataset", "fashion-mnist", "--arch", "fc", "--hidden", "16", "--epochs", "1",
        "--timesteps", "2", "--max-samples", "300", "--seed", "3", "--lr", "0.004",
        "--device", "cpu", "--threads", "1", "--out", str(out), "--data-dir", str(data_dir),
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_a_model_directory_prints_back_the_recipe_its_manifest_records(recorded: Path) -> None:
    result = runner.invoke(app, ["train", "--recipe", str(recorded), "--print-recipe"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == _manifest(recorded)["training"]["recipe"]  # type: ignore[index]
    assert printed["lr"] == 0.004 and printed["augment"]["hflip_p"] == 0.5


def test_a_printed_recipe_file_is_a_recipe_too(recorded: Path, tmp_path: Path) -> None:
    printed = runner.invoke(app, ["train", "--recipe", str(recorded), "--print-recipe"]).output
    path = tmp_path / "recipe.json"
    path.write_text(printed)
    again = runner.invoke(app, ["train", "--recipe", str(path), "--epochs", "2", "--print-recipe"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {**json.loads(printed), "epochs": 2}


def test_rerunning_a_recorded_recipe_reproduces_the_model(
    recorded: Path, tmp_path: Path, data_dir: Path
) -> None:
    out = tmp_path / "again"
    args = ["train", "--recipe", str(recorded), "--device", "cpu", "--threads", "1"]
    result = runner.invoke(app, [*args, "--out", str(out), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    first, second = _manifest(recorded), _manifest(out)
    assert second["training"]["recipe"] == first["training"]["recipe"]  # type: ignore[index]
    assert second["files"]["weights.safetensors"] == first["files"]["weights.safetensors"]  # type: ignore[index]
    assert second["metrics"]["val_accuracy"] == first["metrics"]["val_accuracy"]  # type: ignore[index]


def test_a_recipe_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["train", "--recipe", str(tmp_path / "no.json"), "--out", "x"])
    assert missing.exit_code == 2 and "cannot read a recipe" in missing.output
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(app, ["train", "--recipe", str(tmp_path / "empty"), "--out", "x"])
    assert empty.exit_code == 2 and "manifest.json is missing" in empty.output


def test_training_needs_an_output_directory() -> None:
    result = runner.invoke(app, ["train", "--epochs", "1"])
    assert result.exit_code != 0 and "--out" in result.output
