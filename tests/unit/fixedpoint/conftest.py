"""Tiny untrained networks for the fixed-point tests (no dataset needed)."""

from __future__ import annotations

import torch

from spikeglyph.train.network import SpikingNet
from spikeglyph.train.spec import ArchSpec, EncoderSpec, NeuronSpec


def conv_net(
    encoder: str = "direct", pool: str = "spikes", adaptive: bool = True, drive: float = 1.0
) -> SpikingNet:
    """A two-block conv SNN (T = 4) with non-trivial batch-norm statistics; ``drive`` scales
    every synaptic layer's output (large: membranes run far past their thresholds)."""
    torch.manual_seed(0)
    arch = ArchSpec(
        kind="conv",
        channels=(4, 6),
        hidden=(16,),
        neuron=NeuronSpec(adaptive=adaptive, tau_init=3.0),
        hidden_sample=8,
        pool=pool,  # type: ignore[arg-type]
    )
    net = SpikingNet(arch, EncoderSpec(kind=encoder), timesteps=4)  # type: ignore[arg-type]
    for norm in net.norms:
        norm.running_mean.uniform_(-0.2, 0.2)
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.data.uniform_(0.5, 1.5).mul_(drive)
        norm.bias.data.mul_(drive)
    for linear in [*net.fcs, net.readout]:
        linear.weight.data.mul_(drive)
        linear.bias.data.mul_(drive)
    return net.eval()
