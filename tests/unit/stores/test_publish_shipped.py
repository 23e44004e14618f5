"""The shipped models reach the registry on first start: every directory it lacks is published
and the default is activated when nothing is active; an existing choice is never overridden."""

from __future__ import annotations

import asyncio
from pathlib import Path

import redis.asyncio as aioredis

from spikeglyph.modeldir import ONNX_NAME
from spikeglyph.stores import AsyncModelRegistry, ModelRegistry
from tests.unit.stores.builders import build_model_dir
from tests.unit.stores.conftest import NAMESPACE


def shipped(root: Path) -> Path:
    """mnist (the default), fashion-mnist, and a directory whose model file was damaged."""
    build_model_dir(root, "mnist", age_rank=1)
    build_model_dir(root, "fashion-mnist", age_rank=2)
    broken = build_model_dir(root, "broken", age_rank=3)
    (broken / ONNX_NAME).write_bytes(b"damaged")
    (root / "notes").mkdir()  # not a model directory at all
    return root


def test_every_shipped_model_is_published_and_the_default_activated(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    models = shipped(tmp_path / "models")
    assert sorted(registry.publish_shipped(models, "mnist")) == ["fashion-mnist", "mnist"]
    assert sorted(m.version for m in registry.list()) == ["fashion-mnist", "mnist"]
    assert registry.active_version() == "mnist"
    # A second start publishes nothing and changes nothing.
    assert registry.publish_shipped(models, "mnist") == []
    assert registry.active_version() == "mnist"


def test_an_active_version_is_never_replaced_by_the_default(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    registry.publish(build_model_dir(tmp_path / "trained", "mine", age_rank=9), activate=True)
    registry.publish_shipped(shipped(tmp_path / "models"), "mnist")
    assert registry.active_version() == "mine"
    assert {m.version for m in registry.list()} == {"mine", "mnist", "fashion-mnist"}


def test_a_missing_models_folder_publishes_nothing(registry: ModelRegistry, tmp_path: Path) -> None:
    assert registry.publish_shipped(tmp_path / "nowhere", "mnist") == []
    assert registry.active_version() is None


def test_the_asyncio_registry_publishes_the_same(
    redis_url: str, artifacts_dir: Path, tmp_path: Path
) -> None:
    models = shipped(tmp_path / "models")

    async def scenario() -> tuple[list[str], str | None]:
        client = aioredis.Redis.from_url(redis_url)
        try:
            registry = AsyncModelRegistry(client, artifacts_dir, NAMESPACE)
            published = await registry.publish_shipped(models, "fashion-mnist")
            return sorted(published), await registry.active_version()
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == (["fashion-mnist", "mnist"], "fashion-mnist")
    assert sorted(p.name for p in artifacts_dir.iterdir()) == ["fashion-mnist", "mnist"]
