"""The model directory format: atomic writes, checksums, safe version names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spikeglyph.errors import ChecksumMismatch, InvalidModel, InvalidVersionName, ModelNotFound
from spikeglyph.modeldir import (
    PREPROCESSING_VERSION,
    Manifest,
    load_manifest,
    validate_version_name,
    write_model_dir,
)


def _manifest(version: str = "v1") -> Manifest:
    return Manifest(
        version=version,
        dataset="mnist",
        class_names=[str(i) for i in range(10)],
        architecture={"kind": "fc"},
        timesteps=4,
    )


def _write(tmp_path: Path, version: str = "v1") -> Path:
    target = tmp_path / version
    write_model_dir(
        target, _manifest(version), {"model.onnx": b"graph", "weights.safetensors": b"weights"}
    )
    return target


def test_written_directory_verifies_and_records_checksums(tmp_path: Path) -> None:
    target = _write(tmp_path)
    manifest = load_manifest(target)
    assert set(manifest.files) == {"model.onnx", "weights.safetensors"}
    assert all(len(h) == 64 for h in manifest.files.values())
    # nothing but the final directory is left behind
    assert [p.name for p in tmp_path.iterdir()] == ["v1"]


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    target = _write(tmp_path)
    (target / "model.onnx").write_bytes(b"evil graph")
    with pytest.raises(ChecksumMismatch, match="does not match its manifest"):
        load_manifest(target)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    target = _write(tmp_path)
    (target / "weights.safetensors").unlink()
    with pytest.raises(ChecksumMismatch, match="missing"):
        load_manifest(target)


def test_missing_and_malformed_manifest(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound):
        load_manifest(tmp_path / "nothing")
    target = _write(tmp_path)
    (target / "manifest.json").write_text("{not json")
    with pytest.raises(InvalidModel):
        load_manifest(target)


def test_existing_version_is_not_overwritten(tmp_path: Path) -> None:
    _write(tmp_path)
    with pytest.raises(FileExistsError):
        _write(tmp_path)


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_model_dir(tmp_path / "v2", _manifest("v2"), {"../escape": b"x"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../etc", "a/b", "..", "", ".hidden", "x" * 97, "a..b", "a b"])
def test_unsafe_version_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidVersionName):
        validate_version_name(name)


def test_safe_version_name_passes() -> None:
    assert validate_version_name("mnist-20261129.1_a") == "mnist-20261129.1_a"


def test_models_made_with_an_older_preprocessing_are_read(tmp_path: Path) -> None:
    """Preprocessing 2 only changes speckled images, so the shipped version-1 models serve."""
    manifest = _manifest().model_copy(update={"preprocessing_version": 1})
    target = tmp_path / "v1"
    write_model_dir(target, manifest, {"model.onnx": b"g", "weights.safetensors": b"w"})
    assert load_manifest(target).preprocessing_version == 1
    assert _manifest().preprocessing_version == PREPROCESSING_VERSION


def test_a_model_needing_a_newer_preprocessing_is_refused(tmp_path: Path) -> None:
    target = _write(tmp_path)
    path = target / "manifest.json"
    data = json.loads(path.read_text())
    data["preprocessing_version"] = PREPROCESSING_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidModel, match="preprocessing version"):
        load_manifest(target)
