"""MNIST-C-style corruptions of 28×28 digits, with NumPy and Pillow, deterministic by seed.

The reference is the MNIST-C suite (Mu & Gilmer 2019, arXiv:1906.02337): fifteen corruptions
of the MNIST test set, one severity each. MNIST-C itself cannot be downloaded here and its
generator needs scikit-image, Wand and OpenCV, so each corruption is re-implemented after its
description; the parameters follow the published ones where they are known and are otherwise
chosen to look like the paper's examples. Two noise types the suite lacks are added, because
they are what photographed and scanned digits carry: ``gaussian_noise`` (sensor noise over the
whole field, paper included; MNIST-C's shot noise leaves black paper black) and ``speckle``
(dust specks of one or two pixels scattered over the paper).

Every function takes a uint8 ``[28, 28]`` MNIST digit (light ink on black) and a NumPy
generator, and returns a uint8 ``[28, 28]`` image. :func:`corrupt` applies one corruption to a
whole set with a generator seeded from the seed and the corruption's name, so a figure can be
regenerated exactly.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

Digit = npt.NDArray[np.uint8]
Corruption = Callable[[Digit, np.random.Generator], Digit]
SIDE = 28


def _to_uint8(values: npt.NDArray[np.floating]) -> Digit:
    """Floats in 0..1 → uint8 0..255, clipped and rounded."""
    return np.clip(np.rint(values * 255), 0, 255).astype(np.uint8)


def _unit(image: Digit) -> npt.NDArray[np.float64]:
    return image.astype(np.float64) / 255


def _blur(image: Digit, radius: float) -> Digit:
    blurred = Image.fromarray(image).filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(blurred, dtype=np.uint8)


def _affine(image: Digit, matrix: npt.NDArray[np.float64]) -> Digit:
    """Apply the 2×2 ``matrix`` about the field's centre (bilinear, black outside)."""
    inverse = np.linalg.inv(matrix)
    centre = np.array([(SIDE - 1) / 2, (SIDE - 1) / 2])
    offset = centre - inverse @ centre
    # Pillow maps each output (x, y) to input (a x + b y + c, d x + e y + f).
    coefficients = (*inverse[0], offset[0], *inverse[1], offset[1])
    out = Image.fromarray(image).transform(
        (SIDE, SIDE), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR
    )
    return np.asarray(out, dtype=np.uint8)


# --- noise -----------------------------------------------------------------------------------
def shot_noise(image: Digit, rng: np.random.Generator) -> Digit:
    """Poisson photon noise, MNIST-C's severity (λ = 60 photons at full intensity)."""
    return _to_uint8(rng.poisson(_unit(image) * 60) / 60)


def impulse_noise(image: Digit, rng: np.random.Generator) -> Digit:
    """Salt and pepper on 5 % of the pixels (half white, half black), MNIST-C's amount."""
    out = image.copy()
    hit = rng.random(image.shape)
    out[hit < 0.025] = 0
    out[(hit >= 0.025) & (hit < 0.05)] = 255
    return out


def gaussian_noise(image: Digit, rng: np.random.Generator) -> Digit:
    """Additive sensor noise, σ = 0.2 of full scale, on ink and paper alike."""
    return _to_uint8(_unit(image) + rng.normal(0.0, 0.2, image.shape))


def speckle(image: Digit, rng: np.random.Generator) -> Digit:
    """Dust: about 20 specks of one pixel or two (side by side), of random brightness."""
    out = image.astype(np.int64)
    count = int(rng.integers(15, 26))
    rows, cols = rng.integers(0, SIDE, count), rng.integers(0, SIDE, count)
    level = rng.integers(128, 256, count)
    wide = rng.random(count) < 0.4
    for row, col, value, pair in zip(rows, cols, level, wide, strict=True):
        out[row, col] = max(out[row, col], value)
        if pair:
            out[row, min(col + 1, SIDE - 1)] = max(out[row, min(col + 1, SIDE - 1)], value)
    return out.astype(np.uint8)


# --- blur ------------------------------------------------------------------------------------
def glass_blur(image: Digit, rng: np.random.Generator) -> Digit:
    """Blur, then swap each pixel with a random neighbour in one sweep, then blur again."""
    out = _blur(image, 0.7).copy()
    shifts = rng.integers(-1, 1, (SIDE, SIDE, 2))
    for row in range(SIDE - 1, 0, -1):
        for col in range(SIDE - 1, 0, -1):
            dy, dx = shifts[row, col]
            other = (row + dy, col + dx)
            out[row, col], out[other] = out[other], out[row, col]
    return _blur(out, 0.7)


def motion_blur(image: Digit, rng: np.random.Generator) -> Digit:
    """Average along a line 5 px long at a random angle in ±45°."""
    angle = math.radians(rng.uniform(-45, 45))
    taps = np.linspace(-2, 2, 5)
    padded = np.pad(_unit(image), 3)
    total = np.zeros((SIDE, SIDE))
    for t in taps:
        dy, dx = round(t * math.sin(angle)), round(t * math.cos(angle))
        total += padded[3 + dy : 3 + dy + SIDE, 3 + dx : 3 + dx + SIDE]
    return _to_uint8(total / len(taps))


# --- geometry --------------------------------------------------------------------------------
def _signed(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high) * rng.choice((-1, 1)))


def shear(image: Digit, rng: np.random.Generator) -> Digit:
    """Horizontal shear by a factor of 0.2–0.4, either way."""
    return _affine(image, np.array([[1.0, _signed(rng, 0.2, 0.4)], [0.0, 1.0]]))


def scale(image: Digit, rng: np.random.Generator) -> Digit:
    """Shrink or stretch one axis (0.6–0.8, or 1/0.8–1/0.6 of the size) about the centre."""
    factor = float(rng.uniform(0.6, 0.8))
    if rng.random() < 0.5:
        factor = 1 / factor
    axis = int(rng.integers(0, 2))
    matrix = np.eye(2)
    matrix[axis, axis] = factor
    return _affine(image, matrix)


def rotate(image: Digit, rng: np.random.Generator) -> Digit:
    """Rotation by 20–40°, either way."""
    angle = math.radians(_signed(rng, 20, 40))
    cos, sin = math.cos(angle), math.sin(angle)
    return _affine(image, np.array([[cos, -sin], [sin, cos]]))


def translate(image: Digit, rng: np.random.Generator) -> Digit:
    """Shift by 2–5 px along each axis, either way (ink pushed off the edge is lost)."""
    dy, dx = (round(_signed(rng, 2, 5)) for _ in range(2))
    out = np.zeros_like(image)
    src = image[max(0, -dy) : SIDE - max(0, dy), max(0, -dx) : SIDE - max(0, dx)]
    out[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
    return out


# --- light and overlays ----------------------------------------------------------------------
def brightness(image: Digit, rng: np.random.Generator) -> Digit:
    """Everything brighter by 0.4 of full scale (grey paper, ink clipped at white)."""
    del rng
    return _to_uint8(_unit(image) + 0.4)


def fog(image: Digit, rng: np.random.Generator) -> Digit:
    """Smooth cloud of octaves of upsampled random noise, added, then rescaled."""
    cloud = np.zeros((SIDE, SIDE))
    for cells, weight in ((3, 1.0), (6, 0.5), (12, 0.25)):
        coarse = Image.fromarray(rng.random((cells, cells)).astype(np.float32), mode="F")
        cloud += weight * np.asarray(coarse.resize((SIDE, SIDE), Image.Resampling.BICUBIC))
    cloud = (cloud - cloud.min()) / max(float(np.ptp(cloud)), 1e-9)
    return _to_uint8((_unit(image) + 0.8 * cloud) / 1.8)


def spatter(image: Digit, rng: np.random.Generator) -> Digit:
    """Splashes: blurred random noise thresholded into a few grey blobs of 1–10 px."""
    noise = Image.fromarray(_to_uint8(rng.random((SIDE, SIDE))))
    smooth = _unit(np.asarray(noise.filter(ImageFilter.GaussianBlur(1.0)), dtype=np.uint8))
    blobs = smooth > np.quantile(smooth, 0.95)
    return np.maximum(image, (blobs * 170).astype(np.uint8))


def stripe(image: Digit, rng: np.random.Generator) -> Digit:
    """A vertical band 3 px wide, near the middle, inverted."""
    start = int(rng.integers(9, 17))
    out = image.copy()
    out[:, start : start + 3] = 255 - out[:, start : start + 3]
    return out


def _random_point(rng: np.random.Generator) -> tuple[float, float]:
    return float(rng.uniform(0, SIDE - 1)), float(rng.uniform(0, SIDE - 1))


def dotted_line(image: Digit, rng: np.random.Generator) -> Digit:
    """A straight line across the field, every third pixel of it drawn white."""
    (x0, y0), (x1, y1) = _random_point(rng), _random_point(rng)
    steps = max(2, round(math.hypot(x1 - x0, y1 - y0)))
    out = image.copy()
    for t in np.linspace(0, 1, steps)[::3]:
        out[round(y0 + t * (y1 - y0)), round(x0 + t * (x1 - x0))] = 255
    return out


def zigzag(image: Digit, rng: np.random.Generator) -> Digit:
    """A zigzag of four strokes, one pixel wide, drawn white over the digit."""
    layer = Image.new("L", (SIDE, SIDE), 0)
    ImageDraw.Draw(layer).line([_random_point(rng) for _ in range(5)], fill=255, width=1)
    return np.maximum(image, np.asarray(layer, dtype=np.uint8))


def canny_edges(image: Digit, rng: np.random.Generator) -> Digit:
    """Only the outline: pixels of the (blurred) stroke mask that touch the paper."""
    del rng
    mask = Image.fromarray(((_blur(image, 0.5) > 100) * 255).astype(np.uint8))
    inner = np.asarray(mask.filter(ImageFilter.MinFilter(3)), dtype=np.uint8)
    return ((np.asarray(mask) > 0) & (inner == 0)).astype(np.uint8) * 255


CORRUPTIONS: dict[str, Corruption] = {
    "shot_noise": shot_noise,
    "impulse_noise": impulse_noise,
    "gaussian_noise": gaussian_noise,
    "speckle": speckle,
    "glass_blur": glass_blur,
    "motion_blur": motion_blur,
    "shear": shear,
    "scale": scale,
    "rotate": rotate,
    "brightness": brightness,
    "translate": translate,
    "stripe": stripe,
    "fog": fog,
    "spatter": spatter,
    "dotted_line": dotted_line,
    "zigzag": zigzag,
    "canny_edges": canny_edges,
}
NOISE = ("shot_noise", "impulse_noise", "gaussian_noise", "speckle")
"""The corruptions the noise and speckle goal is about; the others are the yardstick."""


def corrupt(name: str, images: npt.NDArray[np.uint8], seed: int = 0) -> npt.NDArray[np.uint8]:
    """``images`` [N, 28, 28] with corruption ``name``, the same for the same seed."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    function = CORRUPTIONS[name]
    return np.stack([function(image, rng) for image in images]) if len(images) else images.copy()
