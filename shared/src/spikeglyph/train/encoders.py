"""Input encoders: how a 28×28 image in [0, 1] drives the network over T steps.

* ``direct`` — the image itself is a constant input current (the first layer is analog and
  computed once); best accuracy at few steps (Fang et al. 2021; Rathi & Roy 2021).
* ``rate`` — Bernoulli spikes with probability = intensity. Training draws fresh noise from a
  seeded generator; evaluation and the exported graph use a fixed noise table drawn from the
  spec's seed, so the same image always gives the same answer.
* ``latency`` — time-to-first-spike: each pixel brighter than 5 % fires once, at
  t = round((1 − x)·(T − 1)); brighter pixels fire earlier.
"""

from __future__ import annotations

import torch

from spikeglyph.encoding import LATENCY_FLOOR
from spikeglyph.train.spec import EncoderSpec


def fixed_noise(spec: EncoderSpec, steps: int) -> torch.Tensor:
    """The deterministic uniform noise table [T, 1, 28, 28] of the rate encoder."""
    generator = torch.Generator().manual_seed(spec.seed)
    return torch.rand((steps, 1, 28, 28), generator=generator)


def rate_encode(images: torch.Tensor, noise: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """Bernoulli spikes [T, B, 1, 28, 28] from uniform noise [T, B or 1, 1, 28, 28]."""
    probability = (images * gain).clamp(0.0, 1.0)
    return (noise < probability.unsqueeze(0)).to(images.dtype)


def latency_encode(images: torch.Tensor, steps: int) -> torch.Tensor:
    """One spike per bright pixel [T, B, 1, 28, 28]; brighter fires earlier."""
    fire_at = torch.round((1.0 - images.clamp(0.0, 1.0)) * (steps - 1))
    t = torch.arange(steps, dtype=images.dtype, device=images.device).view(steps, 1, 1, 1, 1)
    on = (images > LATENCY_FLOOR).to(images.dtype).unsqueeze(0)
    return (t == fire_at.unsqueeze(0)).to(images.dtype) * on
