"""Energy of exported surrogate-family graphs, counted by hand on tiny networks.

Every weight is set by hand (all others 0, no batch norm, no biases unless said), the image is
a few white pixels on black, and T = 3, so each neuron's membrane can be followed on paper.
With decay β = 0.5 (τ = 2), threshold 1 and reset by subtraction, a neuron fed a constant
current I per step has U₀ = I, U₁ = 0.5·U₀ + I − S₀, U₂ = 0.5·U₁ + I − S₁:

* I = 1.5 (or more) fires at every step (U = 1.5, 1.25, 1.125);
* I = 0.7 fires once, at t₁ (U = 0.7, 1.05, 0.225);
* I ≤ 0 never fires.

The check goes through what the services run: the ONNX graph's ``layer_sops`` and
``layer_spikes``, the manifest's ``energy`` block and the prediction's energy estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import LatencyMs
from spikeglyph.train.modelio import save_model
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.spec import ArchSpec, EncoderSpec

T = 3


@dataclass(frozen=True)
class Expected:
    """What a reader computes by hand for one network and image."""

    layer_sops: list[float]  # per synaptic layer, in the manifest's order
    layer_spikes: list[float]  # per spiking layer, output neurons last
    first_layer_macs: int
    ann_macs: int
    snn_nj: float
    ann_nj: float


def image(pixels: list[tuple[int, int]]) -> np.ndarray:
    """White pixels (1.0) at ``pixels`` on black, [1, 1, 28, 28]."""
    out = np.zeros((1, 1, 28, 28), dtype=np.float32)
    for row, col in pixels:
        out[0, 0, row, col] = 1.0
    return out


def zero_parameters(net: SpikingNet) -> None:
    """Every weight and bias 0 (the decay logits are 0 already: β = sigmoid(0) = 0.5)."""
    for layer in [*net.convs, *net.fcs, net.readout]:
        layer.weight.zero_()
        layer.bias.zero_()


def served(net: SpikingNet, picture: np.ndarray, target: Path) -> ModelRunner:
    save_model(
        net,
        target,
        dataset="mnist",
        version=f"hand-{target.name}",
        metrics={},
        training={},
        sample_images=picture,
    )
    return ModelRunner(target, device="cpu")


def check(runner: ModelRunner, picture: np.ndarray, expected: Expected) -> None:
    out = runner.run(picture)
    assert out.layer_sops[0].tolist() == expected.layer_sops
    assert out.layer_spikes[0].tolist() == expected.layer_spikes
    energy_block = runner.manifest.energy
    assert energy_block["first_layer_macs"] == expected.first_layer_macs
    assert energy_block["ann_macs"] == expected.ann_macs
    energy = runner.prediction(out, 0, LatencyMs(total=1.0)).energy
    assert energy.sops == sum(expected.layer_sops)
    assert energy.macs == expected.first_layer_macs
    assert energy.ann_macs == expected.ann_macs
    assert energy.snn_nj == pytest.approx(expected.snn_nj, rel=1e-12)
    assert energy.ann_nj == pytest.approx(expected.ann_nj, rel=1e-12)
    assert energy.ratio == pytest.approx(expected.ann_nj / expected.snn_nj, rel=1e-12)


# --- conv: conv 3×3 (1→2) → LIF → pool → conv 3×3 (2→2) → LIF → pool → fc 98→3 → readout → 10
#
# White pixels at (0,0) corner, (0,10) top edge, (14,14) and (15,15): the last two share a
# 2×2 pooling window, so three 14×14 positions are active: (0,0), (0,5), (7,7).
CONV_INK = [(0, 0), (0, 10), (14, 14), (15, 15)]


def conv_net(encoder: str, pool: str) -> SpikingNet:
    arch = ArchSpec(
        kind="conv", channels=(2, 2), kernel=3, hidden=(3,), batch_norm=False, pool=pool
    )
    net = SpikingNet(arch, EncoderSpec(kind=encoder), T)
    with torch.no_grad():
        zero_parameters(net)
        # conv1 channel 0 sees only the pixel under its centre, × 1.5: a white pixel gives
        # 1.5 (a spike) or, normalised as direct input, 1.5·(1 − 0.1307)/0.3081 = 4.23; black
        # gives 0 or 1.5·(0 − 0.1307)/0.3081 = −0.64. conv1 channel 1 stays silent.
        net.convs[0].weight[0, 0, 1, 1] = 1.5
        # conv2 channel 0: centre tap 1.5 from conv1 channel 0; channel 1 silent.
        net.convs[1].weight[0, 0, 1, 1] = 1.5
        # fc1 on the 2×7×7 map (index c·49 + row·7 + col): neuron 0 listens to (0,0) × 1.5,
        # neuron 2 to (0,2) and (3,3) × 0.35 each, neuron 1 to nothing.
        net.fcs[0].weight[0, 0] = 1.5
        net.fcs[0].weight[2, 2] = 0.35
        net.fcs[0].weight[2, 24] = 0.35
        net.readout.weight[7, 0] = 1.5
    return net.eval()


# Operation counts every conv case shares. A 3×3 same-padded convolution on an s×s map has
# (3·s − 2)² synapses per (input, output) channel pair: a corner position reaches 2×2 outputs,
# an edge position 2×3, an inner one 3×3.
CONV1_MACS = 82 * 82 * 1 * 2  # 13,448
CONV2_MACS = 40 * 40 * 2 * 2  # 6,400
FC1_MACS = 2 * 7 * 7 * 3  # 294
READOUT_MACS = 3 * 10  # 30
CONV_ANN_MACS = CONV1_MACS + CONV2_MACS + FC1_MACS + READOUT_MACS  # 20,172
# conv2's inputs: conv1 channel 0 spikes at (0,0), (0,5), (7,7) of the 14×14 map at every step
# (pooled spikes or spikes of neurons on the pooled current: the same three), each reaching
# its 3×3 neighbours in 2 output channels: (4 + 6 + 9) × 2 = 38 per step, × 3 steps.
CONV2_SOPS = (4 + 6 + 9) * 2 * T  # 114
# conv2 channel 0 fires at those three positions at every step (current 1.5); pooled to 7×7
# they are (0,0), (0,2), (3,3): 3 spikes a step into fc1's 3 neurons.
FC1_SOPS = 3 * T * 3  # 27
# fc1: neuron 0 (current 1.5) fires 3 times, neuron 2 (0.35 + 0.35 = 0.7) once: 4 spikes to
# 10 output neurons.
READOUT_SOPS = (3 + 1) * 10  # 40
# The output neuron of class 7 integrates 1.5 a step without leak: fires at every step.
OUTPUT_SPIKES = 3


@pytest.mark.parametrize("pool", ["spikes", "current"])
def test_conv_with_direct_input(pool: str, tmp_path: Path) -> None:
    picture = image(CONV_INK)
    runner = served(conv_net("direct", pool), picture, tmp_path / f"conv-direct-{pool}")
    assert runner.manifest.energy["synaptic_layers"] == ["conv2", "fc1", "readout"]
    # conv1 neurons: pooling spikes, the four white pixels fire at every step (4 × 3); pooling
    # the current, the three 14×14 windows holding them do (3 × 3). conv2: 3 positions × 3.
    conv1_spikes = 4 * T if pool == "spikes" else 3 * T
    sops = CONV2_SOPS + FC1_SOPS + READOUT_SOPS  # 181
    check(
        runner,
        picture,
        Expected(
            layer_sops=[CONV2_SOPS, FC1_SOPS, READOUT_SOPS],
            layer_spikes=[conv1_spikes, 3 * T, 3 + 1, OUTPUT_SPIKES],
            # the analog first layer is computed once: its MACs, not T times
            first_layer_macs=CONV1_MACS,
            ann_macs=CONV_ANN_MACS,
            snn_nj=(sops * 0.9 + CONV1_MACS * 4.6) / 1000,  # (162.9 + 61,860.8) pJ = 62.02 nJ
            ann_nj=CONV_ANN_MACS * 4.6 / 1000,  # 92.79 nJ: ratio 1.50
        ),
    )


@pytest.mark.parametrize("pool", ["spikes", "current"])
def test_conv_with_rate_coded_input(pool: str, tmp_path: Path) -> None:
    picture = image(CONV_INK)
    runner = served(conv_net("rate", pool), picture, tmp_path / f"conv-rate-{pool}")
    assert runner.manifest.energy["synaptic_layers"] == ["conv1", "conv2", "fc1", "readout"]
    # A white pixel fires at every step (probability 1), black never. conv1's inputs: the
    # four pixels reach 2 channels × (corner 2×2, edge 2×3, inner 3×3, inner 3×3) outputs.
    conv1_sops = (4 + 6 + 9 + 9) * 2 * T  # 168
    sops = conv1_sops + CONV2_SOPS + FC1_SOPS + READOUT_SOPS  # 349
    conv1_spikes = 4 * T if pool == "spikes" else 3 * T
    check(
        runner,
        picture,
        Expected(
            layer_sops=[conv1_sops, CONV2_SOPS, FC1_SOPS, READOUT_SOPS],
            layer_spikes=[conv1_spikes, 3 * T, 3 + 1, OUTPUT_SPIKES],
            first_layer_macs=0,  # the first layer sees spikes: accumulates, counted above
            ann_macs=CONV_ANN_MACS,
            snn_nj=sops * 0.9 / 1000,  # 0.3141 nJ
            ann_nj=CONV_ANN_MACS * 4.6 / 1000,  # 92.79 nJ: ratio 295
        ),
    )


# --- fc: 784 → fc1 (3) → fc2 (2) → readout → 10 -----------------------------------------------
#
# Five white pixels; fc1 neuron 0 listens to (5,5) × 1.5, neuron 2 has bias 0.7 and no
# weights, neuron 1 nothing. fc2 neuron 0 listens to fc1 neuron 0 × 1.5.
FC_INK = [(0, 0), (5, 5), (5, 6), (10, 20), (27, 27)]
FC1_MACS_FC = 784 * 3  # 2,352
FC_ANN_MACS = FC1_MACS_FC + 3 * 2 + 2 * 10  # 2,378


def fc_net(encoder: str) -> SpikingNet:
    net = SpikingNet(ArchSpec(kind="fc", channels=(), hidden=(3, 2)), EncoderSpec(kind=encoder), T)
    with torch.no_grad():
        zero_parameters(net)
        net.fcs[0].weight[0, 5 * 28 + 5] = 1.5
        net.fcs[0].bias[2] = 0.7
        net.fcs[1].weight[0, 0] = 1.5
        net.readout.weight[7, 0] = 1.5
    return net.eval()


def test_fc_with_direct_input(tmp_path: Path) -> None:
    picture = image(FC_INK)
    runner = served(fc_net("direct"), picture, tmp_path / "fc-direct")
    assert runner.manifest.energy["synaptic_layers"] == ["fc2", "readout"]
    # fc1: neuron 0 gets 1.5·4.23 a step, fires 3 times; neuron 2 (0.7) once: 4 spikes × 2.
    # fc2: neuron 0 gets 1.5 a step, fires 3 times: 3 spikes × 10.
    sops = 4 * 2 + 3 * 10  # 38
    check(
        runner,
        picture,
        Expected(
            layer_sops=[4 * 2, 3 * 10],
            layer_spikes=[4, 3, 3],
            first_layer_macs=FC1_MACS_FC,
            ann_macs=FC_ANN_MACS,
            snn_nj=(sops * 0.9 + FC1_MACS_FC * 4.6) / 1000,  # 10.853 nJ
            ann_nj=FC_ANN_MACS * 4.6 / 1000,  # 10.939 nJ: the analog layer is nearly all of it
        ),
    )


def test_fc_with_rate_coded_input(tmp_path: Path) -> None:
    picture = image(FC_INK)
    runner = served(fc_net("rate"), picture, tmp_path / "fc-rate")
    assert runner.manifest.energy["synaptic_layers"] == ["fc1", "fc2", "readout"]
    # 5 white pixels fire at every step, each reaching fc1's 3 neurons; fc1 and fc2 as above.
    sops = 5 * T * 3 + 4 * 2 + 3 * 10  # 45 + 8 + 30 = 83
    check(
        runner,
        picture,
        Expected(
            layer_sops=[5 * T * 3, 4 * 2, 3 * 10],
            layer_spikes=[4, 3, 3],
            first_layer_macs=0,
            ann_macs=FC_ANN_MACS,
            snn_nj=sops * 0.9 / 1000,  # 0.0747 nJ
            ann_nj=FC_ANN_MACS * 4.6 / 1000,  # ratio 146
        ),
    )


def test_fc_with_latency_coded_input(tmp_path: Path) -> None:
    picture = image(FC_INK)
    runner = served(fc_net("latency"), picture, tmp_path / "fc-latency")
    # A white pixel fires once, at t₀. fc1 neuron 0 gets 1.5 at t₀ only: fires at t₀
    # (then U = 0.75 − 1, −0.125); neuron 2 still fires once on its bias: 2 spikes × 2.
    # fc2 neuron 0 fires once, at t₀: 1 spike × 10; the class-7 output neuron gets 1.5 once.
    sops = 5 * 1 * 3 + 2 * 2 + 1 * 10  # 15 + 4 + 10 = 29
    check(
        runner,
        picture,
        Expected(
            layer_sops=[5 * 1 * 3, 2 * 2, 1 * 10],
            layer_spikes=[2, 1, 1],
            first_layer_macs=0,
            ann_macs=FC_ANN_MACS,
            snn_nj=sops * 0.9 / 1000,  # 0.0261 nJ
            ann_nj=FC_ANN_MACS * 4.6 / 1000,  # ratio 419
        ),
    )
