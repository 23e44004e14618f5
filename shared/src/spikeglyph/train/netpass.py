"""What a :class:`~spikeglyph.train.network.SpikingNet` pass returns (:class:`NetOutputs`) and
what it gathers from layer to layer on the way (:class:`ForwardPass`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from spikeglyph.train.opcount import per_step_total
from spikeglyph.train.surrogate import SpikeFn


@dataclass
class NetOutputs:
    logits: torch.Tensor  # [B, C]
    rates: list[torch.Tensor]  # per hidden spiking layer: mean firing rate (scalar)
    spike_counts: torch.Tensor | None = None  # [B, C]
    membrane: torch.Tensor | None = None  # [B, T, C]
    output_spikes: torch.Tensor | None = None  # [B, T, C]
    layer_spikes: torch.Tensor | None = None  # [B, L]
    layer_sops: torch.Tensor | None = None  # [B, S]
    hidden_spikes: torch.Tensor | None = None  # [B, T, H]
    input_spikes: torch.Tensor | None = None  # [B, T, 784]


@dataclass
class ForwardPass:
    """What one forward pass gathers from layer to layer."""

    spike: SpikeFn
    static: bool  # the input is still a constant current (direct encoding, first layer)
    telemetry: bool
    input_spikes: torch.Tensor | None
    threshold_scale: torch.Tensor | None = None  # [B]: the what-if graph's threshold knob
    spikes: list[torch.Tensor] = field(default_factory=list)  # [T, B, ...] per spiking layer
    sops: list[torch.Tensor] = field(default_factory=list)  # [T, B, 1] per synaptic layer
    fanouts: list[float] = field(default_factory=list)  # what multiplies each into SOPs

    def count_sops(self, x: torch.Tensor, t_steps: int, units: int, fanout: float) -> None:
        self.sops.append(per_step_total(x, t_steps, units))
        self.fanouts.append(fanout)
