"""NIR round trip: the file read back has the model's graph and parameters."""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import pytest
import torch

from spikeglyph.errors import InvalidModel
from spikeglyph.train.modelio import load_model
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.nir_export import DT, export_nir, folded_conv, to_nir
from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec


def chain(graph: nir.NIRGraph) -> list[str]:
    """Node names in edge order (the exported graph is a chain from input to output)."""
    following = dict(graph.edges)
    names = ["input"]
    while names[-1] in following:
        names.append(following[names[-1]])
    return names


def test_fc_model_round_trips_with_weights_decays_and_thresholds(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    net, _ = load_model(tiny_model_dir)
    graph = nir.read(export_nir(tiny_model_dir, tmp_path / "model.nir"))
    assert chain(graph) == ["input", "fc1", "lif_fc1", "readout", "output_if", "output"]
    assert len(graph.edges) == 5
    fc1, readout = graph.nodes["fc1"], graph.nodes["readout"]
    assert isinstance(fc1, nir.Affine) and isinstance(graph.nodes["lif_fc1"], nir.LIF)
    assert np.allclose(fc1.weight, net.fcs[0].weight.detach().numpy())
    assert np.allclose(fc1.bias, net.fcs[0].bias.detach().numpy())
    assert np.allclose(readout.weight, net.readout.weight.detach().numpy())
    lif = graph.nodes["lif_fc1"]
    beta = float(net.fc_lifs[0].beta)
    assert lif.tau.shape == (128,)
    # Euler at dt: v ← (1 − dt/τ)·v + (dt/τ)·R·I must be v ← β·v + I
    assert np.allclose(1.0 - DT / lif.tau, beta, atol=1e-6)
    assert np.allclose(DT / lif.tau * lif.r, 1.0, atol=1e-5)
    assert np.allclose(lif.v_threshold, net.arch.neuron.threshold)
    assert np.allclose(graph.nodes["output_if"].v_threshold, net.arch.neuron.threshold)


def conv_net(adaptive: bool = False) -> SpikingNet:
    torch.manual_seed(1)
    arch = ArchSpec(
        kind="conv", channels=(3, 5), hidden=(12,), neuron=NeuronSpec(adaptive=adaptive)
    )
    net = SpikingNet(arch, EncoderSpec(kind="direct"), timesteps=4)
    for norm in net.norms:
        norm.running_mean.uniform_(-0.3, 0.3)
        norm.running_var.uniform_(0.5, 2.0)
    return net.eval()


def test_conv_model_exports_pooling_as_sum_pool_and_threshold(tmp_path: Path) -> None:
    net = conv_net()
    nir.write(tmp_path / "conv.nir", to_nir(net))
    graph = nir.read(tmp_path / "conv.nir")
    assert chain(graph) == [
        "input", "conv1", "lif_conv1", "pool1", "spike1", "conv2", "lif_conv2", "pool2",
        "spike2", "flatten", "fc1", "lif_fc1", "readout", "output_if", "output",
    ]  # fmt: skip
    weight, bias = folded_conv(net, 1)
    conv2 = graph.nodes["conv2"]
    assert np.allclose(conv2.weight, weight.numpy(), atol=1e-6)
    assert np.allclose(conv2.bias, bias.numpy(), atol=1e-6)
    # the folded conv computes what conv → batch norm computes
    x = torch.rand(2, 3, 14, 14)
    with torch.no_grad():
        expected = net.norms[1](net.convs[1](x))
        got = torch.nn.functional.conv2d(
            x, torch.from_numpy(conv2.weight), torch.from_numpy(conv2.bias), padding=1
        )
    assert torch.allclose(expected, got, atol=1e-5)
    assert graph.nodes["lif_conv1"].tau.shape == (3, 28, 28)
    assert np.all(graph.nodes["spike2"].threshold == 0.5)


def test_adaptive_threshold_models_are_refused() -> None:
    with pytest.raises(InvalidModel, match="adaptive"):
        to_nir(conv_net(adaptive=True))


def test_models_that_pool_currents_are_refused() -> None:
    net = SpikingNet(ArchSpec(channels=(3,), hidden=(4,), pool="current"), EncoderSpec(), 2)
    with pytest.raises(InvalidModel, match="max-pools input currents") as refused:
        to_nir(net)
    assert "models/mnist-spikes" in str(refused.value) and "--pool spikes" in str(refused.value)
