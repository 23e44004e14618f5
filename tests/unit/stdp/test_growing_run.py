"""STDP training with error-driven growth as an option of the product's run: the grown network
ends at the size its history reports, resumes exactly after a cancellation, serves, and bad
options are refused clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from typer.testing import CliRunner

from spikeglyph.cli import app
from spikeglyph.data import load_split
from spikeglyph.errors import JobCancelled
from spikeglyph.modeldir import load_manifest
from spikeglyph.recipe import StdpRecipe, StdpSpec, default_stdp_recipe
from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import JobProgress
from spikeglyph.train.stdp.api import train_stdp
from spikeglyph.train.stdp.checkpoint import STATE_NAME
from spikeglyph.train.stdp.export import torch_outputs
from spikeglyph.train.stdp.modelio import load_stdp_model
from spikeglyph.weightviews import figure_set

SPEC = StdpSpec(neurons=30, timesteps=20, max_rate_hz=300.0, noise_seed=3)


def _recipe(**changes: Any) -> StdpRecipe:
    """A tiny growing run: 10 neurons growing to at most 30, windows of 100 images."""
    growth = {"kind": "errors", "start_neurons": 10, "window": 100, "error_threshold": 0.1}
    return default_stdp_recipe().with_changes(
        spec=SPEC, growth=growth, max_samples=300, assign_samples=300, seed=3, **changes
    )


def _train(recipe: StdpRecipe, data_dir: Path, workdir: Path, **run: Any) -> Path:
    return train_stdp(recipe, data_dir=data_dir, workdir=workdir, device="cpu", **run)


def test_a_grown_run_ends_with_the_neurons_its_history_reports(
    data_dir: Path, tmp_path: Path
) -> None:
    reports: list[JobProgress] = []
    model = _train(_recipe(), data_dir, tmp_path / "w", progress=reports.append,
                   tensorboard=tmp_path / "tb")  # fmt: skip
    manifest = load_manifest(model)
    growth = manifest.training["growth"]
    final = manifest.architecture["neurons"]
    assert growth["windows"] == 3 and len(growth["neurons"]) == 3
    assert growth["neurons"][-1] == growth["final_neurons"] == final
    assert final == 10 + sum(growth["recruited_per_class"]) - growth["pruned"]
    assert 10 < final <= 30  # it grew, up to the cap
    assert manifest.neurons == {"exc": final, "inh": final}
    assert load_file(model / "weights.safetensors")["weights"].shape == (784, final)
    assert "grew from labelled errors" in manifest.training["labels_used_as"]
    assert manifest.training["recipe"]["growth"]["start_neurons"] == 10
    windows = [r for r in reports if r.phase == "training"]
    assert [r.step for r in windows] == [1, 2, 3]
    sizes = [int((r.message or "").split(" neurons")[0]) for r in windows]
    assert sizes == growth["neurons"]  # each window's report says the network's size
    board = EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0})
    board.Reload()
    assert [int(e.value) for e in board.Scalars("neurons")] == growth["neurons"]
    (figure,) = figure_set(model).figures
    assert figure.tiles.shape == (final, 28, 28)


def test_the_grown_model_serves_what_its_network_answers(data_dir: Path, tmp_path: Path) -> None:
    model = _train(_recipe(), data_dir, tmp_path / "w")
    net, _ = load_stdp_model(model)
    images, _ = load_split(data_dir, "mnist", "test")
    batch = (images[:16].astype(np.float32) / 255.0)[:, None]
    got = ModelRunner(model, device="cpu").run(batch)
    expected = torch_outputs(net, batch)
    assert np.array_equal(got.spike_counts, expected["spike_counts"])
    assert got.logits.shape == (16, 10)
    assert np.array_equal(got.logits.argmax(1), expected["logits"].argmax(1))


def test_a_cancelled_growing_run_resumes_to_the_same_network(
    data_dir: Path, tmp_path: Path
) -> None:
    recipe = _recipe(epochs=2, checkpoint_every=100)  # checkpoints only at epoch ends
    whole = _train(recipe, data_dir, tmp_path / "whole")
    calls = 0

    def stop_in_epoch_two() -> bool:
        nonlocal calls
        calls += 1
        return calls == 4  # after the first window of the second epoch

    with pytest.raises(JobCancelled):
        _train(recipe, data_dir, tmp_path / "resumed", should_stop=stop_in_epoch_two)
    assert not (tmp_path / "resumed" / "model").exists()
    saved = load_file(tmp_path / "resumed" / STATE_NAME)["weights"].shape[1]
    assert saved == load_manifest(whole).training["growth"]["neurons"][3] > 10  # grown size
    reports: list[JobProgress] = []
    resumed = _train(recipe, data_dir, tmp_path / "resumed", progress=reports.append)
    assert [r.step for r in reports if r.phase == "training"] == [5, 6]  # only what was left
    a, b = load_file(whole / "weights.safetensors"), load_file(resumed / "weights.safetensors")
    for name in ("weights", "theta", "assignments"):
        assert np.array_equal(a[name], b[name]), name
    grown, again = (
        load_manifest(whole).training["growth"],
        load_manifest(resumed).training["growth"],
    )
    assert grown == again and grown["windows"] == 6


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_growing_run_on_cuda_grows_and_serves(data_dir: Path, tmp_path: Path) -> None:
    """Growth moves tensors between the device (the network) and the CPU (idle counters)."""
    model = train_stdp(_recipe(), data_dir=data_dir, workdir=tmp_path / "w", device="cuda")
    manifest = load_manifest(model)
    assert manifest.training["device"].startswith("cuda")
    assert manifest.architecture["neurons"] == manifest.training["growth"]["final_neurons"] > 10
    images, _ = load_split(data_dir, "mnist", "test")
    got = ModelRunner(model, device="cpu").run((images[:8].astype(np.float32) / 255.0)[:, None])
    assert got.logits.shape == (8, 10)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--arch", "fc", "--growth", "errors"], "cannot be set for surrogate"),
        (["--arch", "stdp", "--start-neurons", "20"], "start_neurons needs growth errors"),
        (["--arch", "stdp", "--growth", "errors", "--neurons", "30", "--start-neurons", "50"],
         "start_neurons (50) exceeds neurons (30)"),
        (["--arch", "stdp", "--growth", "errors", "--start-neurons", "4"],
         "below min_neurons (10)"),
    ],
)  # fmt: skip
def test_bad_growth_options_are_refused_clearly(
    tmp_path: Path, options: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["train", *options, "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())  # rich wraps long messages


def test_print_recipe_shows_the_growth_and_its_cap(tmp_path: Path) -> None:
    args = ["train", "--arch", "stdp", "--growth", "errors", "--start-neurons", "40",
            "--neurons", "200", "--print-recipe"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"start_neurons": 40' in result.output and '"neurons": 200' in result.output
