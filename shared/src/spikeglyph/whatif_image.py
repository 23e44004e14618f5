"""The what-if perturbations applied to a preprocessed 28×28 image (see :mod:`spikeglyph.whatif`
for the knobs and their ranges)."""

from __future__ import annotations

import numpy as np

from spikeglyph.whatif import SIDE, ResolvedKnobs


def perturb(image: np.ndarray, knobs: ResolvedKnobs) -> np.ndarray:
    """The 28×28 image with the knobs' noise and occlusion applied (a new array)."""
    out = np.array(image, dtype=np.float32).reshape(SIDE, SIDE)
    if knobs.noise > 0:
        # A stream of its own: the rate encoder draws from the same seed.
        rng = np.random.default_rng([knobs.seed, 1])
        out = out + rng.normal(0.0, knobs.noise, out.shape).astype(np.float32)
        out = np.clip(out, 0.0, 1.0)
    if knobs.occlusion is not None:
        box = knobs.occlusion
        out[box.y : box.y + box.height, box.x : box.x + box.width] = 0.0
    return out
