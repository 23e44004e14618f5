"""Checksum verification of dataset files, done once and remembered.

Hashing 47 MB of decompressed images costs about half a second, so a file that passed is
remembered two ways: a small stamp file ``.verified-<sha256>`` next to it (recording the file's
name, size and modification time, so a replaced file is checked again), and, where the data
directory is read-only (CI mounts the reference copy read-only), an in-process memo.

Which checksums apply: an explicit mapping passed by the caller wins; otherwise a
``SHA256SUMS`` file in the dataset folder (``<sha256>  <name>`` lines, what ``sha256sum``
prints) declares a custom or synthetic dataset; otherwise the canonical table of
:mod:`spikeglyph.data.catalog`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from spikeglyph.data.catalog import CANONICAL_SHA256
from spikeglyph.data.idx import read_file_bytes
from spikeglyph.errors import CorruptDataset

log = logging.getLogger(__name__)

SUMS_FILE = "SHA256SUMS"
STAMP_PREFIX = ".verified-"

# (resolved path, size, mtime_ns, sha256) of files verified by this process.
_verified_in_process: set[tuple[str, int, int, str]] = set()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expected_checksums(
    dataset_dir: Path, dataset: str, override: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The decompressed-content sha256 each file of ``dataset_dir`` must have."""
    if override is not None:
        return dict(override)
    declared = dataset_dir / SUMS_FILE
    if declared.is_file():
        log.debug("using the checksums declared in %s instead of the canonical ones", declared)
        return parse_sums(declared)
    return dict(CANONICAL_SHA256[dataset])


def parse_sums(path: Path) -> dict[str, str]:
    """Read a ``sha256sum``-style file into ``{name: sha256}``."""
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64:
            raise CorruptDataset(f"{path}:{number}: expected '<sha256>  <file name>'")
        sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def _identity(path: Path, sha256: str) -> tuple[str, int, int, str]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, sha256)


def _stamp_path(path: Path, sha256: str) -> Path:
    return path.parent / f"{STAMP_PREFIX}{sha256}"


def _stamp_text(identity: tuple[str, int, int, str]) -> str:
    resolved, size, mtime_ns, _ = identity
    return f"{Path(resolved).name} {size} {mtime_ns}\n"


def is_verified(path: Path, sha256: str) -> bool:
    """Whether ``path`` already passed ``sha256`` in this process or left a matching stamp."""
    identity = _identity(path, sha256)
    if identity in _verified_in_process:
        return True
    try:
        stamped = _stamp_path(path, sha256).read_text(encoding="utf-8")
    except OSError:
        return False
    if stamped == _stamp_text(identity):
        _verified_in_process.add(identity)
        return True
    return False


def is_writable(folder: Path) -> bool:
    """Whether ``folder`` may be written, honouring its mode bits even for root.

    A reference copy mounted or marked read-only (``r-x``) stays untouched although root could
    technically write there.
    """
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(folder, os.W_OK)


def mark_verified(path: Path, sha256: str) -> None:
    """Remember that ``path`` matches ``sha256``: a stamp file where writable, else in memory."""
    identity = _identity(path, sha256)
    _verified_in_process.add(identity)
    if not is_writable(path.parent):
        log.debug("%s is read-only; remembering the verification in memory only", path.parent)
        return
    stamp = _stamp_path(path, sha256)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".stamp-")
    except OSError:
        log.debug("cannot write into %s; remembering the verification in memory", path.parent)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_stamp_text(identity))
        os.chmod(tmp, 0o644)
        os.replace(tmp, stamp)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        log.debug("could not write %s; remembering the verification in memory only", stamp)


def check_content(data: bytes, sha256: str, *, source: str) -> None:
    """Raise :class:`CorruptDataset` unless ``data`` hashes to ``sha256``."""
    actual = sha256_hex(data)
    if actual != sha256.lower():
        raise CorruptDataset(
            f"{source}: sha256 of the decompressed content is {actual}, expected {sha256}; "
            "the file is corrupt or incomplete (delete it to download it again)"
        )


def read_verified(path: Path, sha256: str) -> bytes:
    """The decompressed bytes of ``path``, checked against ``sha256`` unless already verified."""
    data = read_file_bytes(path)
    if not is_verified(path, sha256):
        check_content(data, sha256, source=str(path))
        mark_verified(path, sha256)
    return data


def verify_file(path: Path, sha256: str) -> None:
    """Check ``path`` against ``sha256`` (cheap when it already passed)."""
    if not is_verified(path, sha256):
        read_verified(path, sha256)
