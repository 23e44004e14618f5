"""Steps 3 and 4 of :func:`spikeglyph.preprocess.preprocess`: brightness → ink.

Polarity from the border (dark ink on light paper and light ink on dark paper both become
ink = 1, paper = 0), then the paper's own noise subtracted as a floor and the ink stretched to
a peak of 1: a no-op on clean images, a cleaner digit on photos.
"""

from __future__ import annotations

import math

import numpy as np

from spikeglyph.errors import BlankImage
from spikeglyph.preprocess.brightness import BLANK_CONTRAST, FloatImage

# The paper's noise floor, in standard deviations of the paper's variation (see _noise_floor).
NOISE_SIGMAS = 2.5
# Noise floor above which the paper counts as noisy (a photo rather than a clean drawing).
NOISY_FLOOR = 1 / 255
# Pixels this far from the paper level (0..1 scale) or closer may be paper grain.
FAINT_INK = 0.25
# About how many pixels the grain estimate looks at (whole rows, evenly spaced).
GRAIN_SAMPLE = 8192


def ink_from_gray(gray: FloatImage) -> tuple[FloatImage, bool]:
    """Ink intensity (0 paper .. 1 peak ink), whichever way round the image was drawn, and
    whether the paper was noisy."""
    low, high = float(gray.min()), float(gray.max())
    if high - low < BLANK_CONTRAST:
        raise BlankImage("the image is blank (a single uniform colour): there is nothing to read")
    border = np.concatenate((gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]))
    paper = float(np.median(border))
    dark_ink = paper - low > high - paper
    ink = (paper - gray) if dark_ink else (gray - paper)
    # Whether any pixel strays from the paper the way ink never does (cheap: from the extremes).
    strays = (high > paper) if dark_ink else (low < paper)
    floor = _noise_floor(ink, strays=strays)
    peak = float(ink.max())
    if peak - floor < BLANK_CONTRAST:
        raise BlankImage("no ink stands out from the paper: the image looks blank")
    if floor > 0 or peak != 1.0:
        ink = np.clip((ink - floor) / np.float32(peak - floor), 0.0, 1.0, dtype=np.float32)
    return ink, floor > NOISY_FLOOR


def _noise_floor(ink: FloatImage, *, strays: bool = True) -> float:
    """How far plain paper strays from its own level: a multiple of the larger of two σs.

    * Ink only ever deviates from the paper in one direction, so pixels that deviate the other
      way (``ink < 0``) are paper; their root mean square measures noise *and* uneven light,
      however much of the image the ink covers (garments fill most of theirs).
    * That misses noise on paper clipped at pure white or black (nothing can deviate the other
      way), so grain is also measured from neighbouring-pixel differences among the faint
      pixels: ``median |Δ| / (0.6745 √2)`` is σ for Gaussian noise, and 0 on clean images,
      whose paper is exactly flat.

    Clean images (canvas drawings, MNIST and Fashion-MNIST themselves) get 0 and keep every
    grey level.
    """
    sigma_light = 0.0
    if strays:
        opposite = ink[ink < 0]
        sigma_light = float(np.sqrt(np.mean(np.square(opposite)))) if opposite.size else 0.0
    # Evenly spaced whole rows: enough neighbour pairs for a stable median, at a bounded cost.
    rows = ink[:: max(1, ink.size // GRAIN_SAMPLE)]
    step = np.abs(np.diff(rows, axis=1))
    faint = (rows[:, 1:] < FAINT_INK) & (rows[:, :-1] < FAINT_INK)
    steps = step[faint]
    sigma_grain = 0.0
    # Flat paper makes most steps exactly 0, and then the median is 0 without sorting anything.
    if 2 * np.count_nonzero(steps) > steps.size:
        sigma_grain = float(np.median(steps)) / (0.6745 * math.sqrt(2))
    return NOISE_SIGMAS * max(sigma_light, sigma_grain)
