"""Integer neuron dynamics with saturating registers: the pure kernels of the fixed-point copy.

Every value is an integer carried in a float tensor (float64 in the neuron loop, where every
intermediate stays far below 2⁵³, so the arithmetic is exact and ONNX Runtime reproduces it bit
for bit). A register of ``b`` signed bits holds −2^(b−1) … 2^(b−1) − 1; a value written to it
outside that range is clamped to the nearest end (saturation), as fixed-point hardware does
instead of wrapping around. ``None`` as a width means an unbounded register: the reference the
widths are chosen against, not something a chip has.

One step of a layer of neurons (in units of the layer's membrane scale, see ``convert``)::

    U ← sat_M(round(β_q·U / 2⁸) + I − ϑ_q·S)      reset by subtraction
    U ← sat_M(round(β_q·U·(1 − S) / 2⁸) + I)      reset to zero
    a ← sat_M(round(ρ_q·a / 2⁸) + γ_q·S)          adaptive threshold only
    S ← [U − ϑ_q − a > 0]

S is the previous step's spike, I the (already saturated) synaptic current, and the
right-hand sides are evaluated in a wider ALU before the result is written back, so only
the write saturates. ``round`` is round-half-to-even, as ``torch.round`` and ONNX ``Round``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

FRAC_BITS = 8  # decay factors are fractions β_q / 2^FRAC_BITS


class FixedLIF(NamedTuple):
    """Integer constants of one LIF layer (in units of its membrane scale)."""

    beta_q: int  # decay · 2^FRAC_BITS
    threshold_q: int
    reset: str  # "subtract" | "zero"
    rho_q: int | None = None  # adaptation decay · 2^FRAC_BITS; None = fixed threshold
    gamma_q: int = 0  # adaptation kick per spike


class RegisterUse(NamedTuple):
    """How a register was used: writes clamped and the largest |value| written before the
    clamp (what an unbounded register would have held)."""

    clamped: int
    writes: int
    peak: int


class FixedTrace(NamedTuple):
    """What :func:`fixed_lif_sequence` returns."""

    spikes: torch.Tensor  # [T, ...] 0/1, float64
    membrane: torch.Tensor  # [T, ...] U after the update (before the reset of the next step)
    use: RegisterUse | None  # membrane and adaptation registers, per neuron-step; if counted


def signed_range(bits: int) -> tuple[int, int]:
    """The smallest and largest value of a ``bits``-bit two's complement register."""
    if bits < 2:
        raise ValueError(f"a signed register needs at least 2 bits, not {bits}")
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def saturate(value: torch.Tensor, bits: int | None) -> torch.Tensor:
    """``value`` written to a ``bits``-bit signed register: clamped to its range."""
    if bits is None:
        return value
    low, high = signed_range(bits)
    return value.clamp(float(low), float(high))


def register_use(value: torch.Tensor, bits: int | None) -> RegisterUse:
    """What writing ``value`` to a ``bits``-bit register does: entries clamped, peak |value|."""
    peak = int(value.abs().max()) if value.numel() else 0
    if bits is None:
        return RegisterUse(0, value.numel(), peak)
    low, high = signed_range(bits)
    return RegisterUse(int(((value < low) | (value > high)).sum()), value.numel(), peak)


def fixed_round(value: torch.Tensor, fraction_q: int) -> torch.Tensor:
    """round(fraction_q · value / 2^FRAC_BITS): a fixed-point multiply with rounding."""
    return torch.round(value * float(fraction_q) / float(2**FRAC_BITS))


def fixed_lif_sequence(
    current: torch.Tensor,
    params: FixedLIF,
    steps: int | None = None,
    *,
    membrane_bits: int | None = None,
    count: bool = False,
) -> FixedTrace:
    """Integer LIF over T steps with ``membrane_bits``-bit saturating state (module docstring).

    ``current`` holds integers, ``[T, ...]``, or ``[...]`` with ``steps`` for a constant input.
    With ``count`` the trace also says how many neuron-steps saturated (membrane or adaptation
    register) and the largest |value| written; left out otherwise, so the exported graph holds
    no counting.
    """
    current = current.double()
    constant = steps is not None
    t_steps = steps if steps is not None else int(current.shape[0])
    shape = current.shape if constant else current.shape[1:]
    mem = current.new_zeros(shape)
    prev = current.new_zeros(shape)
    adapt = current.new_zeros(shape) if params.rho_q is not None else None
    spikes, membranes = [], []
    clamped, peak = 0, 0
    for t in range(t_steps):
        drive = current if constant else current[t]
        if params.reset == "zero":
            update = fixed_round(mem * (1.0 - prev), params.beta_q) + drive
        else:
            update = fixed_round(mem, params.beta_q) + drive - float(params.threshold_q) * prev
        mem = saturate(update, membrane_bits)
        saturated = (update != mem) if count else None
        if count:
            peak = max(peak, int(update.abs().max()))
        threshold: torch.Tensor | float = float(params.threshold_q)
        if adapt is not None and params.rho_q is not None:
            adapt_update = fixed_round(adapt, params.rho_q) + float(params.gamma_q) * prev
            adapt = saturate(adapt_update, membrane_bits)
            if saturated is not None:
                saturated |= adapt_update != adapt
                peak = max(peak, int(adapt_update.abs().max()))
            threshold = float(params.threshold_q) + adapt
        if saturated is not None:
            clamped += int(saturated.sum())
        out = (mem - threshold > 0).to(mem.dtype)
        spikes.append(out)
        membranes.append(mem)
        prev = out
    membrane = torch.stack(membranes)
    use = RegisterUse(clamped, membrane.numel(), peak) if count else None
    return FixedTrace(torch.stack(spikes), membrane, use)
