"""The wire form of preprocessed image batches, checked without NumPy.

A batch travels between the services as raw little-endian float32 bytes, ``N`` images of 28×28
one after another (``application/x-spikeglyph-f32``). The gateway builds it from an Open
Inference Protocol FP32 input and checks it here in plain Python (it installs no NumPy); the
replica checks it again with :mod:`spikeglyph.tensors`, with the same rules and messages, since
it trusts no caller's bytes.

The rules stand in for decoding: the network only ever sees what
:func:`spikeglyph.preprocess.preprocess` could have produced (28×28, finite, 0–1, ink light on
dark). Values outside 0–1 are refused rather than clamped, so a batch in 0–255 or with the
wrong polarity fails loudly instead of being predicted as noise.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Sequence

from spikeglyph.errors import InvalidTensor, PayloadTooLarge

SIDE = 28
IMAGE_BYTES = SIDE * SIDE * 4
WIRE_TYPE = "application/x-spikeglyph-f32"


def shape_error(shape: Sequence[int]) -> InvalidTensor:
    return InvalidTensor(
        f"expected images of shape [N,1,{SIDE},{SIDE}] with N >= 1, got {list(shape)}"
    )


def too_many(count: int, max_images: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"at most {max_images} images per request, got {count}")


NOT_FINITE = "image values must be finite (no NaN or infinity)"


def out_of_range(low: float, high: float) -> InvalidTensor:
    return InvalidTensor(
        f"image values must lie in 0..1 (ink 1 on background 0), got {low:g}..{high:g}"
    )


def image_count(shape: Sequence[int], *, max_images: int) -> int:
    """The number of images of a batch of ``shape`` (``[N, 1, 28, 28]`` or ``[N, 28, 28]``)."""
    dims = list(shape)
    if len(dims) == 4 and dims[1] == 1:
        dims = [dims[0], *dims[2:]]
    if len(dims) != 3 or dims[1:] != [SIDE, SIDE] or dims[0] == 0:
        raise shape_error(dims)
    if dims[0] > max_images:
        raise too_many(dims[0], max_images)
    return dims[0]


# A float32's bits, read as an unsigned integer, order the non-negative floats as their values do,
# and every negative number, NaN and infinity reads larger than 1.0's: one pass of max() over the
# bits clears a valid batch. Only a batch it does not clear takes the slower float passes that
# say what is wrong (-0.0 among them, which is valid).
_BITS = "I" if array("I").itemsize == 4 else "L"
_ONE_BITS = 0x3F800000


def check_values(values: array[float]) -> None:
    """Refuse a non-finite value, or one outside 0..1."""
    bits = array(_BITS)
    bits.frombytes(values.tobytes())
    if not bits or max(bits) <= _ONE_BITS:
        return
    if not all(map(math.isfinite, values)):
        raise InvalidTensor(NOT_FINITE)
    low, high = min(values), max(values)
    if low < 0.0 or high > 1.0:
        raise out_of_range(low, high)


def float32_values(raw: bytes) -> array[float]:
    """Little-endian float32 bytes as an array of values (whole values only)."""
    values = array("f")
    values.frombytes(raw)
    if sys.byteorder != "little":
        values.byteswap()
    return values


def little_endian(values: array[int] | array[float]) -> bytes:
    """The bytes of ``values`` in little-endian order (the wire's)."""
    if sys.byteorder == "little":
        return values.tobytes()
    swapped = array(values.typecode, values)
    swapped.byteswap()
    return swapped.tobytes()


def wire_images(values: array[float], shape: Sequence[int], *, max_images: int) -> bytes:
    """The checked wire form of a batch of ``shape`` whose values are ``values`` (float32)."""
    image_count(shape, max_images=max_images)
    check_values(values)
    return little_endian(values)
