"""Downloading missing files from mirrors (a local http.server here), checksum-verified."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from spikeglyph.data import CANONICAL_SHA256, FILES, ensure_dataset, load_split, write_idx
from spikeglyph.errors import CorruptDataset, DatasetDownloadError, DatasetError, UnknownDataset
from tests.support.datasets import test_data_dir
from tests.support.procs import free_port


def test_downloads_synthetic_files_and_verifies_them(
    tmp_path: Path,
    synthetic_root: Path,
    synthetic_sums: dict[str, str],
    serve_dir: Callable[[Path], str],
) -> None:
    mirror = serve_dir(synthetic_root / "mnist")
    data_dir = tmp_path / "data"
    folder = ensure_dataset(data_dir, "mnist", mirrors=[mirror], checksums=synthetic_sums)
    assert folder == data_dir / "mnist"
    for name in FILES.all():
        assert (folder / f"{name}.gz").read_bytes() == (
            synthetic_root / "mnist" / f"{name}.gz"
        ).read_bytes()
    assert not list(folder.glob("*.part")), "temporary download files were left behind"
    images, labels = load_split(data_dir, "mnist", "test", checksums=synthetic_sums)
    assert images.shape == (200, 28, 28)
    assert labels.shape == (200,)


def test_downloads_the_real_datasets_from_a_local_mirror(
    tmp_path: Path, serve_dir: Callable[[Path], str]
) -> None:
    """The canonical checksum table is what the files of a real mirror are checked against."""
    reference = test_data_dir()
    if reference is None:
        pytest.skip("reference datasets not present; the synthetic download test covers the code")
    mirror = serve_dir(reference / "mnist")
    folder = ensure_dataset(tmp_path, "mnist", mirrors=[mirror])
    _, labels = load_split(tmp_path, "mnist", "test")
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert {p.name for p in folder.glob("*.gz")} == {f"{n}.gz" for n in FILES.all()}


def test_falls_back_to_the_next_mirror(
    tmp_path: Path,
    synthetic_root: Path,
    synthetic_sums: dict[str, str],
    serve_dir: Callable[[Path], str],
) -> None:
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    mirrors = [serve_dir(empty), serve_dir(synthetic_root / "mnist")]
    folder = ensure_dataset(tmp_path / "d", "mnist", mirrors=mirrors, checksums=synthetic_sums)
    assert all((folder / f"{n}.gz").is_file() for n in FILES.all())


def test_corrupt_download_is_refused_and_leaves_nothing_behind(
    tmp_path: Path,
    synthetic_root: Path,
    synthetic_sums: dict[str, str],
    serve_dir: Callable[[Path], str],
) -> None:
    bad_mirror = tmp_path / "bad"
    shutil.copytree(synthetic_root / "mnist", bad_mirror)
    # Same structure, different content: only the checksum can tell.
    write_idx(bad_mirror / f"{FILES.train_labels}.gz", np.zeros(600, dtype=np.uint8))
    data_dir = tmp_path / "data"
    with pytest.raises(CorruptDataset, match=FILES.train_labels) as info:
        ensure_dataset(data_dir, "mnist", mirrors=[serve_dir(bad_mirror)], checksums=synthetic_sums)
    assert "sha256" in info.value.message
    folder = data_dir / "mnist"
    assert not (folder / f"{FILES.train_labels}.gz").exists()
    assert not list(folder.glob(".*.part"))


def test_truncated_download_is_refused(
    tmp_path: Path,
    synthetic_root: Path,
    synthetic_sums: dict[str, str],
    serve_dir: Callable[[Path], str],
) -> None:
    bad_mirror = tmp_path / "bad"
    shutil.copytree(synthetic_root / "mnist", bad_mirror)
    target = bad_mirror / f"{FILES.test_images}.gz"
    target.write_bytes(target.read_bytes()[:-500])
    with pytest.raises(CorruptDataset, match=FILES.test_images):
        ensure_dataset(
            tmp_path / "d", "mnist", mirrors=[serve_dir(bad_mirror)], checksums=synthetic_sums
        )
    assert not (tmp_path / "d" / "mnist" / f"{FILES.test_images}.gz").exists()


def test_unreachable_mirrors_are_listed_in_the_error(tmp_path: Path) -> None:
    mirrors = [f"http://127.0.0.1:{free_port()}/a/", f"http://127.0.0.1:{free_port()}/b/"]
    with pytest.raises(DatasetDownloadError) as info:
        ensure_dataset(tmp_path, "fashion-mnist", mirrors=mirrors, timeout=2.0)
    for mirror in mirrors:
        assert mirror in info.value.message
    assert not list((tmp_path / "fashion-mnist").iterdir())


def test_missing_files_without_download_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="downloading is disabled"):
        ensure_dataset(tmp_path, "mnist", download=False)
    assert not (tmp_path / "mnist").exists()


@pytest.mark.parametrize("name", ["cifar10", "MNIST", "../mnist", ""])
def test_unknown_dataset_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnknownDataset, match="mnist, fashion-mnist"):
        ensure_dataset(tmp_path, name)
    with pytest.raises(UnknownDataset):
        load_split(tmp_path, name, "train")


def test_canonical_table_covers_both_datasets() -> None:
    for dataset in ("mnist", "fashion-mnist"):
        assert set(CANONICAL_SHA256[dataset]) == set(FILES.all())


def test_raw_files_are_read_as_well_as_gz(
    tmp_path: Path, synthetic_root: Path, synthetic_sums: dict[str, str]
) -> None:
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in FILES.all():
        raw = gzip.decompress((synthetic_root / "mnist" / f"{name}.gz").read_bytes())
        (folder / name).write_bytes(raw)
    images, _ = load_split(tmp_path, "mnist", "test", download=False, checksums=synthetic_sums)
    assert images.shape == (200, 28, 28)
