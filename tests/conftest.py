"""Fixtures every test layer shares: dataset location, private redis-server, free ports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.procs import RedisServer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture()
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A fresh redis-server on a free port, append-only, in its own temporary directory."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture(autouse=True)
def _no_ambient_spikeglyph_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own settings; the developer's shell must not leak in."""
    for name in list(os.environ):
        if name.startswith("SPIKEGLYPH_") and name != "SPIKEGLYPH_DATA_DIR":
            monkeypatch.delenv(name, raising=False)
