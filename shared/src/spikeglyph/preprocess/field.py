"""Step 5 of :func:`spikeglyph.preprocess.preprocess`: ink → the 28×28 field a dataset uses.

Bounding-box crop of the ink, aspect-preserving resize of its long side to the layout's box,
then a paste into 28×28 with the centre of mass (MNIST) or the box centre (Fashion-MNIST) on
the layout's target pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from spikeglyph.errors import BlankImage, UnknownDataset
from spikeglyph.preprocess.brightness import FloatImage

OUTPUT_SIDE = 28
BOX_SIDE = 20
CENTRE = 14.0  # MNIST's mean centre of mass, in pixel-index coordinates
# Ink below this fraction of the peak does not extend the bounding box (the faintest
# anti-aliasing of a stroke; 5 of 255 grey levels).
BBOX_THRESHOLD = 0.02
# On noisy paper (photos) only clear ink counts, and the box spans the ink's mass minus this
# fraction at each end, so residual grain or a stray speck does not stretch it.
NOISY_BBOX_THRESHOLD = 0.25
NOISY_MASS_TRIM = 0.003


@dataclass(frozen=True)
class FieldLayout:
    """Where a dataset puts its subject in the 28×28 field."""

    box_side: int  # long side of the subject's bounding box, px
    centring: Literal["mass", "box"]  # centre of mass, or centre of the bounding box
    target: float  # pixel-index coordinate the centre lands on (both axes)


LAYOUTS: dict[str, FieldLayout] = {
    # LeCun et al.: 20×20 box, centre of mass at the centre of the field.
    "mnist": FieldLayout(box_side=BOX_SIDE, centring="mass", target=CENTRE),
    # Xiao et al. 2017: longest edge resized to 28, the trimmed image centred.
    "fashion-mnist": FieldLayout(box_side=OUTPUT_SIDE, centring="box", target=13.5),
}


def layout_for(dataset: str) -> FieldLayout:
    try:
        return LAYOUTS[dataset]
    except KeyError:
        raise UnknownDataset(
            f"unknown dataset {dataset!r}: choose one of {', '.join(LAYOUTS)}"
        ) from None


def _ink_box(ink: FloatImage, *, noisy: bool) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` inclusive bounds of the ink."""
    if noisy:
        clear = np.where(ink > NOISY_BBOX_THRESHOLD, ink, 0.0)
        if not clear.any():
            raise BlankImage("no ink stands out from the paper: the image looks blank")
        top, bottom = _mass_span(clear.sum(axis=1))
        left, right = _mass_span(clear.sum(axis=0))
        return top, bottom, left, right
    mask = ink > BBOX_THRESHOLD
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise BlankImage("no ink stands out from the paper: the image looks blank")
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def _mass_span(profile: npt.NDArray[np.floating]) -> tuple[int, int]:
    """First and last index between which all but NOISY_MASS_TRIM of each end's mass lies."""
    cumulative = np.cumsum(profile, dtype=np.float64)
    total = float(cumulative[-1])
    first = int(np.searchsorted(cumulative, NOISY_MASS_TRIM * total, side="right"))
    last = int(np.searchsorted(cumulative, (1 - NOISY_MASS_TRIM) * total, side="left"))
    return first, max(first, min(last, len(profile) - 1))


def crop_to_ink(ink: FloatImage, box_side: int, *, noisy: bool) -> FloatImage:
    """The ink's bounding box, resized so its long side is ``box_side`` px (aspect kept)."""
    top, bottom, left, right = _ink_box(ink, noisy=noisy)
    patch = ink[top : bottom + 1, left : right + 1]
    height, width = patch.shape
    scale = box_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size != (width, height):
        # BILINEAR widens its kernel when shrinking, so downscaling is properly anti-aliased.
        resized = Image.fromarray(np.ascontiguousarray(patch), mode="F").resize(
            size, Image.Resampling.BILINEAR
        )
        patch = np.asarray(resized, dtype=np.float32)
    peak = float(patch.max())
    if peak <= 0:
        raise BlankImage("no ink stands out from the paper: the image looks blank")
    # Thin strokes lose contrast when shrunk; MNIST strokes reach full intensity.
    normalised: FloatImage = np.clip(patch / np.float32(peak), 0.0, 1.0, dtype=np.float32)
    return normalised


def place_in_field(patch: FloatImage, layout: FieldLayout) -> FloatImage:
    """Paste ``patch`` into 28×28 with its centre of mass (or box centre) on the layout's target.

    The shift is limited so the whole patch stays inside the field: a lopsided glyph such as a
    top-heavy 7 ends up a pixel or two off-centre rather than losing its foot over the edge.
    """
    height, width = patch.shape
    if layout.centring == "mass":
        mass = float(patch.sum())
        centre_y = float(patch.sum(axis=1) @ np.arange(height, dtype=np.float32)) / mass
        centre_x = float(patch.sum(axis=0) @ np.arange(width, dtype=np.float32)) / mass
    else:
        centre_y, centre_x = (height - 1) / 2, (width - 1) / 2
    # Halves round up (not to even): for a box-centred field this reproduces Fashion-MNIST's
    # own placement, ceil((28 - size) / 2).
    top = min(max(math.floor(layout.target - centre_y + 0.5), 0), OUTPUT_SIDE - height)
    left = min(max(math.floor(layout.target - centre_x + 0.5), 0), OUTPUT_SIDE - width)
    field = np.zeros((OUTPUT_SIDE, OUTPUT_SIDE), dtype=np.float32)
    field[top : top + height, left : left + width] = patch
    return field
