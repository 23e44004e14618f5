"""Read ``weights.safetensors`` with NumPy alone.

The ``safetensors`` package lives in the training extra, but the format is simple enough to
read without it: an 8-byte little-endian header length, a JSON header naming each tensor's
dtype, shape and byte range, then the raw little-endian data. Reading it here keeps the
weight figures torch-free, so the gateway and the command line can draw a model's weights
from its directory. Nothing is ever unpickled; a malformed file is refused with
:class:`InvalidModel`.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from spikeglyph.errors import InvalidModel

DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
    "BOOL": "?",
}
MAX_HEADER_BYTES = 16 * 1024 * 1024  # the format's own limit is 100 MB; ours are small


def read_tensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file, as read-only NumPy arrays."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise InvalidModel(f"{path.name}: too short to be a safetensors file")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > min(MAX_HEADER_BYTES, len(data) - 8):
        raise InvalidModel(f"{path.name}: safetensors header length {header_len} is impossible")
    try:
        header = json.loads(data[8 : 8 + header_len])
    except ValueError as exc:
        raise InvalidModel(f"{path.name}: unreadable safetensors header") from exc
    body = memoryview(data)[8 + header_len :]
    return {
        name: _tensor(path.name, name, entry, body)
        for name, entry in header.items()
        if name != "__metadata__"
    }


def _tensor(filename: str, name: str, entry: dict[str, object], body: memoryview) -> np.ndarray:
    try:
        dtype = np.dtype(DTYPES[str(entry["dtype"])])
        shape = tuple(int(n) for n in entry["shape"])  # type: ignore[attr-defined]
        start, end = (int(n) for n in entry["data_offsets"])  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidModel(f"{filename}: tensor {name!r} has an unreadable entry") from exc
    count = int(np.prod(shape, dtype=np.int64))
    if not 0 <= start <= end <= len(body) or end - start != count * dtype.itemsize:
        raise InvalidModel(f"{filename}: tensor {name!r} points outside the file")
    array = np.frombuffer(body[start:end], dtype=dtype).reshape(shape)
    array.flags.writeable = False
    return array
