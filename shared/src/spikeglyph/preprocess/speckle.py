"""Step 4b of :func:`spikeglyph.preprocess.preprocess`: impulse noise and specks → clean ink.

Salt-and-pepper noise, dust on a scan and the speckle of a cheap sensor put isolated bright
pixels all over the paper. Each one stretches the bounding box of step 5, so the digit ends up
a fraction of its proper size in the corner of the field; that, not the specks themselves, is
why speckled digits were misread. A pen never leaves such marks: an ink pixel belongs to a
stroke, so it has inked neighbours.

So the step counts *specks*: clearly inked pixels (above :data:`SPECK_LEVEL`) whose eight
neighbours together hold less than :data:`SPECK_COMPANY` of ink. Clean images have none or
almost none (a stroke's pixels have inked neighbours, and anti-aliasing fades gradually). Only
when there are at least :data:`MIN_SPECKS` of them is the ink replaced by its 3×3 median, which
removes isolated specks and pairs and fills the pepper holes in strokes, and the paper is then
treated as noisy (the bounding box of step 5 then ignores residual grain). Everything else
passes unchanged, byte for byte, so clean digits, canvas drawings and photos without specks
read exactly as before.

The thresholds were chosen on validation digits (``bench/bench_despeckle_sweep.py``, written up
in docs/RESEARCH.md): they change 2 of the 55,000 clean MNIST training digits.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from spikeglyph.preprocess.brightness import FloatImage

# Ink at least this strong counts when specks are looked for (half the peak).
SPECK_LEVEL = 0.5
# A speck's eight neighbours hold less ink than this together; a stroke's pixels have more.
SPECK_COMPANY = 0.8
# Specks needed before the image is filtered: fewer are left to the bounding box's own care.
MIN_SPECKS = 4


def count_specks(ink: FloatImage) -> int:
    """Clear ink pixels whose eight neighbours together hold less than :data:`SPECK_COMPANY`."""
    clear = ink > SPECK_LEVEL
    if not clear.any():
        return 0
    padded = np.pad(ink, 1)
    height, width = ink.shape
    company = np.zeros(ink.shape, dtype=np.float32)
    for dy in range(3):
        for dx in range(3):
            if dy != 1 or dx != 1:
                company += padded[dy : dy + height, dx : dx + width]
    return int(np.count_nonzero(clear & (company < SPECK_COMPANY)))


def median3(ink: FloatImage) -> FloatImage:
    """The 3×3 median of every pixel (edges replicated)."""
    windows: npt.NDArray[np.float32] = sliding_window_view(np.pad(ink, 1, mode="edge"), (3, 3))
    return np.median(windows.reshape(*ink.shape, 9), axis=-1).astype(np.float32)


def despeckle(ink: FloatImage) -> FloatImage | None:
    """The median-filtered ink when the image is speckled, else ``None`` (leave it as it is)."""
    if min(ink.shape) < 3 or count_specks(ink) < MIN_SPECKS:
        return None
    filtered = median3(ink)
    # Strokes one pixel thin do not survive a median: then the specks are the lesser evil.
    return filtered if float(filtered.max()) > SPECK_LEVEL else None
