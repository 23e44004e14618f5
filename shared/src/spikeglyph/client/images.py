"""Turn what a caller has (a path, bytes, an array) into an upload the API reads."""

from __future__ import annotations

import io
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ImageInput = str | PathLike[str] | bytes | np.ndarray[Any, Any]
"""A file path, encoded image bytes (PNG, JPEG, ...) or a 2-D/3-D pixel array."""

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def sniff_content_type(data: bytes) -> str:
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def array_to_png(array: np.ndarray[Any, Any]) -> bytes:
    """PNG-encode a grayscale (H×W) or RGB(A) (H×W×3/4) array.

    Floats are read as 0..1 intensities (as a normalised MNIST array is); integers as 0..255.
    """
    pixels = np.asarray(array)
    if pixels.ndim == 3 and pixels.shape[0] == 1:
        pixels = pixels[0]  # a [1, H, W] tensor-shaped array
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] not in (3, 4)):
        raise ValueError(f"expected an H×W or H×W×3/4 array, got shape {pixels.shape}")
    if np.issubdtype(pixels.dtype, np.floating):
        pixels = np.clip(pixels, 0.0, 1.0) * 255.0
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def to_upload(image: ImageInput, name: str = "image") -> tuple[str, bytes, str]:
    """``(filename, bytes, content type)`` for a multipart field."""
    if isinstance(image, np.ndarray):
        return f"{name}.png", array_to_png(image), "image/png"
    if isinstance(image, bytes):
        return name, image, sniff_content_type(image)
    path = Path(image)
    data = path.read_bytes()
    return path.name, data, sniff_content_type(data)
