"""Batch augmentation on tensors, so drawn and photographed digits work.

Small random affine transforms (rotation, scale, shear, shift) and stroke-thickness variation
(grey dilation or erosion), applied per sample on the whole batch at once. What to apply is
the recipe's :class:`~spikeglyph.recipe.specs.AugmentSpec` (per dataset:
:func:`~spikeglyph.recipe.default_augment`).
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from spikeglyph.recipe.recipes import default_augment
from spikeglyph.recipe.specs import AugmentSpec

__all__ = ["AugmentSpec", "augment", "default_augment"]


def augment(
    images: torch.Tensor, spec: AugmentSpec, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Randomly transform ``images`` [B, 1, 28, 28] in [0, 1]."""
    if not spec.enabled:
        return images
    b = images.shape[0]

    def uniform(scale: float) -> torch.Tensor:
        return (torch.rand(b, generator=generator) * 2 - 1) * scale

    angle = uniform(math.radians(spec.rotate_deg))
    scale = 1.0 + uniform(spec.scale)
    shear = uniform(spec.shear)
    shift = torch.stack([uniform(spec.shift_px), uniform(spec.shift_px)], 1)
    if spec.whole_pixels:
        shift = shift.round()
    shift = shift / 14.0  # affine_grid's unit is half the image: 14 px
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = cos / scale
    theta[:, 0, 1] = (-sin + shear * cos) / scale
    theta[:, 1, 0] = sin / scale
    theta[:, 1, 1] = (cos + shear * sin) / scale
    theta[:, :, 2] = shift
    theta = theta.to(images.device, images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    mode = "nearest" if spec.whole_pixels else "bilinear"
    out = F.grid_sample(images, grid, mode=mode, align_corners=False, padding_mode="zeros")
    pick = torch.rand(b, generator=generator).to(images.device).view(b, 1, 1, 1)
    thick = F.max_pool2d(out, 3, stride=1, padding=1)
    thin = -F.max_pool2d(-out, 2, stride=1, padding=0)
    thin = F.pad(thin, (0, 1, 0, 1))
    out = torch.where(pick < spec.thicken_p, 0.5 * (out + thick), out)
    out = torch.where(pick > 1 - spec.thin_p, torch.maximum(thin, 0.6 * out), out)
    if spec.hflip_p > 0:
        flip = torch.rand(b, generator=generator).to(images.device).view(b, 1, 1, 1)
        out = torch.where(flip < spec.hflip_p, out.flip(-1), out)
    return out.clamp(0.0, 1.0)
