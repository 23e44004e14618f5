"""Activating, rolling back and pruning versions; names that could escape are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from spikeglyph.errors import (
    ChecksumMismatch,
    InvalidVersionName,
    ModelNotFound,
    RegistryUnavailable,
)
from spikeglyph.modeldir import WEIGHTS_NAME
from spikeglyph.stores import ModelRegistry
from tests.support.procs import RedisServer


def publish_chain(registry: ModelRegistry, make_model: Callable[..., Path], *versions: str) -> None:
    """Publish versions each derived from the previous one."""
    parent = None
    for version in versions:
        registry.publish(make_model(version, parent=parent))
        parent = version


def test_activate_switches_and_reports_the_previous_version(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    publish_chain(registry, make_model, "v1", "v2")
    first = registry.activate("v1")
    assert (first.type, first.version, first.previous) == ("activated", "v1", None)
    second = registry.activate("v2")
    assert (second.version, second.previous) == ("v2", "v1")
    assert registry.active_version() == "v2"
    assert [s.version for s in registry.summaries() if s.active] == ["v2"]


def test_activate_unknown_version_is_not_found(registry: ModelRegistry) -> None:
    with pytest.raises(ModelNotFound):
        registry.activate("nope")


def test_a_tampered_artifact_is_refused_and_the_active_version_stays(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    publish_chain(registry, make_model, "v1", "v2")
    registry.activate("v1")
    (registry.path("v2") / WEIGHTS_NAME).write_bytes(b"tampered")
    with pytest.raises(ChecksumMismatch):
        registry.activate("v2")
    with pytest.raises(ChecksumMismatch):
        registry.load_verified("v2")
    assert registry.active_version() == "v1"


def test_a_manifest_swapped_on_disk_is_refused(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    publish_chain(registry, make_model, "v1")
    other = make_model("v1-evil")
    target = registry.path("v1")
    for item in other.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    manifest = target / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"v1-evil"', '"v1"'))
    with pytest.raises(ChecksumMismatch):
        registry.activate("v1")


def test_rollback_walks_back_through_the_activation_history(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    publish_chain(registry, make_model, "v1", "v2", "v3")
    for version in ("v1", "v2", "v3"):
        registry.activate(version)
    back = registry.rollback()
    assert (back.version, back.previous) == ("v2", "v3")
    assert registry.rollback().version == "v1"
    assert registry.active_version() == "v1"
    # Nothing was active before v1, and v1 has no parent.
    with pytest.raises(ModelNotFound):
        registry.rollback()
    assert registry.active_version() == "v1"


def test_rollback_without_history_goes_to_the_parent(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    publish_chain(registry, make_model, "base", "tuned")
    registry.activate("tuned")
    assert registry.rollback().version == "base"


def test_rollback_skips_versions_deleted_since(
    registry: ModelRegistry, make_model: Callable[..., Path]
) -> None:
    for version in ("a", "b", "c", "d"):
        registry.publish(make_model(version))
    for version in ("a", "b", "d"):
        registry.activate(version)
    # keep=1 keeps d (active, newest); a, b and c go (d has no parent).
    assert sorted(registry.apply_retention(keep=1)) == ["a", "b", "c"]
    with pytest.raises(ModelNotFound):
        registry.rollback()


def test_rollback_with_nothing_active_is_not_found(registry: ModelRegistry) -> None:
    with pytest.raises(ModelNotFound):
        registry.rollback()


def test_retention_keeps_the_newest_plus_active_and_its_parent(
    registry: ModelRegistry, artifacts_dir: Path, make_model: Callable[..., Path]
) -> None:
    publish_chain(registry, make_model, "v1", "v2", "v3", "v4", "v5", "v6")
    registry.activate("v2")  # old, and its parent v1 is older still
    deleted = registry.apply_retention(keep=2)
    assert sorted(deleted) == ["v3", "v4"]
    assert [m.version for m in registry.list()] == ["v6", "v5", "v2", "v1"]
    assert sorted(p.name for p in artifacts_dir.iterdir()) == ["v1", "v2", "v5", "v6"]
    with pytest.raises(ModelNotFound):
        registry.get("v3")
    registry.activate("v1")  # both survivors stay usable
    assert registry.apply_retention(keep=2) == ["v2"]


def test_retention_refuses_a_keep_below_one(registry: ModelRegistry) -> None:
    with pytest.raises(ValueError, match="keep"):
        registry.apply_retention(keep=0)


@pytest.mark.parametrize("name", ["../x", "a/b", "..", "/abs", ".hidden"])
def test_traversal_names_are_refused_everywhere(registry: ModelRegistry, name: str) -> None:
    for call in (registry.get, registry.activate, registry.path, registry.load_verified):
        with pytest.raises(InvalidVersionName):
            call(name)


def test_a_redis_outage_is_reported_as_registry_unavailable(
    registry: ModelRegistry, redis_server: RedisServer, make_model: Callable[..., Path]
) -> None:
    publish_chain(registry, make_model, "v1")
    redis_server.stop()
    with pytest.raises(RegistryUnavailable):
        registry.list()
    with pytest.raises(RegistryUnavailable):
        registry.activate("v1")
