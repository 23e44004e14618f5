"""The STDP network with a learnt readout in place of the label vote.

The unsupervised layer (weights, thresholds, fixed input noise) is the frozen STDP model's;
``readout`` [N, C] holds the synapses from each excitatory neuron to the C output neurons,
learnt from reward (:mod:`.readout`). The class of an image is the output neuron with the
highest integrated input, ``counts · readout``. ``assignments`` records, for the rasters, the
class each excitatory neuron drives most.
"""

from __future__ import annotations

import torch

from spikeglyph.train.stdp.export import WEIGHT_GRID
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec


class RStdpNet(StdpNet):
    """An :class:`StdpNet` whose class decision is a learnt linear readout of spike counts."""

    readout: torch.Tensor  # [N, C]

    def __init__(self, spec: StdpSpec, classes: int = 10, hidden_sample: int = 32) -> None:
        super().__init__(spec, classes, hidden_sample)
        self.register_buffer("readout", torch.zeros(spec.neurons, classes))

    @classmethod
    def from_stdp(cls, net: StdpNet, readout: torch.Tensor) -> RStdpNet:
        """The frozen layer of ``net`` under ``readout`` (snapped to the exact-sum grid)."""
        out = cls(net.spec, net.classes, len(net.hidden_idx))
        state = {k: v for k, v in net.state_dict().items() if k != "assignments"}
        out.load_state_dict({**out.state_dict(), **state})
        out.set_readout(readout)
        return out

    @torch.no_grad()
    def set_readout(self, readout: torch.Tensor) -> None:
        """Store ``readout`` on the 2⁻¹³ grid: integer spike counts times grid values sum
        exactly in float32 in any order, so torch and ONNX Runtime agree bit for bit."""
        snapped = torch.round(readout.to(self.readout.dtype) / WEIGHT_GRID) * WEIGHT_GRID
        self.readout.copy_(snapped)
        self.assignments.copy_(snapped.argmax(1))

    def votes(self, counts: torch.Tensor) -> torch.Tensor:
        """Output potentials [..., C]: the counts integrated through the readout."""
        return counts @ self.readout
