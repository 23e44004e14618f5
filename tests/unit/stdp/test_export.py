"""The served STDP model: ONNX parity with torch, model directory round trip, runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import LatencyMs
from spikeglyph.train.stdp.export import torch_outputs
from spikeglyph.train.stdp.modelio import load_stdp_model, save_stdp_model
from spikeglyph.train.stdp.network import StdpNet
from tests.unit.stdp.conftest import stroke_images


def test_served_model_matches_torch_and_answers_through_the_runtime(
    tiny_net: StdpNet, tmp_path: Path
) -> None:
    images = stroke_images(16)
    manifest = save_stdp_model(
        tiny_net,
        tmp_path / "m",
        dataset="mnist",
        version="mnist-stdp-test",
        metrics={"val_accuracy": 0.5},
        training={},
        sample_images=images.flatten(1),
    )
    assert manifest.family == "stdp"
    assert manifest.metrics["onnx_parity"]["identical_spike_counts"] is True
    runner = ModelRunner(tmp_path / "m", device="cpu")
    batch = images.numpy()
    got = runner.run(batch)
    expected = torch_outputs(tiny_net, batch)
    assert np.array_equal(got.logits.argmax(1), expected["logits"].argmax(1))
    assert np.array_equal(got.layer_spikes, expected["layer_spikes"])
    assert np.array_equal(got.hidden_spikes, expected["hidden_spikes"])
    assert got.input_spikes is not None and got.input_spikes.shape == (16, 16, 784)
    # the vote: logits are the mean counts of each class's neurons, the last running vote
    assert np.allclose(got.membrane[:, -1], got.logits, atol=1e-5)
    assert np.array_equal(got.output_spikes.sum(1), got.spike_counts)
    assert np.array_equal(got.layer_spikes[:, 0], got.spike_counts.sum(1) + _silent(got, tiny_net))
    answer = runner.prediction(got, 0, LatencyMs(total=1.0))
    assert answer.spikes is not None and [x.name for x in answer.spikes.layers] == ["exc", "inh"]
    assert answer.spikes.hidden_neurons == manifest.energy["hidden_sample"]["indices"]
    assert answer.energy.sops > 0


def _silent(outputs: object, net: StdpNet) -> np.ndarray:
    """Spikes of unlabelled neurons (counted in the layer total, in no class)."""
    with torch.no_grad():
        images = torch.from_numpy(stroke_images(16).numpy())
        spikes = net.respond(images.flatten(1)).spikes
    return spikes[:, :, net.assignments < 0].sum((0, 2)).numpy()


def test_a_model_directory_loads_back_into_the_same_network(
    tiny_net: StdpNet, tmp_path: Path
) -> None:
    images = stroke_images(8)
    save_stdp_model(
        tiny_net,
        tmp_path / "m",
        dataset="mnist",
        version="mnist-stdp-test",
        metrics={},
        training={},
        sample_images=images.flatten(1),
    )
    loaded, manifest = load_stdp_model(tmp_path / "m")
    assert loaded.spec == tiny_net.spec
    assert torch.equal(loaded.weights, tiny_net.weights)
    assert torch.equal(loaded.assignments, tiny_net.assignments)
    assert torch.equal(loaded(images), tiny_net(images))
    assert manifest.neurons == {"exc": 24, "inh": 24}
