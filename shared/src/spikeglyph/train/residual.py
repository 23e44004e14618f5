"""Spike-element-wise residual blocks (SEW-ResNet, Fang et al. NeurIPS 2021).

A plain spiking ResNet adds the shortcut to a membrane current, so a block can only pass its
input through if its last neuron learns to be an identity, which spiking neurons do badly; deep
stacks then degrade. SEW blocks add *spikes*: ``out = S + SN(BN(conv(SN(BN(conv(S))))))`` with
the ``ADD`` connect function, so a block whose branch stays silent is exactly an identity and
gradients reach the early layers through the shortcut. With ``ADD`` the output may hold 2 where
both paths spike; the next layer receives it as two synaptic events, which is how the SOP count
charges it.

:class:`SEWBlock` runs on spikes ``[T·B, C, H, W]`` (every step at once through the
convolutions, the LIF time loop per block) and returns what the network's telemetry gathers
per spiking layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from spikeglyph.train.opcount import conv_fanout, per_step_total
from spikeglyph.train.plif import PLIF
from spikeglyph.train.spec import ArchSpec
from spikeglyph.train.surrogate import SpikeFn

BRANCH_LAYERS = 2  # spiking layers in a block's branch


@dataclass
class BlockRun:
    """What one block hands back: its output and, per branch layer, spikes and SOPs."""

    out: torch.Tensor  # [T·B, C, H, W]
    spikes: list[torch.Tensor] = field(default_factory=list)  # [T, B, C, H, W] per layer
    sops: list[torch.Tensor] = field(default_factory=list)  # [T, B, 1] per layer (telemetry)


class SEWBlock(nn.Module):
    """Two conv → BN → PLIF layers on ``channels`` maps of ``side``², spikes added to the input."""

    def __init__(self, channels: int, side: int, arch: ArchSpec) -> None:
        super().__init__()
        self.channels, self.side = channels, side
        pad = arch.kernel // 2
        self.convs = nn.ModuleList(
            nn.Conv2d(channels, channels, arch.kernel, padding=pad, bias=not arch.batch_norm)
            for _ in range(BRANCH_LAYERS)
        )
        self.norms = nn.ModuleList(
            nn.BatchNorm2d(channels) if arch.batch_norm else nn.Identity()
            for _ in range(BRANCH_LAYERS)
        )
        self.lifs = nn.ModuleList(PLIF(arch.neuron) for _ in range(BRANCH_LAYERS))
        self.register_buffer("fanout", conv_fanout(side, arch.kernel, channels), False)

    def neurons(self) -> int:
        """Neurons in each of the branch's spiking layers."""
        return self.channels * self.side * self.side

    def synapses_per_pass(self) -> int:
        """MACs of one branch convolution for one pass (padding products not counted)."""
        per_pair = int(conv_fanout(self.side, self.convs[0].kernel_size[0], 1).sum().item())
        return per_pair * self.channels * self.channels

    def forward(
        self, x: torch.Tensor, spike: SpikeFn, t_steps: int, telemetry: bool = False
    ) -> BlockRun:
        shape = (t_steps, -1, self.channels, self.side, self.side)
        run = BlockRun(out=x)
        branch = x
        for conv, norm, lif in zip(self.convs, self.norms, self.lifs, strict=True):
            if telemetry:
                fanout = self.fanout[0].expand(self.channels, -1, -1).reshape(-1)
                run.sops.append(per_step_total(branch, t_steps, self.neurons(), fanout))
            trace = lif(norm(conv(branch)).reshape(shape), spike)
            run.spikes.append(trace.spikes)
            branch = trace.spikes.reshape(-1, self.channels, self.side, self.side)
        run.out = x + branch
        return run
