"""Test images: a digit-like stroke drawn at any size, mode and polarity, and their encodings."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

# A "2"-like stroke in a unit box: top arc, diagonal, base line.
_STROKE = [(0.1, 0.25), (0.3, 0.05), (0.7, 0.05), (0.9, 0.3), (0.8, 0.5), (0.1, 1.0), (0.95, 1.0)]


def draw_digit(
    size: tuple[int, int] = (280, 280),
    *,
    box: tuple[float, float, float, float] | None = None,
    ink: int = 0,
    paper: int = 255,
    width: int | None = None,
) -> Image.Image:
    """An ``L`` image with the stroke inside ``box`` (left, top, right, bottom, in pixels)."""
    image = Image.new("L", size, paper)
    left, top, right, bottom = box or (size[0] * 0.3, size[1] * 0.15, size[0] * 0.7, size[1] * 0.85)
    points = [(left + x * (right - left), top + y * (bottom - top)) for x, y in _STROKE]
    stroke = width or max(1, round((bottom - top) / 10))
    ImageDraw.Draw(image).line(points, fill=ink, width=stroke, joint="curve")
    return image


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def centre_of_mass(field: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(field.shape)
    mass = field.sum()
    return float((ys * field).sum() / mass), float((xs * field).sum() / mass)


def bbox_long_side(field: np.ndarray, threshold: float = 0.1) -> int:
    rows = np.flatnonzero((field > threshold).any(axis=1))
    cols = np.flatnonzero((field > threshold).any(axis=0))
    return int(max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Best correlation of two fields over shifts of up to one pixel.

    Centring rounds the centre of mass to a whole pixel, so the same glyph with slightly
    different anti-aliasing may legitimately land one pixel over.
    """
    best = -1.0
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            shifted = np.roll(b, (dy, dx), axis=(0, 1))
            best = max(best, float(np.corrcoef(a.ravel(), shifted.ravel())[0, 1]))
    return best
