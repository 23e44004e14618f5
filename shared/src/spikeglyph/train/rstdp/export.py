"""ONNX graph of an R-STDP network and its torch ↔ ONNX Runtime parity check.

The same runtime interface as the STDP graph (:mod:`spikeglyph.train.stdp.export`), with
the readout's output neurons in place of the vote:

``logits`` [B, C]
    each output neuron's potential at the end of the presentation, ``counts · readout``;
``membrane`` [B, T, C]
    the potentials step by step (non-leaky integration of the excitatory spikes);
``output_spikes`` [B, T, C] / ``spike_counts`` [B, C]
    the winner-take-all output: the neuron with the highest potential fires once, at the last
    step (the answer), the others are inhibited;
``layer_spikes`` [B, 3]
    excitatory, inhibitory and output spikes;
``layer_sops`` [B, 4]
    the STDP graph's three synaptic layers plus excitatory → output (C per excitatory spike).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from spikeglyph.train.rstdp.network import RStdpNet
from spikeglyph.train.stdp.export import (
    graph_outputs,
    presented_sops,
)


class RStdpServedGraph(nn.Module):
    """What the ONNX graph computes, as a module (also the torch side of the parity check)."""

    def __init__(self, net: RStdpNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        net = self.net
        responses = net.present_all(image.flatten(1))
        response = net.choose(responses)
        spikes = response.spikes  # [T, B, N]
        per_step = spikes @ net.readout  # [T, B, C]
        running = torch.cumsum(per_step, 0)
        logits = running[-1]
        classes = torch.arange(net.classes, device=logits.device)
        winner = (classes.unsqueeze(0) == logits.argmax(1, keepdim=True)).to(spikes.dtype)
        last = torch.arange(spikes.shape[0], device=logits.device) == spikes.shape[0] - 1
        output_spikes = last.to(spikes.dtype).view(1, -1, 1) * winner.unsqueeze(1)
        exc = spikes.sum((0, 2))
        inh = spikes[:-1].sum((0, 2))
        sops = presented_sops(net, responses)
        readout_sops = (exc * float(net.classes)).unsqueeze(1)
        return (
            logits,
            winner,
            running.transpose(0, 1),
            output_spikes,
            torch.stack([exc, inh, winner.sum(1)], 1),
            torch.cat([sops, readout_sops], 1),
            spikes[:, :, net.hidden_idx].transpose(0, 1),
            response.inputs.transpose(0, 1),
        )


def torch_outputs(net: RStdpNet, images: np.ndarray) -> dict[str, np.ndarray]:
    """The torch answers for float images [B, 1, 28, 28]."""
    return graph_outputs(RStdpServedGraph(net.cpu().eval()), images)
