"""Publishing versions: atomic, verified, idempotent per job, and conflict-free."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from spikeglyph.errors import ChecksumMismatch, ModelNotFound, VersionConflict
from spikeglyph.modeldir import ONNX_NAME, Manifest, load_manifest
from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores import ModelRegistry
from spikeglyph.stores import artifacts as artifacts_module
from spikeglyph.stores.driver import Op
from tests.unit.stores.conftest import NAMESPACE


def visible_dirs(root: Path) -> list[str]:
    return (
        sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
        if root.exists()
        else []
    )


class Events:
    """Collects registry events from the channel with a plain subscription."""

    def __init__(self, client: redis.Redis, channel: str) -> None:
        self.pubsub = client.pubsub()
        self.pubsub.subscribe(channel)
        assert self.pubsub.get_message(timeout=2)["type"] == "subscribe"

    def drain(self) -> list[RegistryEvent]:
        events = []
        while (message := self.pubsub.get_message(timeout=0.2)) is not None:
            events.append(RegistryEvent.model_validate_json(message["data"]))
        return events


def test_publish_records_the_version_and_announces_it(
    registry: ModelRegistry, client: redis.Redis, make_model: Callable[..., Path]
) -> None:
    events = Events(client, registry.channel)
    manifest = registry.publish(make_model("v1"))
    assert manifest.version == "v1"
    assert registry.get("v1").files == manifest.files
    assert [m.version for m in registry.list()] == ["v1"]
    assert registry.active_version() is None
    path, verified = registry.load_verified("v1")
    assert path == registry.path("v1") and verified.version == "v1"
    assert [(e.type, e.version) for e in events.drain()] == [("published", "v1")]


def test_publish_with_activate_switches_in_the_same_step(
    registry: ModelRegistry, client: redis.Redis, make_model: Callable[..., Path]
) -> None:
    registry.publish(make_model("v1"), activate=True)
    events = Events(client, registry.channel)
    registry.publish(make_model("v2", parent="v1"), activate=True)
    assert registry.active_version() == "v2"
    assert registry.parent("v2") == "v1"
    got = events.drain()
    assert [(e.type, e.version, e.previous) for e in got] == [
        ("published", "v2", None),
        ("activated", "v2", "v1"),
    ]


def test_list_is_newest_first_by_creation_time(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    registry.publish(make_model("b", age_rank=2))
    registry.publish(make_model("a", age_rank=1))
    registry.publish(make_model("c", age_rank=3))
    assert [m.version for m in registry.list()] == ["c", "b", "a"]


def test_same_idempotency_key_publishes_at_most_one_version(
    registry: ModelRegistry,
    client: redis.Redis,
    artifacts_dir: Path,
    make_model: Callable[..., Path],
) -> None:
    first = registry.publish(make_model("job-1-a"), idempotency_key="job-1")
    events = Events(client, registry.channel)
    # The redelivered job trained again and produced another directory under another name.
    again = registry.publish(make_model("job-1-b"), idempotency_key="job-1", activate=True)
    assert again.version == first.version == "job-1-a"
    assert [m.version for m in registry.list()] == ["job-1-a"]
    assert visible_dirs(artifacts_dir) == ["job-1-a"]
    assert registry.active_version() is None
    assert events.drain() == []


def test_an_existing_version_name_is_a_conflict(
    registry: ModelRegistry, tmp_path: Path, make_model: Callable[..., Path]
) -> None:
    registry.publish(make_model("v1"))
    other = make_model("v1-other")
    shutil.copytree(other, tmp_path / "elsewhere" / "x")
    manifest_path = tmp_path / "elsewhere" / "x" / "manifest.json"
    manifest_path.write_text(manifest_path.read_text().replace('"v1-other"', '"v1"'))
    with pytest.raises(VersionConflict):
        registry.publish(tmp_path / "elsewhere" / "x")
    assert registry.get("v1").files == load_manifest(registry.path("v1")).files


def test_a_tampered_source_is_refused_and_nothing_is_recorded(
    registry: ModelRegistry, artifacts_dir: Path, make_model: Callable[..., Path]
) -> None:
    source = make_model("v1")
    (source / ONNX_NAME).write_bytes(b"not what the manifest says")
    with pytest.raises(ChecksumMismatch):
        registry.publish(source)
    assert registry.list() == []
    assert visible_dirs(artifacts_dir) == []


def test_crash_between_write_and_rename_leaves_no_visible_version(
    registry: ModelRegistry,
    artifacts_dir: Path,
    make_model: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = make_model("v1")

    def crash(src: object, dst: object) -> None:
        raise OSError("killed before the rename")

    monkeypatch.setattr(artifacts_module.os, "rename", crash)
    with pytest.raises(OSError, match="killed"):
        registry.publish(source, idempotency_key="job-9")
    monkeypatch.undo()
    assert registry.list() == []
    with pytest.raises(ModelNotFound):
        registry.get("v1")
    assert visible_dirs(artifacts_dir) == []
    # The redelivered job publishes normally afterwards.
    assert registry.publish(source, idempotency_key="job-9").version == "v1"


def test_a_stale_staging_directory_is_ignored_then_swept(
    registry: ModelRegistry, artifacts_dir: Path, make_model: Callable[..., Path]
) -> None:
    stale = artifacts_dir / ".v0.crashed.tmp"
    shutil.copytree(make_model("v0"), stale)
    os.utime(stale, (0, 0))
    assert registry.list() == []
    registry.publish(make_model("v1"))
    assert not stale.exists()
    assert [m.version for m in registry.list()] == ["v1"]


def test_crash_after_rename_before_commit_is_adopted_on_retry(
    registry: ModelRegistry, artifacts_dir: Path, make_model: Callable[..., Path]
) -> None:
    source = make_model("v1")
    # What a crash after the rename and before the Redis commit leaves: an unrecorded copy.
    shutil.copytree(source, artifacts_dir / "v1")
    assert registry.list() == []
    assert registry.publish(source, idempotency_key="job-3").version == "v1"
    registry.activate("v1")
    assert registry.active_version() == "v1"


def test_a_full_disk_propagates_and_leaves_nothing_half_published(
    registry: ModelRegistry,
    artifacts_dir: Path,
    make_model: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = make_model("v1")
    real_copy = shutil.copyfile
    copied: list[str] = []

    def copy_until_full(src: str | Path, dst: str | Path) -> object:
        if copied:
            raise OSError(errno.ENOSPC, "No space left on device")
        copied.append(str(dst))
        return real_copy(src, dst)

    monkeypatch.setattr(artifacts_module.shutil, "copyfile", copy_until_full)
    with pytest.raises(OSError) as raised:
        registry.publish(source)
    assert raised.value.errno == errno.ENOSPC
    assert copied, "the first file was written before the disk filled up"
    assert list(artifacts_dir.iterdir()) == []
    assert registry.list() == []


def test_an_unwritable_artifact_store_propagates_and_records_nothing(
    client: redis.Redis, tmp_path: Path, make_model: Callable[..., Path]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store should be")
    registry = ModelRegistry(client, blocker / "artifacts", namespace=NAMESPACE)
    with pytest.raises(OSError):
        registry.publish(make_model("v1"))
    assert registry.list() == []


def test_namespaces_do_not_see_each_other(
    client: redis.Redis, tmp_path: Path, make_model: Callable[..., Path]
) -> None:
    one = ModelRegistry(client, tmp_path / "a", namespace="one")
    two = ModelRegistry(client, tmp_path / "b", namespace="two")
    one.publish(make_model("v1"), activate=True)
    assert two.list() == [] and two.active_version() is None
    assert all(key.startswith(b"one:") for key in client.keys("*"))


def finds_nothing(key: str | None) -> Op[Manifest | None]:
    """A lookup of an idempotency key made just before another delivery committed it."""
    return None
    yield  # an operation that asks Redis nothing


def test_a_redelivery_racing_the_first_publish_still_yields_one_version(
    registry: ModelRegistry,
    artifacts_dir: Path,
    make_model: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = registry.publish(make_model("run-a"), idempotency_key="job-5")
    # The second delivery checked the key just before the first one committed it.
    monkeypatch.setattr(registry, "_idempotent_result", finds_nothing)
    second = registry.publish(make_model("run-b"), idempotency_key="job-5", activate=True)
    assert second.version == first.version == "run-a"
    assert [m.version for m in registry.list()] == ["run-a"]
    assert visible_dirs(artifacts_dir) == ["run-a"]
    assert registry.active_version() is None


def test_a_racing_redelivery_under_the_same_version_name_returns_the_first(
    registry: ModelRegistry,
    tmp_path: Path,
    make_model: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = registry.publish(make_model("job-6"), idempotency_key="job-6")
    retrained = tmp_path / "retrained"
    shutil.copytree(make_model("job-6-retrained"), retrained)
    manifest_path = retrained / "manifest.json"
    manifest_path.write_text(manifest_path.read_text().replace('"job-6-retrained"', '"job-6"'))
    real_lookup = registry._idempotent_result
    calls: list[str | None] = []

    def lookup_missing_once(key: str | None) -> Op[Manifest | None]:
        calls.append(key)
        if len(calls) == 1:
            return None
        return (yield from real_lookup(key))

    monkeypatch.setattr(registry, "_idempotent_result", lookup_missing_once)
    again = registry.publish(retrained, idempotency_key="job-6")
    assert again.files == first.files
    assert registry.get("job-6").files == first.files
