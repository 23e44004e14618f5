"""Spike functions: Heaviside forward, a surrogate derivative backward (chosen by name).

The surrogates are snntorch's own (``snntorch.surrogate``); :func:`heaviside` is the plain step
used when exporting to ONNX, and :func:`threshold_step` is Θ(U − ϑ) as it is exported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from snntorch import surrogate as snn_surrogate

SpikeFn = Callable[[torch.Tensor], torch.Tensor]


def heaviside(x: torch.Tensor) -> torch.Tensor:
    """Θ(x): 1 where x > 0 — snntorch's forward convention, exportable to ONNX."""
    return (x > 0).to(x.dtype)


class _ThresholdStep(torch.autograd.Function):
    """Θ(U − ϑ) for a fixed ϑ > 0, exported as one ``HardSigmoid`` instead of Greater → Cast.

    ONNX has no float-valued step. ``HardSigmoid(U) = clip(α·U + β, 0, 1)`` with α = 2^(24−e),
    β = −α·ϑ (ϑ ∈ [2^e, 2^(e+1)), in float32) is the step exactly, rounding included: α·U is
    exact, and fl(α·U + β) = fl(α·(U − ϑ)) whether or not the engine fuses the multiply-add.
    U ≤ ϑ gives a value ≤ 0, clipped to +0. For ϑ < U ≤ 2ϑ, U − ϑ is exact (Sterbenz) and at
    least one ulp of ϑ, 2^(e−23), so α·(U − ϑ) ≥ 2; for U > 2ϑ it exceeds α·ϑ ≥ 2^24. Either way
    the clip gives exactly 1. (α·U overflows only for |U| > 2^(104+e), far beyond any membrane.)
    """

    @staticmethod
    def forward(ctx: Any, mem: torch.Tensor, threshold: float) -> torch.Tensor:
        return (mem > threshold).to(mem.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, None]:
        return None, None  # a step has no gradient; training uses the surrogates

    @staticmethod
    def symbolic(g: Any, mem: Any, threshold: float) -> Any:
        alpha, beta = step_coefficients(threshold)
        return g.op("HardSigmoid", mem, alpha_f=alpha, beta_f=beta)


def step_coefficients(threshold: float) -> tuple[float, float]:
    """(α, β) of the ``HardSigmoid`` that equals Θ(U − ϑ) exactly in float32 (see above)."""
    theta = float(np.float32(threshold))
    exponent = math.frexp(theta)[1] - 1  # theta in [2^e, 2^(e+1))
    alpha = math.ldexp(1.0, 24 - exponent)
    return alpha, -alpha * theta


def threshold_step(mem: torch.Tensor, threshold: torch.Tensor | float) -> torch.Tensor:
    """Θ(U − ϑ) (1 where ``mem > threshold``). A fixed positive ϑ is exported to ONNX as a
    single exact node; a per-neuron ϑ (a tensor, as adaptive thresholds are) as a comparison."""
    if not isinstance(threshold, torch.Tensor) and threshold > 0 and math.isfinite(threshold):
        out: torch.Tensor = _ThresholdStep.apply(mem, threshold)
        return out
    return (mem > threshold).to(mem.dtype)


def spike_fn(name: str, alpha: float = 2.0) -> SpikeFn:
    """A spike function whose gradient is the named surrogate, configured by ``alpha``.

    ``alpha`` is the surrogate's sharpness: ATan's α, the sigmoids' slope (scaled ×12.5 so the
    same ``alpha`` gives a comparable width), the triangle's width is 1/α.
    """
    if name == "atan":
        return snn_surrogate.atan(alpha=alpha)  # type: ignore[no-any-return]
    if name == "fast_sigmoid":
        return snn_surrogate.fast_sigmoid(slope=12.5 * alpha)  # type: ignore[no-any-return]
    if name == "sigmoid":
        return snn_surrogate.sigmoid(slope=12.5 * alpha)  # type: ignore[no-any-return]
    if name == "triangular":
        return snn_surrogate.triangular(threshold=1.0 / alpha)  # type: ignore[no-any-return]
    if name == "straight_through":
        return snn_surrogate.straight_through_estimator()  # type: ignore[no-any-return]
    raise ValueError(f"unknown surrogate {name!r}")
