"""A model directory as one archive, to publish it into a running system over HTTP.

``spikeglyph publish DIR --url URL`` packs ``DIR`` with :func:`pack` (a gzipped tar of the
manifest and the files it lists, flat, in a fixed order) and uploads it; the gateway unpacks it
with :func:`unpack` into a private staging directory and publishes that like any other version,
so the registry verifies every sha256 against the manifest and installs the version atomically.

:func:`unpack` trusts nothing in the archive: only regular files with plain names, only the
manifest and the files it lists, each at most once, at most :data:`MAX_FILES` of them and
``max_bytes`` in all once decompressed (counted while reading, so a small archive that inflates
to gigabytes is stopped early). Anything else raises :class:`InvalidModelArchive` and leaves
nothing behind.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path, PurePosixPath

from spikeglyph.errors import InvalidModelArchive, SpikeGlyphError
from spikeglyph.modeldir import MANIFEST_NAME, Manifest, load_manifest, read_manifest

MAX_FILES = 16
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
CHUNK = 1 << 20


def pack(model_dir: Path) -> bytes:
    """The archive of a verified model directory (refused if it does not verify)."""
    model_dir = Path(model_dir)
    manifest = load_manifest(model_dir)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name in (MANIFEST_NAME, *sorted(manifest.files)):
            info = archive.gettarinfo(str(model_dir / name), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o644
            with (model_dir / name).open("rb") as handle:
                archive.addfile(info, handle)
    return buffer.getvalue()


def unpack(data: bytes, target: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> Manifest:
    """Write the archive's model directory into the empty directory ``target`` and verify it.

    Returns the verified manifest; raises :class:`InvalidModelArchive` for anything that is not
    a well-formed model archive, :class:`~spikeglyph.errors.ChecksumMismatch` when a file does
    not match its manifest. ``target`` may hold partial files after a failure: the caller owns
    it (a temporary directory) and removes it.
    """
    target = Path(target)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            names = _extract(archive, target, max_bytes)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise InvalidModelArchive(f"not a readable model archive (gzipped tar): {exc}") from exc
    if MANIFEST_NAME not in names:
        raise InvalidModelArchive(f"the archive holds no {MANIFEST_NAME}")
    try:
        manifest = read_manifest(target)
    except SpikeGlyphError as exc:
        raise InvalidModelArchive(f"the archive's manifest is not valid: {exc}") from exc
    unlisted = sorted(names - {MANIFEST_NAME} - set(manifest.files))
    if unlisted:
        raise InvalidModelArchive(f"files the manifest does not list: {', '.join(unlisted)}")
    return load_manifest(target)  # every listed file present and matching its sha256


def _extract(archive: tarfile.TarFile, target: Path, max_bytes: int) -> set[str]:
    names: set[str] = set()
    total = 0
    for member in archive:
        name = _member_name(member)
        if name in names:
            raise InvalidModelArchive(f"{name} appears twice in the archive")
        names.add(name)
        if len(names) > MAX_FILES:
            raise InvalidModelArchive(f"more than {MAX_FILES} files: not a model directory")
        source = archive.extractfile(member)
        if source is None:
            raise InvalidModelArchive(f"{name} cannot be read from the archive")
        with source, (target / name).open("xb") as sink:
            while block := source.read(CHUNK):
                total += len(block)
                if total > max_bytes:
                    raise InvalidModelArchive(
                        f"the model's files exceed {max_bytes // (1024 * 1024)} MiB unpacked"
                    )
                sink.write(block)
    return names


def _member_name(member: tarfile.TarInfo) -> str:
    """The plain file name of a member, or refuse it (directories, links, paths, devices)."""
    if not member.isreg():
        raise InvalidModelArchive(f"{member.name!r} is not a regular file")
    path = PurePosixPath(member.name)
    parts = [part for part in path.parts if part != "."]
    if len(parts) != 1 or path.is_absolute():
        raise InvalidModelArchive(f"{member.name!r} is not a plain file name (no folders)")
    name = parts[0]
    if name.startswith(".") or "\\" in name or name in ("..", ""):
        raise InvalidModelArchive(f"{member.name!r} is not an allowed file name")
    return name
