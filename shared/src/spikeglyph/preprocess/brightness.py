"""Step 2 of :func:`spikeglyph.preprocess.preprocess`: any image → brightness in 0..1.

Pillow images of every mode and numpy arrays of the usual dtypes and layouts become one float32
``[H, W]`` array (1 = white), transparency flattened onto white paper, reduced to at most
:data:`WORK_MAX_SIDE` pixels on the long side.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

from spikeglyph.errors import InvalidImage, UnsupportedImage
from spikeglyph.preprocess.decode import decode_image

FloatImage = npt.NDArray[np.float32]

# Large photos are reduced to this long side before any per-pixel work: a digit needs far
# fewer pixels than a 12-megapixel photo has, and the result is cut to 20 px anyway.
WORK_MAX_SIDE = 640
# Contrast (on a 0..1 scale) below which an image is considered uniform: 4 of 255 grey levels.
BLANK_CONTRAST = 4 / 255
_HIGH_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def gray_array(
    image: bytes | Image.Image | npt.NDArray[np.generic], *, max_bytes: int, max_pixels: int
) -> FloatImage:
    """Brightness in 0..1 (1 = white), reduced to at most WORK_MAX_SIDE on the long side."""
    if isinstance(image, bytes | bytearray | memoryview):
        image = decode_image(
            bytes(image), max_bytes=max_bytes, max_pixels=max_pixels, reduce_to=WORK_MAX_SIDE
        )
    if isinstance(image, Image.Image):
        gray_image = _gray_image(image)
    elif isinstance(image, np.ndarray):
        gray = _array_brightness(image)
        if max(gray.shape) <= WORK_MAX_SIDE:
            return gray
        gray_image = Image.fromarray(gray, mode="F")
    else:
        raise UnsupportedImage(f"cannot preprocess a {type(image).__name__}")
    long_side = max(gray_image.size)
    if long_side > WORK_MAX_SIDE:
        gray_image = gray_image.reduce(math.ceil(long_side / WORK_MAX_SIDE))
    if gray_image.mode == "F":
        return np.asarray(gray_image, dtype=np.float32)
    return np.asarray(gray_image, dtype=np.float32) * np.float32(1 / 255)


def _gray_image(image: Image.Image) -> Image.Image:
    """An ``L`` (or ``F`` for high bit depths, scaled to 0..1) image, alpha flattened on white."""
    mode = image.mode
    if mode in _HIGH_BIT_MODES:
        return Image.fromarray(_array_brightness(np.asarray(image)), mode="F")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "L")
    elif mode in ("PA", "RGBa", "La"):
        image = image.convert("RGBA")
    elif mode == "CMYK":
        image = image.convert("RGB")
    if image.mode in ("RGBA", "LA"):
        return _flatten_alpha(image.convert("LA"))
    if image.mode == "L":
        return image
    try:
        return image.convert("L")
    except ValueError as exc:
        raise UnsupportedImage(f"images in {image.mode} mode are not supported") from exc


def _flatten_alpha(image: Image.Image) -> Image.Image:
    """Luminance pasted onto white through the alpha mask (alpha-only ink when that is blank)."""
    luminance, alpha = image.split()
    paper = Image.new("L", image.size, 255)
    paper.paste(luminance, mask=alpha)
    if _band_range(paper) < BLANK_CONTRAST * 255 <= _band_range(alpha):
        # Ink colour equals the paper it was flattened on (white strokes on a transparent
        # canvas): the alpha channel is the only trace of the drawing.
        return Image.eval(alpha, lambda value: 255 - value)
    return paper


def _band_range(band: Image.Image) -> float:
    """max - min of a single-band image, computed in C (no copy into numpy)."""
    low, high = band.getextrema()
    return float(high) - float(low)  # type: ignore[arg-type]


def _array_brightness(array: npt.NDArray[np.generic]) -> FloatImage:
    """A numpy image as float32 brightness in 0..1."""
    values = np.asarray(array)
    if values.ndim == 3 and values.shape[0] == 1:
        values = values[0]
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[..., 0]
    if values.ndim not in (2, 3) or (values.ndim == 3 and values.shape[2] not in (3, 4)):
        raise InvalidImage(f"expected an array [H, W] or [H, W, 3|4], got shape {values.shape}")
    if values.size == 0:
        raise InvalidImage("image has no pixels")
    scaled = _unit_scale(values)
    if scaled.ndim == 2:
        return scaled
    luminance = scaled[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if scaled.shape[2] == 4:
        alpha = scaled[..., 3]
        luminance = luminance * alpha + (1 - alpha)
    return np.ascontiguousarray(luminance, dtype=np.float32)


def _unit_scale(values: npt.NDArray[np.generic]) -> FloatImage:
    if values.dtype == np.bool_:
        return values.astype(np.float32)
    if values.dtype == np.uint8:
        return values.astype(np.float32) * np.float32(1 / 255)
    if values.dtype == np.uint16:
        return values.astype(np.float32) * np.float32(1 / 65535)
    if not np.issubdtype(values.dtype, np.number):
        raise InvalidImage(f"cannot read an array of {values.dtype}")
    scaled = values.astype(np.float32)
    if not np.isfinite(scaled).all():
        raise InvalidImage("image array holds NaN or infinite values")
    low, high = float(scaled.min()), float(scaled.max())
    if low >= 0 and high <= 1:
        return scaled
    if low >= 0 and high <= 255:
        return scaled * np.float32(1 / 255)
    if low >= 0 and high <= 65535:
        return scaled * np.float32(1 / 65535)
    return (scaled - low) / np.float32(max(high - low, 1e-12))
