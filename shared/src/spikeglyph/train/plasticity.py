"""Structural plasticity: prune silent or unimportant neurons, grow new ones where saturated.

The unit of structure is a **feature map** in convolutional layers and a **neuron** in
fully-connected ones. For each hidden unit we measure, on validation data:

* its spike count (so its SOP cost: spikes × fan-out, the same fan-out for a whole layer), and
* its saliency, the first-order Taylor estimate of the loss change if its spikes were removed,
  |Σ s · ∂L/∂s| (Molchanov et al. 2017), with the surrogate gradient.

Pruning removes the units with the lowest saliency per spike — silent units first (they cost
nothing but also do nothing), then those that spend the most synaptic operations for the least
effect on the loss. Growth adds units to layers whose mean firing rate shows saturation; new
units get small random input weights and zero output weights, so the network computes exactly
what it computed before and fine-tuning decides what they learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from spikeglyph.train.loop import to_tensor
from spikeglyph.train.network import SpikingNet

SATURATION_RATE = 0.25  # mean spikes per unit per step above which a layer grows
MIN_UNITS = 2
NEW_WEIGHT_SCALE = 0.01


@dataclass
class UnitStats:
    layer: str
    spikes: np.ndarray  # mean spikes per sample, per unit
    saliency: np.ndarray  # Taylor saliency, per unit
    rate: float  # mean firing rate of the layer (spikes per neuron per step)


def unit_stats(
    net: SpikingNet, images: np.ndarray, labels: np.ndarray, batch: int = 250
) -> list[UnitStats]:
    """Per-unit spikes and saliency of every hidden layer on uint8 ``images``."""
    net.eval()
    names = net.spiking_layer_names()[:-1]
    spikes = [None] * len(names)
    saliency = [None] * len(names)
    rates = np.zeros(len(names))
    n = 0
    for start in range(0, len(images), batch):
        x = to_tensor(images[start : start + batch])
        y = torch.from_numpy(labels[start : start + batch].astype(np.int64))
        taps: list[torch.Tensor] = []
        out = net(x, taps=taps)
        for tap in taps:
            tap.retain_grad()
        F.cross_entropy(out.logits, y, reduction="sum").backward()
        for i, tap in enumerate(taps):
            assert tap.grad is not None
            # [T, B, U, ...] → per unit: sum over time, batch and positions
            dims = [0, 1, *range(3, tap.dim())]
            s = tap.detach().sum(dims).numpy()
            g = (tap.detach() * tap.grad).sum(dims).abs().numpy()
            spikes[i] = s if spikes[i] is None else spikes[i] + s
            saliency[i] = g if saliency[i] is None else saliency[i] + g
            rates[i] += float(tap.detach().mean()) * len(x)
        net.zero_grad(set_to_none=True)
        n += len(x)
    return [
        UnitStats(name, spikes[i] / n, saliency[i] / n, rates[i] / n)
        for i, name in enumerate(names)
    ]


@dataclass
class LayerPlan:
    keep: np.ndarray  # indices of surviving units, ascending
    grow: int


def plan(stats: list[UnitStats], prune_fraction: float, grow_fraction: float) -> list[LayerPlan]:
    """Which units each hidden layer keeps, and how many it grows."""
    plans = []
    for layer in stats:
        units = len(layer.spikes)
        score = layer.saliency / (layer.spikes + 1e-3 * max(1e-9, float(layer.spikes.mean())))
        silent = layer.spikes <= 0
        n_prune = max(int(silent.sum()), round(prune_fraction * units))
        n_prune = min(n_prune, units - MIN_UNITS)
        order = np.lexsort((score, ~silent))  # silent first, then lowest saliency per spike
        keep = np.sort(order[n_prune:])
        grow = round(grow_fraction * units) if layer.rate > SATURATION_RATE else 0
        plans.append(LayerPlan(keep=keep, grow=grow))
    return plans


def _rows(weight: torch.Tensor, keep: torch.Tensor, grow: int, scale: float) -> torch.Tensor:
    kept = weight[keep]
    new = torch.randn((grow, *weight.shape[1:])) * scale
    return torch.cat([kept, new]) if grow else kept


def _cols(weight: torch.Tensor, keep: torch.Tensor, grow: int, block: int = 1) -> torch.Tensor:
    """Select input columns (in blocks of ``block`` for flattened conv maps), zero new ones."""
    idx = (keep[:, None] * block + torch.arange(block)[None, :]).flatten()
    kept = weight[:, idx]
    new = torch.zeros((weight.shape[0], grow * block, *weight.shape[2:]))
    return torch.cat([kept, new], 1) if grow else kept


@torch.no_grad()
def rebuild(net: SpikingNet, plans: list[LayerPlan]) -> SpikingNet:
    """A new network with each hidden layer resized by ``plans``, weights carried over."""
    n_conv = len(net.convs)
    widths = [len(p.keep) + p.grow for p in plans]
    arch = net.arch.with_widths(tuple(widths[:n_conv]), tuple(widths[n_conv:]))
    new = SpikingNet(arch, net.encoder, net.timesteps)
    keeps = [torch.from_numpy(p.keep).long() for p in plans]
    layers: list[nn.Module] = [*net.convs, *net.fcs]
    new_layers: list[nn.Module] = [*new.convs, *new.fcs]
    spatial = (28 // 2**n_conv) ** 2 if n_conv else 1
    for i, (old, fresh) in enumerate(zip(layers, new_layers, strict=True)):
        weight = _rows(old.weight, keeps[i], plans[i].grow, NEW_WEIGHT_SCALE)
        if i > 0:
            block = spatial if i == n_conv else 1
            weight = _cols(weight, keeps[i - 1], plans[i - 1].grow, block)
        fresh.weight.copy_(weight)
        if old.bias is not None:
            fresh.bias.copy_(torch.cat([old.bias[keeps[i]], torch.zeros(plans[i].grow)]))
    for old_norm, new_norm, keep, p in zip(net.norms, new.norms, keeps, plans, strict=False):
        if isinstance(old_norm, nn.BatchNorm2d):
            for name in ("weight", "bias", "running_mean", "running_var"):
                fill = 1.0 if name in ("weight", "running_var") else 0.0
                value = torch.cat([getattr(old_norm, name)[keep], torch.full((p.grow,), fill)])
                getattr(new_norm, name).copy_(value)
    last_block = spatial if not net.fcs else 1
    new.readout.weight.copy_(_cols(net.readout.weight, keeps[-1], plans[-1].grow, last_block))
    new.readout.bias.copy_(net.readout.bias)
    for old_lif, new_lif in zip(
        [*net.conv_lifs, *net.fc_lifs], [*new.conv_lifs, *new.fc_lifs], strict=True
    ):
        new_lif.decay_logit.copy_(old_lif.decay_logit)
    return new
