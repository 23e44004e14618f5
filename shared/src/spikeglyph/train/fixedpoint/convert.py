"""From float parameters to integer ones: folding, 8-bit weights, integer neuron constants.

The register widths of the emulated chip are :class:`BitWidths`. Their defaults were chosen on
validation data, by the rule of :mod:`spikeglyph.train.fixedpoint.sweep`, for both shipped
models (``bench/bench_fixedpoint.py`` records the sweeps in ``docs/bench/fixedpoint.json``):

* membrane: the smallest width whose validation accuracy (accumulator unbounded) is within
  0.1 point of the unbounded copy for every shipped model, and stays so for every wider one;
* accumulator: the same, with the membrane width just chosen (which sets the units the
  current register counts in: see :func:`membrane_shift`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
from torch import nn

from spikeglyph.errors import InvalidModel
from spikeglyph.train.fixedpoint.kernels import FRAC_BITS, FixedLIF, signed_range
from spikeglyph.train.network import MNIST_MEAN, MNIST_STD, SpikingNet

WEIGHT_BITS = 8
ACCUMULATOR_BITS = 9
MEMBRANE_BITS = 10
# A layer's membrane register holds at least ±2^HEADROOM_BITS thresholds (see membrane_shift).
HEADROOM_BITS = 2


class BitWidths(NamedTuple):
    """Signed register widths; ``None`` is an unbounded register (a reference, not a chip)."""

    accumulator: int | None = ACCUMULATOR_BITS  # a synaptic current: Σ W_q·x_q + b_q
    membrane: int | None = MEMBRANE_BITS  # membrane potential and threshold adaptation


UNBOUNDED = BitWidths(None, None)


@dataclass(frozen=True)
class LayerScale:
    """How one synaptic layer's integers map back to its float values."""

    name: str
    weight_scale: float
    input_scale: float
    max_partial_sum: int  # bound on |Σ W_q·x_q| + |b_q|: the float32 carrier needs < 2^24
    shift: int = 0  # membrane units are accumulator units · 2^shift

    @property
    def accumulator_scale(self) -> float:
        return self.weight_scale * self.input_scale

    @property
    def membrane_scale(self) -> float:
        return self.accumulator_scale * float(2**self.shift)


def folded_layers(net: SpikingNet) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(name, weight, bias) of every synaptic layer with BN and input normalisation folded in."""
    layers = []
    for i, (conv, norm) in enumerate(zip(net.convs, net.norms, strict=True)):
        weight = conv.weight.detach().clone()
        bias = (
            conv.bias.detach().clone() if conv.bias is not None else torch.zeros(conv.out_channels)
        )
        if isinstance(norm, nn.BatchNorm2d):
            assert norm.running_var is not None and norm.running_mean is not None
            gain = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps)
            weight = weight * gain.view(-1, 1, 1, 1)
            bias = (bias - norm.running_mean) * gain + norm.bias.detach()
        layers.append((f"conv{i + 1}", weight, bias))
    for i, fc in enumerate(net.fcs):
        layers.append((f"fc{i + 1}", fc.weight.detach().clone(), fc.bias.detach().clone()))
    layers.append(("readout", net.readout.weight.detach().clone(), net.readout.bias.detach()))
    if net.encoder.kind == "direct":  # (x − m)/s folded: W' = W/s, b' = b − (m/s)·ΣW
        name, weight, bias = layers[0]
        dims = tuple(range(1, weight.dim()))
        layers[0] = (name, weight / MNIST_STD, bias - MNIST_MEAN / MNIST_STD * weight.sum(dims))
    return layers


def quantise(weight: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Symmetric per-layer 8-bit quantisation: (int8 weights, scale)."""
    levels = 2 ** (WEIGHT_BITS - 1) - 1
    scale = float(weight.abs().max()) / levels or 1.0
    return torch.round(weight / scale).clamp(-levels, levels).to(torch.int8), scale


def partial_sum_bound(weight_q: torch.Tensor, bias_q: torch.Tensor, in_max: int) -> int:
    """The largest |Σ W_q·x_q + b_q| any input in 0 … ``in_max`` can produce."""
    dims = tuple(range(1, weight_q.dim()))
    bound = weight_q.abs().to(torch.int64).sum(dims) * in_max + bias_q.abs().to(torch.int64)
    return int(bound.max())


def membrane_shift(threshold_units: float, membrane_bits: int | None) -> int:
    """The smallest right shift k of a layer's synaptic sums (current and membrane registers
    then count in units of s_acc·2^k) that leaves its threshold at most 2^(M−1−HEADROOM_BITS),
    so an M-bit membrane holds a few thresholds' worth of charge. A chip's compiler does the
    same with a per-layer weight exponent; a direct-input first layer, in units of 1/255 of a
    pixel, needs it most. Unbounded membranes are never shifted."""
    if membrane_bits is None:
        return 0
    limit = 2 ** max(membrane_bits - 1 - HEADROOM_BITS, 0)
    shift = 0
    while round(threshold_units / 2**shift) > limit:
        shift += 1
    return shift


def lif_constants(params: Any, unit: float) -> FixedLIF:
    """A hidden layer's :class:`~spikeglyph.train.neurons.LIFParams` in units of ``unit``."""
    beta = float(params.beta.detach())
    rho = None if params.adapt_decay is None else round(params.adapt_decay * 2**FRAC_BITS)
    return FixedLIF(
        beta_q=round(beta * 2**FRAC_BITS),
        threshold_q=round(params.threshold / unit),
        reset=params.reset,
        rho_q=rho,
        gamma_q=round(params.adapt_strength / unit),
    )


def readout_constants(threshold: float, unit: float) -> FixedLIF:
    """The non-leaky integrate-and-fire output neurons (β = 1, reset by subtraction)."""
    return FixedLIF(2**FRAC_BITS, round(threshold / unit), "subtract")


def check_representable(name: str, lif: FixedLIF, membrane_bits: int | None) -> None:
    """Refuse a membrane register too narrow to exceed the layer's threshold (its neurons could
    never fire) or to hold its adaptation kick."""
    if membrane_bits is None:
        return
    _, high = signed_range(membrane_bits)
    needed = max(lif.threshold_q, lif.gamma_q if lif.rho_q is not None else 0)
    if needed >= high:
        raise InvalidModel(
            f"{name}: a {membrane_bits}-bit membrane holds at most {high}, which does not "
            f"exceed the layer's threshold {needed}; use wider membranes"
        )
