"""The local version cache: verified before use, atomic, reused after a restart, bounded."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from spikeglyph.errors import ChecksumMismatch, ServiceUnavailable
from spikeglyph.modeldir import ONNX_NAME, Manifest, load_manifest
from spikeglyph.stores.artifacts import DirectoryArtifactStore
from spikeglyph.stores.version_cache import VersionCache


@pytest.fixture()
def store(tmp_path: Path) -> DirectoryArtifactStore:
    return DirectoryArtifactStore(tmp_path / "artifacts")


def publish(store: DirectoryArtifactStore, source: Path) -> Manifest:
    manifest = load_manifest(source)
    store.install(source, manifest)
    return manifest


def visible(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def test_a_version_is_downloaded_verified_and_served_locally(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    manifest = publish(store, make_model("v1"))
    cache = VersionCache(store, tmp_path / "cache")
    local = cache.get("v1", manifest)
    assert local == tmp_path / "cache" / "v1"
    assert load_manifest(local).files == manifest.files


def test_a_tampered_object_is_refused_and_nothing_is_cached(
    tmp_path: Path,
    store: DirectoryArtifactStore,
    make_model: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    manifest = publish(store, make_model("v1"))
    (store.path("v1") / ONNX_NAME).write_bytes(b"tampered")
    cache = VersionCache(store, tmp_path / "cache")
    with pytest.raises(ChecksumMismatch, match="does not match its manifest"):
        cache.get("v1", manifest)
    assert visible(tmp_path / "cache") == []  # no version, no staging leftover
    assert "refusing model v1" in caplog.text


def test_a_stored_manifest_unlike_the_registry_record_is_refused(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    stored = publish(store, make_model("v1"))
    recorded = stored.model_copy(update={"files": {**stored.files, ONNX_NAME: "0" * 64}})
    with pytest.raises(ChecksumMismatch, match="differs from the registry"):
        VersionCache(store, tmp_path / "cache").get("v1", recorded)


def test_a_cached_version_is_reused_after_a_restart_without_the_store(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    manifest = publish(store, make_model("v1"))
    VersionCache(store, tmp_path / "cache").get("v1", manifest)
    store.remove("v1")  # the object store is gone: the restarted service still has its copy
    again = VersionCache(store, tmp_path / "cache").get("v1", manifest)
    assert load_manifest(again).version == "v1"


def test_a_cached_copy_damaged_on_disk_is_fetched_again(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    manifest = publish(store, make_model("v1"))
    local = VersionCache(store, tmp_path / "cache").get("v1", manifest)
    (local / ONNX_NAME).write_bytes(b"bit rot")
    restarted = VersionCache(store, tmp_path / "cache")
    assert load_manifest(restarted.get("v1", manifest)).files == manifest.files


def test_an_unreachable_store_leaves_nothing_behind(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    manifest = publish(store, make_model("v1"))

    class Failing(DirectoryArtifactStore):
        def download(self, version: str, name: str, dest: Path) -> None:
            raise ServiceUnavailable("the artifact store cannot be reached")

    cache = VersionCache(Failing(store.root), tmp_path / "cache")
    with pytest.raises(ServiceUnavailable):
        cache.get("v1", manifest)
    assert visible(tmp_path / "cache") == []


def test_eviction_keeps_the_most_recent_and_never_the_active(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    cache = VersionCache(store, tmp_path / "cache", keep=4)
    for age, version in enumerate(["v1", "v2", "v3", "v4"]):
        manifest = publish(store, make_model(version))
        local = cache.get(version, manifest)
        os.utime(local, (1_000_000 + age, 1_000_000 + age))
    cache.keep = 2
    removed = cache.evict(in_use={"v1"})
    assert sorted(removed) == ["v2", "v3"]
    assert sorted(cache.cached()) == ["v1", "v4"]


def test_fetching_a_new_version_evicts_beyond_the_bound_but_keeps_the_one_served_before(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    cache = VersionCache(store, tmp_path / "cache", keep=2)
    for version in ["v1", "v2", "v3"]:
        cache.get(version, publish(store, make_model(version)))
    assert sorted(cache.cached()) == ["v2", "v3"]


def test_staging_left_by_a_crash_is_dropped_at_start(
    tmp_path: Path, store: DirectoryArtifactStore, make_model: Callable[..., Path]
) -> None:
    manifest = publish(store, make_model("v1"))
    VersionCache(store, tmp_path / "cache").get("v1", manifest)
    (tmp_path / "cache" / ".v2.abc.tmp").mkdir()  # a download cut short by a crash
    VersionCache(store, tmp_path / "cache")
    assert visible(tmp_path / "cache") == ["v1"]
