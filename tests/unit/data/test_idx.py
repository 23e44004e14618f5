"""IDX files: what round-trips, and every way a broken file is refused instead of misread."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from spikeglyph.data import encode_idx, read_idx, write_idx
from spikeglyph.errors import CorruptDataset


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28),
        np.array([3, 1, 4, 1, 5], dtype=np.uint8),
        np.array([[-7, 70000]], dtype=np.int32),
        np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
    ],
    ids=["images", "labels", "int32", "float32"],
)
def test_round_trip_preserves_values_shape_and_dtype(
    tmp_path: Path, array: np.ndarray, suffix: str
) -> None:
    path = write_idx(tmp_path / f"x-idx{suffix}", array)
    loaded = read_idx(path)
    assert loaded.dtype == array.dtype
    assert loaded.shape == array.shape
    np.testing.assert_array_equal(loaded, array)


def test_gzip_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    array = np.arange(10, dtype=np.uint8)
    path = tmp_path / "labels-without-suffix"
    path.write_bytes(gzip.compress(encode_idx(array)))
    np.testing.assert_array_equal(read_idx(path), array)


def _write(tmp_path: Path, payload: bytes, name: str = "broken-idx") -> Path:
    path = tmp_path / name
    path.write_bytes(payload)
    return path


def test_bad_magic_is_refused_naming_the_file(tmp_path: Path) -> None:
    payload = b"\x12\x34\x08\x01" + struct.pack(">I", 3) + b"abc"
    path = _write(tmp_path, payload)
    with pytest.raises(CorruptDataset, match="bad IDX magic") as info:
        read_idx(path)
    assert str(path) in info.value.message


def test_unknown_dtype_code_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"a")
    with pytest.raises(CorruptDataset, match="dtype code 0x07"):
        read_idx(path)


def test_truncated_payload_is_refused_not_shortened(tmp_path: Path) -> None:
    full = encode_idx(np.zeros((10, 28, 28), dtype=np.uint8))
    path = _write(tmp_path, full[:-100])
    with pytest.raises(CorruptDataset, match="truncated"):
        read_idx(path)


def test_trailing_bytes_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, encode_idx(np.zeros(5, dtype=np.uint8)) + b"\x00")
    with pytest.raises(CorruptDataset, match="trailing bytes"):
        read_idx(path)


def test_header_claiming_other_dims_than_the_data_is_refused(tmp_path: Path) -> None:
    # 3 dims declared as 10×28×28 but the data is for 10×28×27.
    header = b"\x00\x00\x08\x03" + struct.pack(">III", 10, 28, 28)
    path = _write(tmp_path, header + bytes(10 * 28 * 27))
    with pytest.raises(CorruptDataset, match=r"\(10, 28, 28\)"):
        read_idx(path)


def test_zero_dimensions_and_short_headers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CorruptDataset, match="zero dimensions"):
        read_idx(_write(tmp_path, b"\x00\x00\x08\x00", "a"))
    with pytest.raises(CorruptDataset, match="inside the IDX header"):
        read_idx(_write(tmp_path, b"\x00\x00\x08\x03\x00\x00", "b"))
    with pytest.raises(CorruptDataset, match="too short"):
        read_idx(_write(tmp_path, b"", "c"))


def test_truncated_gzip_is_refused(tmp_path: Path) -> None:
    compressed = gzip.compress(encode_idx(np.arange(5000, dtype=np.int32)))
    path = _write(tmp_path, compressed[: len(compressed) // 2], "half.gz")
    with pytest.raises(CorruptDataset, match=r"half\.gz"):
        read_idx(path)


def test_garbage_after_gzip_magic_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\x1f\x8b" + b"this is not deflate data" * 10, "garbage.gz")
    with pytest.raises(CorruptDataset, match="not a readable gzip"):
        read_idx(path)


def test_missing_file_is_a_plain_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")
