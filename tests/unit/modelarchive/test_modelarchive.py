"""Model archives: what ``spikeglyph publish`` uploads and the gateway unpacks.

Every archive is untrusted input: anything that is not exactly a flat model directory whose
files match its manifest is refused with a clear error.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from spikeglyph.errors import ChecksumMismatch, InvalidModelArchive
from spikeglyph.modelarchive import MAX_FILES, pack, unpack
from spikeglyph.modeldir import load_manifest

SHIPPED = Path(__file__).resolve().parents[3] / "models" / "mnist"


def members(archive: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]


def build(entries: list[tuple[str, bytes]], *, kind: bytes = tarfile.REGTYPE) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.size = len(content) if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(content) if kind == tarfile.REGTYPE else None)
    return buffer.getvalue()


def shipped_entries() -> list[tuple[str, bytes]]:
    return list(members(pack(SHIPPED)).items())


def test_a_shipped_model_round_trips(tmp_path: Path) -> None:
    archive = pack(SHIPPED)
    listed = set(load_manifest(SHIPPED).files)
    assert {"model.onnx", "weights.safetensors", "model.whatif.onnx"} <= listed
    assert set(members(archive)) == {"manifest.json", *listed}
    manifest = unpack(archive, tmp_path)
    assert manifest == load_manifest(SHIPPED)
    assert (tmp_path / "model.onnx").read_bytes() == (SHIPPED / "model.onnx").read_bytes()


def test_packing_is_deterministic() -> None:
    assert members(pack(SHIPPED)) == members(pack(SHIPPED))


def test_a_tampered_file_is_refused(tmp_path: Path) -> None:
    entries = dict(shipped_entries())
    weights = bytearray(entries["weights.safetensors"])
    weights[-1] ^= 0xFF
    entries["weights.safetensors"] = bytes(weights)
    with pytest.raises(ChecksumMismatch, match=r"weights\.safetensors"):
        unpack(build(list(entries.items())), tmp_path)


def test_a_missing_listed_file_is_refused(tmp_path: Path) -> None:
    entries = [(n, c) for n, c in shipped_entries() if n != "model.onnx"]
    with pytest.raises(ChecksumMismatch, match=r"model\.onnx is missing"):
        unpack(build(entries), tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: [*e, ("notes.txt", b"hi")], r"does not list: notes\.txt"),
        (lambda e: [(n, c) for n, c in e if n != "manifest.json"], r"no manifest\.json"),
        (lambda e: [*e, ("model.onnx", b"again")], "appears twice"),
        (lambda e: [("sub/manifest.json", e[0][1])], "plain file name"),
        (lambda e: [("../escape", b"x")], "plain file name"),
        (lambda e: [("/etc/passwd", b"x")], "plain file name"),
        (lambda e: [(".hidden", b"x")], "allowed file name"),
        (lambda e: [("manifest.json", b"{not json")], "manifest is not valid"),
        (lambda e: [(f"f{i}", b"x") for i in range(MAX_FILES + 1)], "more than"),
    ],
    ids=[
        "unlisted",
        "no-manifest",
        "duplicate",
        "folder",
        "dotdot",
        "absolute",
        "hidden",
        "bad-manifest",
        "too-many",
    ],
)
def test_malformed_archives_are_refused(tmp_path: Path, change: object, message: str) -> None:
    entries = change(shipped_entries())  # type: ignore[operator]
    with pytest.raises(InvalidModelArchive, match=message):
        unpack(build(entries), tmp_path)


@pytest.mark.parametrize(
    "kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.DIRTYPE, tarfile.FIFOTYPE]
)
def test_links_folders_and_devices_are_refused(tmp_path: Path, kind: bytes) -> None:
    with pytest.raises(InvalidModelArchive, match="not a regular file"):
        unpack(build([("manifest.json", b"")], kind=kind), tmp_path)


def test_an_archive_that_inflates_past_the_limit_is_stopped(tmp_path: Path) -> None:
    bomb = build([("manifest.json", b"\0" * (4 * 1024 * 1024))])
    assert len(bomb) < 64 * 1024  # small on the wire
    with pytest.raises(InvalidModelArchive, match="exceed"):
        unpack(bomb, tmp_path, max_bytes=1024 * 1024)


@pytest.mark.parametrize("data", [b"", b"plain text, not an archive", b"\x1f\x8b\x08garbage"])
def test_bytes_that_are_no_archive_are_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InvalidModelArchive, match="not a readable model archive"):
        unpack(data, tmp_path)
