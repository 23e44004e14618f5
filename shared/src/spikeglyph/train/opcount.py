"""Counting what a spiking network does: synapses per input position and per-step totals.

Used by the network's telemetry (spikes and synaptic operations per layer, computed inside the
exported graph) and by its fixed-point copy.
"""

from __future__ import annotations

import torch


def conv_fanout(size: int, kernel: int, out_channels: int) -> torch.Tensor:
    """Synapses each input position of a same-padded k×k convolution reaches, [1, 1, H, W]."""
    pad = kernel // 2
    idx = torch.arange(size)
    hits = torch.stack(
        [((idx + d >= 0) & (idx + d < size)).float() for d in range(-pad, kernel - pad)]
    ).sum(0)
    return (hits[:, None] * hits[None, :] * out_channels).view(1, 1, size, size)


def per_step_total(
    x: torch.Tensor, t_steps: int, units: int, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Σ over ``units`` of ``x`` [T, B, ...] per step and sample, optionally weighted per unit:
    ``[T, B, 1]``. Callers concatenate these along the last axis and sum over time once.

    Summing the contiguous unit axis keeps the exported graph off multi-axis reductions, and a
    weighted sum is a product then a sum: as a matrix-vector product, or with one reduction per
    quantity, ONNX Runtime spends far longer on these few numbers.
    """
    flat = x.reshape(t_steps, -1, units)
    return (flat if weights is None else flat * weights).sum(2, keepdim=True)
