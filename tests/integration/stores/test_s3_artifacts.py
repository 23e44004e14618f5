"""The S3 backend against a real S3-compatible server (moto's standalone server on loopback):
versions appear whole, never change, and a damaged object or a lost server never gets served."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import redis
from moto.server import ThreadedMotoServer

from spikeglyph.errors import ChecksumMismatch, ServiceUnavailable
from spikeglyph.modeldir import MANIFEST_NAME, ONNX_NAME, load_manifest
from spikeglyph.stores import ModelRegistry
from spikeglyph.stores.s3_artifacts import S3ArtifactStore
from spikeglyph.stores.version_cache import VersionCache
from tests.support.s3 import s3_server
from tests.unit.stores.conftest import NAMESPACE

pytestmark = pytest.mark.integration

BUCKET = "models"


@pytest.fixture()
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadedMotoServer]:
    with s3_server(monkeypatch, BUCKET) as server:
        yield server


@pytest.fixture()
def store(s3: ThreadedMotoServer) -> S3ArtifactStore:
    return S3ArtifactStore(BUCKET, "spikeglyph/test")


def test_a_published_version_is_listed_and_read_back(
    store: S3ArtifactStore, make_model: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_model("v1")
    store.install(source, load_manifest(source))
    assert store.exists("v1")
    assert store.versions() == ["v1"]
    local = VersionCache(store, tmp_path / "cache").get("v1", load_manifest(source))
    assert load_manifest(local).files == load_manifest(source).files


def test_a_version_without_its_manifest_does_not_exist(
    store: S3ArtifactStore, make_model: Callable[..., Path]
) -> None:
    source = make_model("v1")
    # an upload cut short: every file but the manifest
    boto3.client("s3").upload_file(
        str(source / ONNX_NAME), BUCKET, f"spikeglyph/test/v1/{ONNX_NAME}"
    )
    assert not store.exists("v1")
    assert store.versions() == []


def test_a_version_is_never_overwritten(
    store: S3ArtifactStore, make_model: Callable[..., Path], tmp_path: Path
) -> None:
    first = make_model("v1")
    store.install(first, load_manifest(first))
    other = make_model("v2")
    clash = load_manifest(other).model_copy(update={"version": "v1"})
    with pytest.raises(FileExistsError):
        store.install(other, clash)
    assert store.read_manifest("v1").files == load_manifest(first).files


def test_a_corrupted_object_is_refused_and_not_cached(
    store: S3ArtifactStore, make_model: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_model("v1")
    store.install(source, load_manifest(source))
    boto3.client("s3").put_object(
        Bucket=BUCKET, Key=f"spikeglyph/test/v1/{ONNX_NAME}", Body=b"flipped bits"
    )
    cache = VersionCache(store, tmp_path / "cache")
    with pytest.raises(ChecksumMismatch):
        cache.get("v1", load_manifest(source))
    assert cache.cached() == []


def test_the_server_lost_mid_download_leaves_no_version(
    s3: ThreadedMotoServer, make_model: Callable[..., Path], tmp_path: Path
) -> None:
    class StopsMidway(S3ArtifactStore):
        def download(self, version: str, name: str, dest: Path) -> None:
            super().download(version, name, dest)
            s3.stop()  # after the first file: the rest cannot be fetched

    source = make_model("v1")
    store = StopsMidway(BUCKET, "spikeglyph/test")
    store.install(source, load_manifest(source))
    cache = VersionCache(store, tmp_path / "cache")
    with pytest.raises(ServiceUnavailable):
        cache.get("v1", load_manifest(source))
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_registry_publishes_shipped_models_into_an_empty_bucket(
    store: S3ArtifactStore,
    client: redis.Redis,
    make_model: Callable[..., Path],
    tmp_path: Path,
) -> None:
    shipped = make_model("shipped-a").parent
    make_model("shipped-b")
    cache = VersionCache(store, tmp_path / "cache")
    registry = ModelRegistry(client, store, namespace=NAMESPACE, cache=cache)
    assert registry.publish_shipped(shipped, default="shipped-a") == ["shipped-a", "shipped-b"]
    assert registry.active_version() == "shipped-a"
    assert store.versions() == ["shipped-a", "shipped-b"]
    path, manifest = registry.load_verified("shipped-a")
    assert path.parent == tmp_path / "cache"
    assert (path / MANIFEST_NAME).is_file() and manifest.version == "shipped-a"
