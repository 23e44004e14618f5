"""The model directory: one immutable version of a model on disk.

Layout (fixed by DESIGN.md)::

    <version>/manifest.json        schema-versioned description, sha256 of every other file
    <version>/model.onnx           the unrolled T-step network ONNX Runtime serves
    <version>/weights.safetensors  the trainable tensors (never a pickle)
    <version>/model.int8.onnx      optional quantised copy, listed in the manifest as well
    <version>/model.whatif.onnx    optional what-if graph (knobs as inputs), listed as well

:func:`load_manifest` verifies every listed file before anything reads it, so a tampered or
truncated file is refused with :class:`~spikeglyph.errors.ChecksumMismatch`.
:func:`write_model_dir` writes into a temporary sibling and renames it into place, so a crash
leaves either no version or a complete one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from spikeglyph.errors import ChecksumMismatch, InvalidModel, InvalidVersionName, ModelNotFound
from spikeglyph.schemas import DatasetName, is_safe_version, utcnow

MANIFEST_NAME = "manifest.json"
ONNX_NAME = "model.onnx"
WEIGHTS_NAME = "weights.safetensors"
INT8_ONNX_NAME = "model.int8.onnx"
WHATIF_ONNX_NAME = "model.whatif.onnx"
SCHEMA_VERSION = 1
# Bumped whenever spikeglyph.preprocess changes what a model sees. A manifest records the
# version its model was made with; a model that needs a newer one than this code has is refused.
# 1: polarity, noise floor, bounding box and centring.
# 2: speckled images (salt and pepper, dust) are median-filtered before the bounding box; every
#    image without specks, clean digits included, reads exactly as with 1, so models made with
#    1 are served as they were.
PREPROCESSING_VERSION = 2


def validate_version_name(version: str) -> str:
    """Return ``version`` if it is a safe single path component, else raise."""
    if not is_safe_version(version):
        raise InvalidVersionName(
            f"invalid model version {version!r}: use letters, digits, '.', '_' and '-' "
            "(at most 96 characters, no '..')"
        )
    return version


class Manifest(BaseModel):
    """Everything a process needs to know about a model version without loading torch."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = SCHEMA_VERSION
    version: str
    dataset: DatasetName
    class_names: list[str]
    family: str = Field(default="surrogate", description="surrogate | stdp")
    architecture: dict[str, Any] = Field(description="JSON architecture spec (spikeglyph.train).")
    encoder: dict[str, Any] = Field(default_factory=lambda: {"kind": "direct"})
    timesteps: int = Field(ge=1)
    preprocessing_version: int = PREPROCESSING_VERSION
    threshold: float = 1.0
    metrics: dict[str, Any] = Field(default_factory=dict)
    neurons: dict[str, int] = Field(default_factory=dict)
    spikes_per_inference: float | None = None
    sops_per_inference: float | None = None
    energy: dict[str, Any] = Field(default_factory=dict, description="Per-layer op counts.")
    parent: str | None = None
    training: dict[str, Any] = Field(default_factory=dict)
    libraries: dict[str, str] = Field(default_factory=dict)
    variants: dict[str, Any] = Field(default_factory=dict, description="e.g. int8 copy and delta.")
    created_at: datetime = Field(default_factory=utcnow)
    files: dict[str, str] = Field(default_factory=dict, description="file name → sha256 hex")

    @field_validator("version")
    @classmethod
    def _safe_version(cls, value: str) -> str:
        return validate_version_name(value)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value > SCHEMA_VERSION:
            raise ValueError(
                f"manifest schema {value} is newer than this SpikeGlyph ({SCHEMA_VERSION})"
            )
        return value

    @field_validator("preprocessing_version")
    @classmethod
    def _known_preprocessing(cls, value: int) -> int:
        if not 1 <= value <= PREPROCESSING_VERSION:
            raise ValueError(
                f"the model was made with preprocessing version {value}; this SpikeGlyph "
                f"preprocesses images with versions 1 to {PREPROCESSING_VERSION} "
                "(upgrade SpikeGlyph to serve it)"
            )
        return value


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(model_dir: Path) -> Manifest:
    """Parse ``manifest.json`` without checking the other files (see :func:`load_manifest`)."""
    path = Path(model_dir) / MANIFEST_NAME
    if not path.is_file():
        raise ModelNotFound(f"no model at {model_dir}: {MANIFEST_NAME} is missing")
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise InvalidModel(f"{path} is not a valid manifest: {exc.errors()[0]['msg']}") from exc


def verify_files(model_dir: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists against its sha256; raise on the first mismatch."""
    model_dir = Path(model_dir)
    for required in (ONNX_NAME, WEIGHTS_NAME):
        if required not in manifest.files:
            raise InvalidModel(f"manifest of {manifest.version} does not list {required}")
    for name, expected in manifest.files.items():
        if Path(name).name != name:
            raise InvalidModel(f"manifest lists a file outside the model directory: {name!r}")
        path = model_dir / name
        if not path.is_file():
            raise ChecksumMismatch(f"{manifest.version}: {name} is missing")
        actual = sha256_file(path)
        if actual != expected:
            raise ChecksumMismatch(
                f"{manifest.version}: {name} does not match its manifest "
                f"(sha256 {actual[:12]}… ≠ {expected[:12]}…); refusing to load it"
            )


def load_manifest(model_dir: Path, *, verify: bool = True) -> Manifest:
    """Read a model directory's manifest and (by default) verify every file it lists."""
    manifest = read_manifest(model_dir)
    if verify:
        verify_files(model_dir, manifest)
    return manifest


def write_model_dir(
    target: Path, manifest: Manifest, files: Mapping[str, Path | bytes], *, overwrite: bool = False
) -> Manifest:
    """Write a complete model directory atomically and return the manifest with checksums.

    ``files`` maps a file name to its bytes or to a path to copy. Everything is written into a
    temporary sibling directory, fsynced, then renamed to ``target``; an existing ``target`` is
    refused unless ``overwrite`` (then it is replaced by a second rename, never edited in place).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; a version is read by other users too
        checksums: dict[str, str] = {}
        for name, content in files.items():
            if Path(name).name != name or name == MANIFEST_NAME:
                raise ValueError(f"bad model file name {name!r}")
            dest = staging / name
            if isinstance(content, bytes):
                dest.write_bytes(content)
            else:
                shutil.copyfile(content, dest)
            fsync_file(dest)
            checksums[name] = sha256_file(dest)
        final = manifest.model_copy(update={"files": checksums})
        manifest_path = staging / MANIFEST_NAME
        manifest_path.write_text(final.model_dump_json(indent=2) + "\n", encoding="utf-8")
        fsync_file(manifest_path)
        if target.exists():
            trash = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(trash)
            staging.rename(target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            staging.rename(target)
        fsync_dir(target.parent)
        return final
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def manifest_dict(manifest: Manifest) -> dict[str, Any]:
    """The manifest as plain JSON-ready data."""
    data: dict[str, Any] = json.loads(manifest.model_dump_json())
    return data


def fsync_file(path: Path) -> None:
    """Flush a written file to disk (before the rename that publishes it)."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (so a rename inside it survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
