"""Preprocessed image batches as NumPy arrays: validation and the compact wire form.

A client that preprocesses itself (the Open Inference Protocol's FP32 ``image`` input) skips
decoding, so these checks stand in for it; the rules, their messages and the wire form are
those of :mod:`spikeglyph.tensor_wire`, which the gateway applies without NumPy. The replica
decodes a batch from the wire here and checks it again (it trusts no caller's bytes).
"""

from __future__ import annotations

import numpy as np

from spikeglyph.errors import InvalidTensor, PayloadTooLarge
from spikeglyph.tensor_wire import (
    IMAGE_BYTES,
    NOT_FINITE,
    SIDE,
    WIRE_TYPE,
    out_of_range,
    shape_error,
    too_many,
)

__all__ = ["IMAGE_BYTES", "SIDE", "WIRE_TYPE", "check_images", "decode_images", "encode_images"]


def check_images(array: np.ndarray, *, max_images: int) -> np.ndarray:
    """``array`` as float32 ``[N, 28, 28]``; accepts ``[N, 1, 28, 28]`` too.

    Raises :class:`InvalidTensor` for a wrong shape or a non-finite or out-of-range value,
    :class:`PayloadTooLarge` for more than ``max_images`` images.
    """
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3 or array.shape[1:] != (SIDE, SIDE) or array.shape[0] == 0:
        raise shape_error(array.shape)
    if array.shape[0] > max_images:
        raise too_many(array.shape[0], max_images)
    array = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise InvalidTensor(NOT_FINITE)
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise out_of_range(low, high)
    return array


def encode_images(array: np.ndarray) -> bytes:
    """The wire form of a checked ``[N, 28, 28]`` batch."""
    return array.astype("<f4", copy=False).tobytes()


def decode_images(data: bytes, *, max_images: int) -> np.ndarray:
    """A batch from its wire form, checked as :func:`check_images` does."""
    if not data or len(data) % IMAGE_BYTES:
        raise InvalidTensor(
            f"a tensor body holds whole 28×28 float32 images ({IMAGE_BYTES} bytes each), "
            f"got {len(data)} bytes"
        )
    if len(data) // IMAGE_BYTES > max_images:
        raise PayloadTooLarge(f"at most {max_images} images per request")
    array = np.frombuffer(data, dtype="<f4").reshape(-1, SIDE, SIDE)
    return check_images(array.astype(np.float32), max_images=max_images)
