"""The artifact store: versions appear whole or not at all, and names never leave the root."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from spikeglyph.errors import InvalidVersionName
from spikeglyph.modeldir import load_manifest
from spikeglyph.stores import ArtifactStore

BAD_NAMES = ["../x", "a/b", "..", ".", ".hidden", "/etc", "x/../../y", "", "a\\b", "v1\x00"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_path_refuses_names_that_could_escape_the_store(tmp_path: Path, name: str) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    with pytest.raises(InvalidVersionName):
        store.path(name)


def test_path_refuses_a_version_directory_that_is_a_symlink_elsewhere(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "v1").symlink_to(tmp_path / "outside")
    with pytest.raises(InvalidVersionName):
        ArtifactStore(root).path("v1")


def test_install_copies_a_verified_version(tmp_path: Path, make_model: Callable[..., Path]) -> None:
    source = make_model("v1")
    store = ArtifactStore(tmp_path / "artifacts")
    target = store.install(source, load_manifest(source))
    assert target == store.path("v1")
    assert load_manifest(target).version == "v1"
    assert store.versions_on_disk() == ["v1"]
    with pytest.raises(FileExistsError):
        store.install(source, load_manifest(source))


def test_a_failed_rename_leaves_no_visible_version_and_no_staging(
    tmp_path: Path, make_model: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_model("v1")
    store = ArtifactStore(tmp_path / "artifacts")

    def crash(src: object, dst: object) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "rename", crash)
    with pytest.raises(OSError, match="simulated crash"):
        store.install(source, load_manifest(source))
    assert store.versions_on_disk() == []
    assert list((tmp_path / "artifacts").iterdir()) == []


def test_sweep_removes_only_stale_hidden_directories(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    stale = root / ".v1.abc.tmp"
    young = root / ".v2.def.tmp"
    version = root / "v3"
    for directory in (stale, young, version):
        directory.mkdir(parents=True)
    hour_ago = time.time() - 7200
    os.utime(stale, (hour_ago, hour_ago))
    os.utime(version, (hour_ago, hour_ago))
    store = ArtifactStore(root)
    assert store.versions_on_disk() == ["v3"]
    assert store.sweep(max_age_s=3600) == [stale]
    assert sorted(p.name for p in root.iterdir()) == [".v2.def.tmp", "v3"]


def test_remove_deletes_the_whole_version(tmp_path: Path, make_model: Callable[..., Path]) -> None:
    source = make_model("v1")
    store = ArtifactStore(tmp_path / "artifacts")
    store.install(source, load_manifest(source))
    store.remove("v1")
    assert not store.exists("v1")
    assert list((tmp_path / "artifacts").iterdir()) == []
