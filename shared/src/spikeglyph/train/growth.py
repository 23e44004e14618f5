"""Error-driven widening of a fully-connected surrogate-gradient network's hidden layers.

*Where.* On the images the network answers wrongly, each hidden unit's error signal is its
Taylor saliency g_u = |Σ_t s_{u,t} · ∂L/∂s_{u,t}| (Molchanov et al. 2017, as
:func:`spikeglyph.train.plasticity.unit_stats` measures it), here restricted to those
images; the layer with the largest mean signal per unit, l* = argmax_l (1/U_l) Σ_u g_{l,u},
is where the gradient of the errors concentrates, and it grows.

*How.* The new units' input weights are the layer's inputs on misclassified images, averaged
over time (the pixels for the first layer, the spike rates of the layer below otherwise),
centred and scaled to the mean norm of the layer's existing rows, so each new unit starts as a
detector of one error; their output weights are zero, so the network answers exactly as
before and training decides what they become (:func:`spikeglyph.train.plasticity.rebuild`
carries every other weight over).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from spikeglyph.train.evaluation import to_tensor
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.plasticity import LayerPlan, rebuild, unit_stats


@dataclass(frozen=True)
class Widening:
    """One growth step: the layer that grew, by how much, and every layer's error signal."""

    layer: int
    added: int
    signal: list[float]  # mean error saliency per unit, per hidden layer
    widths: tuple[int, ...]  # hidden widths after growing


def hidden_widths(net: SpikingNet) -> tuple[int, ...]:
    return tuple(int(fc.out_features) for fc in net.fcs)


@torch.no_grad()
def predictions(net: SpikingNet, images: np.ndarray, batch: int = 500) -> np.ndarray:
    net.eval()
    out = [
        net(to_tensor(images[i : i + batch])).logits.argmax(1) for i in range(0, len(images), batch)
    ]
    return torch.cat(out).numpy()


def error_signal(net: SpikingNet, images: np.ndarray, labels: np.ndarray) -> list[float]:
    """Mean Taylor saliency per unit of each hidden layer on ``images`` (the errors)."""
    return [float(stats.saliency.mean()) for stats in unit_stats(net, images, labels)]


@torch.no_grad()
def _layer_inputs(net: SpikingNet, images: np.ndarray, layer: int) -> torch.Tensor:
    """[K, fan-in]: what hidden layer ``layer`` receives from each image, averaged over time."""
    x = to_tensor(images)
    if layer == 0:
        return x.flatten(1)
    taps: list[torch.Tensor] = []
    net.eval()
    net(x, taps=taps)
    return taps[layer - 1].mean(0).flatten(1)


def widen_where_errors(
    net: SpikingNet, images: np.ndarray, labels: np.ndarray, units: int, seed: int
) -> tuple[SpikingNet, Widening]:
    """``net`` with ``units`` more units in the hidden layer where the errors' gradient
    concentrates, started from misclassified images among ``images``; ``net`` is unchanged.
    With no error among ``images`` the network is returned as it is (``added`` = 0)."""
    if net.arch.kind != "fc":
        raise ValueError("error-driven widening grows fully-connected hidden layers only")
    wrong = np.flatnonzero(predictions(net, images) != labels)
    widths = hidden_widths(net)
    if len(wrong) == 0 or units == 0:
        return net, Widening(0, 0, [0.0] * len(widths), widths)
    signal = error_signal(net, images[wrong], labels[wrong])
    layer = int(np.argmax(signal))
    pick = np.random.default_rng(seed).choice(wrong, size=units, replace=len(wrong) < units)
    inputs = _layer_inputs(net, images[pick], layer)
    plans = [LayerPlan(np.arange(w), units if i == layer else 0) for i, w in enumerate(widths)]
    grown = rebuild(net, plans)
    with torch.no_grad():
        old = net.fcs[layer].weight
        rows = inputs - inputs.mean(1, keepdim=True)
        scale = old.norm(dim=1).mean() / rows.norm(dim=1, keepdim=True).clamp(min=1e-12)
        grown.fcs[layer].weight[len(old) :] = rows * scale
    return grown, Widening(layer, units, signal, hidden_widths(grown))
