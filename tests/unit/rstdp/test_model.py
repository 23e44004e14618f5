"""An R-STDP model: served through ONNX Runtime exactly as torch computes it, and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.errors import InvalidModel
from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import LatencyMs
from spikeglyph.train.rstdp.export import torch_outputs
from spikeglyph.train.rstdp.modelio import load_rstdp_model, save_rstdp_model
from spikeglyph.train.rstdp.network import RStdpNet
from spikeglyph.train.stdp.export import WEIGHT_GRID, snap_weights
from spikeglyph.train.stdp.modelio import load_stdp_model
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec
from tests.unit.stdp.conftest import stroke_images

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture()
def tiny_rstdp() -> RStdpNet:
    spec = StdpSpec(
        neurons=24, timesteps=16, max_rate_hz=400.0, min_spikes=3, boost_hz=400.0, max_boosts=2
    )
    stdp = StdpNet(spec, hidden_sample=8)
    snap_weights(stdp)
    readout = torch.rand((24, 10), generator=torch.Generator().manual_seed(0))
    return RStdpNet.from_stdp(stdp, readout).eval()


def save(net: RStdpNet, target: Path) -> None:
    save_rstdp_model(
        net,
        target,
        dataset="mnist",
        version="mnist-rstdp-test",
        metrics={"val_accuracy": 0.5},
        training={"readout": {}},
        sample_images=stroke_images(16).flatten(1),
        parent="mnist-stdp-test",
    )


def test_the_readout_is_stored_on_the_exact_sum_grid(tiny_rstdp: RStdpNet) -> None:
    steps = tiny_rstdp.readout / WEIGHT_GRID
    assert torch.equal(steps, torch.round(steps))
    assert torch.equal(tiny_rstdp.assignments, tiny_rstdp.readout.argmax(1))


def test_the_served_graph_answers_as_torch_and_says_it_learned_from_reward(
    tiny_rstdp: RStdpNet, tmp_path: Path
) -> None:
    save(tiny_rstdp, tmp_path / "m")
    runner = ModelRunner(tmp_path / "m", device="cpu")
    assert runner.manifest.family == "rstdp" and runner.manifest.parent == "mnist-stdp-test"
    assert runner.manifest.architecture["readout"]["learned_from"] == "reward"
    assert runner.manifest.metrics["onnx_parity"]["identical_spike_counts"] is True
    batch = stroke_images(16, seed=3).numpy()
    got = runner.run(batch)
    expected = torch_outputs(tiny_rstdp, batch)
    assert np.array_equal(got.logits, expected["logits"])
    with torch.no_grad():
        counts = tiny_rstdp.respond(torch.from_numpy(batch).flatten(1)).counts
    assert np.allclose(got.logits, (counts @ tiny_rstdp.readout).numpy())
    # one output spike per image, from the winner, at the last step
    assert np.array_equal(got.spike_counts.argmax(1), got.logits.argmax(1))
    assert np.array_equal(got.output_spikes.sum((1, 2)), np.ones(16))
    assert np.array_equal(got.output_spikes[:, -1], got.spike_counts)
    assert np.allclose(got.membrane[:, -1], got.logits)
    answer = runner.prediction(got, 0, LatencyMs(total=1.0))
    assert answer.spikes is not None
    assert [x.name for x in answer.spikes.layers] == ["exc", "inh", "out"]
    assert answer.energy.sops > 0


def test_a_model_directory_loads_back_into_the_same_network(
    tiny_rstdp: RStdpNet, tmp_path: Path
) -> None:
    save(tiny_rstdp, tmp_path / "m")
    loaded, manifest = load_rstdp_model(tmp_path / "m")
    images = stroke_images(8)
    assert torch.equal(loaded.readout, tiny_rstdp.readout)
    assert torch.equal(loaded(images), tiny_rstdp(images))
    assert manifest.neurons == {"exc": 24, "inh": 24, "out": 10}
    with pytest.raises(InvalidModel):
        load_stdp_model(tmp_path / "m")


def test_the_shipped_model_reads_the_shipped_stdp_features_and_learned_from_reward() -> None:
    net, manifest = load_rstdp_model(REPO / "models" / "mnist-rstdp")
    stdp, base = load_stdp_model(REPO / "models" / "mnist-stdp")
    assert manifest.parent == base.version
    assert torch.equal(net.weights, stdp.weights) and torch.equal(net.theta, stdp.theta)
    assert manifest.architecture["readout"]["learned_from"] == "reward"
    assert manifest.training["labels_used_as"].startswith("reward only")
    assert manifest.metrics["test_accuracy"] >= 0.85
