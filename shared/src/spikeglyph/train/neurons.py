"""Leaky integrate-and-fire dynamics as pure functions over time.

Discrete LIF with reset by subtraction, exactly snntorch's ``Leaky`` (``reset_delay=True``):

    U[t] = β·U[t-1] + I[t] − ϑ·S[t-1]          (S[t-1] detached, as snntorch does)
    S[t] = Θ(U[t] − ϑ[t])

with β = sigmoid(w) learnable per layer (PLIF, Fang et al. ICCV 2021) and, optionally, an
adaptive threshold ϑ[t] = ϑ₀ + a[t], a[t] = ρ·a[t-1] + γ·S[t-1] (ALIF, Bellec et al. 2018).
Reset to zero replaces the subtraction by U[t] = β·U[t-1]·(1 − S[t-1]) + I[t].

The functions run the whole time loop for one layer ("layer by layer" rather than snntorch's
"step by step" order): convolutions and linear maps then see all T steps as one batch, which is
what makes training fast on a CPU. A golden test checks the traces against ``snntorch.Leaky``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from spikeglyph.train.surrogate import SpikeFn


class LIFParams(NamedTuple):
    beta: torch.Tensor  # decay per step, 0 < β < 1 (scalar tensor)
    threshold: float
    reset: str  # "subtract" | "zero"
    adapt_decay: float | None = None  # ρ; None = fixed threshold
    adapt_strength: float = 0.0  # γ


class LIFTrace(NamedTuple):
    spikes: torch.Tensor  # [T, ...] 0/1
    membrane: torch.Tensor | None  # [T, ...] U[t] before reset, when recorded


def lif_sequence(
    current: torch.Tensor,
    params: LIFParams,
    spike: SpikeFn,
    *,
    steps: int | None = None,
    record_membrane: bool = False,
) -> LIFTrace:
    """Run LIF neurons over T steps.

    ``current`` is ``[T, ...]``, or ``[...]`` with ``steps=T`` for a constant input (the direct
    encoding of a static image: its first layer is computed once, not T times).
    """
    constant = steps is not None
    t_steps = steps if steps is not None else int(current.shape[0])
    shape = current.shape if constant else current.shape[1:]
    mem = current.new_zeros(shape)
    prev = current.new_zeros(shape)
    adapt = current.new_zeros(shape) if params.adapt_decay is not None else None
    spikes = []
    membranes = []
    for t in range(t_steps):
        drive = current if constant else current[t]
        if params.reset == "zero":
            mem = params.beta * mem * (1.0 - prev) + drive
        else:
            mem = params.beta * mem + drive - params.threshold * prev
        threshold: torch.Tensor | float = params.threshold
        if adapt is not None and params.adapt_decay is not None:
            adapt = params.adapt_decay * adapt + params.adapt_strength * prev
            threshold = params.threshold + adapt
        out = spike(mem - threshold)
        spikes.append(out)
        if record_membrane:
            membranes.append(mem)
        prev = out.detach()
    return LIFTrace(torch.stack(spikes), torch.stack(membranes) if record_membrane else None)


def if_readout(current: torch.Tensor, threshold: float, spike: SpikeFn) -> LIFTrace:
    """Non-leaky integrate-and-fire output neurons (β = 1) with reset by subtraction.

    Their charge is conserved, so Σ_t I[t] = ϑ·(spikes before T) + U[T]: the spike count is the
    coarse decision and the mean input current (the logits) refines it without ever
    contradicting it.
    """
    beta = current.new_ones(())
    return lif_sequence(
        current, LIFParams(beta, threshold, "subtract"), spike, record_membrane=True
    )
