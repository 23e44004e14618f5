"""Reading and writing IDX files, the format MNIST and Fashion-MNIST ship in.

An IDX file is a 4-byte magic number (two zero bytes, a dtype code, the number of dimensions),
one big-endian uint32 per dimension, then the values, big-endian, row-major. Both raw files and
gzip-compressed ones are read (recognised by the gzip magic, not by the file name).

Every check that can fail is made before an array is returned, because a truncated download that
silently decodes into fewer (or shifted) images trains a broken model without anyone noticing:
a bad magic, an unknown dtype code, a zero or implausible dimension, a bad gzip stream or a
payload that is one byte too short or too long all raise
:class:`~spikeglyph.errors.CorruptDataset` naming the file.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from spikeglyph.errors import CorruptDataset

GZIP_MAGIC = b"\x1f\x8b"
# A ceiling on the decompressed size so a hostile or broken .gz cannot fill memory; the largest
# canonical file (60,000 images of 28×28) is 47 MB.
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

# IDX dtype codes → big-endian numpy dtypes.
IDX_DTYPES: dict[int, np.dtype[np.generic]] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES_BY_KIND: dict[str, int] = {
    dtype.newbyteorder("=").str[1:]: code for code, dtype in IDX_DTYPES.items()
}


def read_file_bytes(path: Path, *, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The decompressed content of ``path`` (gzip or raw), refusing broken or oversized data."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
            handle.seek(0)
            if head != GZIP_MAGIC:
                data = handle.read(limit + 1)
            else:
                with gzip.GzipFile(fileobj=handle) as unzipped:
                    data = unzipped.read(limit + 1)
    except FileNotFoundError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise CorruptDataset(f"{path}: not a readable gzip/IDX file ({exc})") from exc
    if len(data) > limit:
        raise CorruptDataset(f"{path}: more than {limit} bytes once decompressed; refusing it")
    return data


def parse_idx(data: bytes, *, source: str = "<bytes>") -> npt.NDArray[np.generic]:
    """Decode IDX bytes into a native-endian array after validating the header and length."""
    if len(data) < 4:
        raise CorruptDataset(f"{source}: {len(data)} bytes is too short for an IDX header")
    zero1, zero2, code, ndim = data[0], data[1], data[2], data[3]
    if zero1 != 0 or zero2 != 0:
        raise CorruptDataset(
            f"{source}: bad IDX magic {data[:4].hex()} (expected 0000<dtype><ndim>)"
        )
    if code not in IDX_DTYPES:
        raise CorruptDataset(f"{source}: unknown IDX dtype code 0x{code:02x}")
    if ndim == 0:
        raise CorruptDataset(f"{source}: IDX header declares zero dimensions")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise CorruptDataset(f"{source}: truncated inside the IDX header")
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_len
    if actual != expected:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise CorruptDataset(
            f"{source}: {what}: header {tuple(shape)} of {dtype.name} needs {expected} data "
            f"bytes, file holds {actual}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | Path) -> npt.NDArray[np.generic]:
    """Read one IDX file (raw or ``.gz``) into a native-endian numpy array.

    Raises :class:`~spikeglyph.errors.CorruptDataset` (naming the file) for anything that is not
    an intact IDX file, and :class:`FileNotFoundError` when the file does not exist.
    """
    path = Path(path)
    return parse_idx(read_file_bytes(path), source=str(path))


def encode_idx(array: npt.NDArray[np.generic]) -> bytes:
    """The IDX bytes of ``array`` (uint8, int8, int16, int32, float32 or float64)."""
    kind = array.dtype.newbyteorder("=").str[1:]
    if kind not in _CODES_BY_KIND or array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"cannot write a {array.dtype} array of {array.ndim} dims as IDX")
    code = _CODES_BY_KIND[kind]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()


def write_idx(path: str | Path, array: npt.NDArray[np.generic]) -> Path:
    """Write ``array`` as IDX, gzip-compressed when ``path`` ends in ``.gz``."""
    path = Path(path)
    payload = encode_idx(array)
    if path.suffix == ".gz":
        # mtime=0 keeps the bytes reproducible for a given array.
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    path.write_bytes(payload)
    return path
