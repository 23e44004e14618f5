"""Local files are checked against their checksums once, then trusted while unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from spikeglyph.data import FILES, SUMS_FILE, ensure_dataset, load_split, write_idx
from spikeglyph.data import verify as verify_module
from spikeglyph.errors import CorruptDataset
from tests.support.datasets import make_tiny_idx_dataset, test_data_dir


def _copy(synthetic_root: Path, tmp_path: Path) -> Path:
    shutil.copytree(synthetic_root / "mnist", tmp_path / "mnist")
    return tmp_path


def test_tampered_local_file_is_refused_naming_it(synthetic_root: Path, tmp_path: Path) -> None:
    data_dir = _copy(synthetic_root, tmp_path)
    victim = data_dir / "mnist" / f"{FILES.train_labels}.gz"
    write_idx(victim, np.ones(600, dtype=np.uint8))  # valid IDX, wrong content
    with pytest.raises(CorruptDataset, match="sha256") as info:
        load_split(data_dir, "mnist", "train", download=False)
    assert str(victim) in info.value.message


def test_real_files_are_checked_against_the_canonical_table(tmp_path: Path) -> None:
    """Without a SHA256SUMS file, synthetic files posing as MNIST fail the canonical check."""
    data_dir = make_tiny_idx_dataset(tmp_path, n_train=60, n_test=20)
    (data_dir / "mnist" / SUMS_FILE).unlink()
    with pytest.raises(CorruptDataset, match="expected ba891046"):
        ensure_dataset(data_dir, "mnist", download=False)


def test_a_verified_file_leaves_a_stamp_and_is_not_hashed_again(
    synthetic_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = _copy(synthetic_root, tmp_path)
    ensure_dataset(data_dir, "mnist", download=False)
    assert len(list((data_dir / "mnist").glob(".verified-*"))) == 4
    verify_module._verified_in_process.clear()  # a new process: only the stamps remain

    def no_hashing(data: bytes) -> str:
        raise AssertionError("a stamped file was hashed again")

    monkeypatch.setattr(verify_module, "sha256_hex", no_hashing)
    ensure_dataset(data_dir, "mnist", download=False)


def test_a_file_replaced_after_its_stamp_is_verified_again(
    synthetic_root: Path, tmp_path: Path
) -> None:
    data_dir = _copy(synthetic_root, tmp_path)
    ensure_dataset(data_dir, "mnist", download=False)
    victim = data_dir / "mnist" / f"{FILES.test_labels}.gz"
    write_idx(victim, np.full(200, 3, dtype=np.uint8))
    verify_module._verified_in_process.clear()
    with pytest.raises(CorruptDataset, match=FILES.test_labels):
        ensure_dataset(data_dir, "mnist", download=False)


def test_read_only_folder_is_verified_in_memory_without_writing(
    synthetic_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = _copy(synthetic_root, tmp_path)
    folder = data_dir / "mnist"
    folder.chmod(0o555)
    try:
        before = sorted(p.name for p in folder.iterdir())
        verify_module._verified_in_process.clear()
        ensure_dataset(data_dir, "mnist", download=False)
        assert sorted(p.name for p in folder.iterdir()) == before

        def no_hashing(data: bytes) -> str:
            raise AssertionError("verified file hashed twice in one process")

        monkeypatch.setattr(verify_module, "sha256_hex", no_hashing)
        ensure_dataset(data_dir, "mnist", download=False)
    finally:
        folder.chmod(0o755)


def test_reference_datasets_pass_the_canonical_checksums() -> None:
    reference = test_data_dir()
    if reference is None:
        pytest.skip("reference datasets not present; synthetic checksum tests cover the code")
    for dataset in ("mnist", "fashion-mnist"):
        folder = ensure_dataset(reference, dataset, download=False)
        assert folder == reference / dataset
