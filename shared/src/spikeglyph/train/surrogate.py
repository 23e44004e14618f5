"""Spike functions: Heaviside forward, a surrogate derivative backward (chosen by name).

The surrogates are snntorch's own (``snntorch.surrogate``); :func:`heaviside` is the plain step
used when exporting to ONNX, where custom autograd functions have no place.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from snntorch import surrogate as snn_surrogate

SpikeFn = Callable[[torch.Tensor], torch.Tensor]


def heaviside(x: torch.Tensor) -> torch.Tensor:
    """Θ(x): 1 where x > 0 — snntorch's forward convention, exportable to ONNX."""
    return (x > 0).to(x.dtype)


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
