"""Parametric LIF neurons (PLIF, Fang et al. ICCV 2021): a thin module over the LIF kernel.

The module owns one learnable parameter, the decay logit w with β = sigmoid(w), and hands
the neuron's parameters to the pure time loop :func:`spikeglyph.train.neurons.lif_sequence`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from spikeglyph.train.neurons import LIFParams, LIFTrace, lif_sequence
from spikeglyph.train.spec import NeuronSpec
from spikeglyph.train.surrogate import SpikeFn


class PLIF(nn.Module):
    """A layer of LIF neurons with a learnable decay β = sigmoid(w) (one per layer)."""

    def __init__(self, spec: NeuronSpec) -> None:
        super().__init__()
        self.spec = spec
        beta0 = 1.0 - 1.0 / spec.tau_init
        w0 = math.log(beta0 / (1.0 - beta0))
        self.decay_logit = nn.Parameter(torch.tensor(w0), requires_grad=spec.learn_decay)

    @property
    def beta(self) -> torch.Tensor:
        return torch.sigmoid(self.decay_logit)

    def params(self) -> LIFParams:
        spec = self.spec
        return LIFParams(
            beta=self.beta,
            threshold=spec.threshold,
            reset=spec.reset,
            adapt_decay=spec.adapt_decay if spec.adaptive else None,
            adapt_strength=spec.adapt_strength,
        )

    def forward(
        self,
        current: torch.Tensor,
        spike: SpikeFn,
        steps: int | None = None,
        scale: torch.Tensor | None = None,
    ) -> LIFTrace:
        """``scale`` ``[B]`` multiplies the threshold of each sample's neurons (the what-if
        graph's knob); ``current`` is ``[T, B, ...]``, or ``[B, ...]`` with ``steps``."""
        params = self.params()
        if scale is not None:
            lead = 1 if steps is not None else 2
            shape = (-1,) + (1,) * (current.dim() - lead)
            params = params._replace(threshold=params.threshold * scale.reshape(shape))
        return lif_sequence(current, params, spike, steps=steps)
