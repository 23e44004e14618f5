"""Preprocessed image batches as tensors: validation and the compact wire form.

A client that preprocesses itself (the Open Inference Protocol's FP32 ``image`` input) skips
decoding, so these checks stand in for it: the network only ever sees what
:func:`spikeglyph.preprocess.preprocess` could have produced (28×28, finite, 0–1, ink light on
dark). Values outside 0–1 are refused rather than clamped, so a batch in 0–255 or with the
wrong polarity fails loudly instead of being predicted as noise.

The gateway sends a validated batch to a replica as raw little-endian float32 bytes, ``N``
images of 28×28 one after another; the replica checks it again (it trusts no caller's bytes).
"""

from __future__ import annotations

import numpy as np

from spikeglyph.errors import InvalidTensor, PayloadTooLarge

SIDE = 28
IMAGE_BYTES = SIDE * SIDE * 4
WIRE_TYPE = "application/x-spikeglyph-f32"


def check_images(array: np.ndarray, *, max_images: int) -> np.ndarray:
    """``array`` as float32 ``[N, 28, 28]``; accepts ``[N, 1, 28, 28]`` too.

    Raises :class:`InvalidTensor` for a wrong shape or a non-finite or out-of-range value,
    :class:`PayloadTooLarge` for more than ``max_images`` images.
    """
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3 or array.shape[1:] != (SIDE, SIDE) or array.shape[0] == 0:
        raise InvalidTensor(
            f"expected images of shape [N,1,{SIDE},{SIDE}] with N >= 1, got {list(array.shape)}"
        )
    if array.shape[0] > max_images:
        raise PayloadTooLarge(f"at most {max_images} images per request, got {array.shape[0]}")
    array = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise InvalidTensor("image values must be finite (no NaN or infinity)")
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise InvalidTensor(
            f"image values must lie in 0..1 (ink 1 on background 0), got {low:g}..{high:g}"
        )
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
