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

from spikeglyph.train.surrogate import SpikeFn, heaviside, threshold_step


class LIFParams(NamedTuple):
    beta: torch.Tensor  # decay per step, 0 < β < 1 (scalar tensor)
    threshold: float | torch.Tensor  # a tensor: per sample (the what-if graph's scaled ϑ)
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
    # Time is kept as a leading axis of size 1 on every per-step tensor (``split`` in, ``cat``
    # out): the exported graph then needs no Gather/Unsqueeze per step, only one Split and one
    # Concat per layer.
    drives = [current.unsqueeze(0)] * steps if steps is not None else list(current.split(1))
    # U[-1] = S[-1] = a[-1] = 0, so the first step needs no zero tensors (and the graph no
    # ConstantOfShape).
    mem = drives[0]
    prev: torch.Tensor | None = None
    adapt: torch.Tensor | None = None
    spikes = []
    membranes = []
    for drive in drives:
        threshold: torch.Tensor | float = params.threshold
        if prev is not None:
            fixed_unit = not isinstance(params.threshold, torch.Tensor) and params.threshold == 1.0
            reset = prev if fixed_unit else params.threshold * prev
            if params.reset == "zero":
                mem = params.beta * mem * (1.0 - prev) + drive
            else:
                mem = params.beta * mem + drive - reset
            if params.adapt_decay is not None:
                kick = params.adapt_strength * prev
                adapt = kick if adapt is None else params.adapt_decay * adapt + kick
                threshold = params.threshold + adapt
        # Θ(U − ϑ) is U > ϑ exactly (IEEE subtraction of distinct floats is never zero); with a
        # fixed threshold it is exported as one node instead of a comparison and a cast.
        out = threshold_step(mem, threshold) if spike is heaviside else spike(mem - threshold)
        spikes.append(out)
        if record_membrane:
            membranes.append(mem)
        prev = out.detach()
    return LIFTrace(torch.cat(spikes), torch.cat(membranes) if record_membrane else None)


def if_readout(current: torch.Tensor, threshold: float | torch.Tensor, spike: SpikeFn) -> LIFTrace:
    """Non-leaky integrate-and-fire output neurons (β = 1) with reset by subtraction.

    Their charge is conserved, so Σ_t I[t] = ϑ·(spikes before T) + U[T]: the spike count is the
    coarse decision and the mean input current (the logits) refines it without ever
    contradicting it.
    """
    beta = current.new_ones(())
    return lif_sequence(
        current, LIFParams(beta, threshold, "subtract"), spike, record_membrane=True
    )
