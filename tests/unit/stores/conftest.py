"""Fixtures for the registry tests: a binary-safe client on the private redis-server and
stores in a namespace of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry, connect
from tests.support.procs import RedisServer
from tests.unit.stores.builders import build_model_dir

NAMESPACE = "sgtest"


@pytest.fixture()
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    connection = connect(redis_server.url)
    yield connection
    connection.close()


@pytest.fixture()
def artifacts_dir(tmp_path: Path) -> Path:
    return tmp_path / "artifacts"


@pytest.fixture()
def registry(client: redis.Redis, artifacts_dir: Path) -> ModelRegistry:
    return ModelRegistry(client, artifacts_dir, namespace=NAMESPACE)


@pytest.fixture()
def feedback(client: redis.Redis) -> FeedbackStore:
    return FeedbackStore(client, namespace=NAMESPACE)


@pytest.fixture()
def jobs(client: redis.Redis) -> JobStore:
    return JobStore(client, namespace=NAMESPACE)


@pytest.fixture()
def make_model(tmp_path: Path) -> Callable[..., Path]:
    """``make_model("v1", parent=None, age_rank=0)`` → a fresh source model directory."""
    source_root = tmp_path / "trained"
    counter = iter(range(1_000_000))

    def make(version: str, *, parent: str | None = None, age_rank: int | None = None) -> Path:
        rank = next(counter) if age_rank is None else age_rank
        return build_model_dir(source_root, version, parent=parent, age_rank=rank)

    return make
