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


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real MNIST/Fashion-MNIST files (present, or downloaded like the product does),
    else small synthetic IDX datasets."""
    from spikeglyph.data import ensure_dataset
    from spikeglyph.errors import DatasetError
    from tests.support.datasets import make_tiny_idx_dataset, test_data_dir

    real = test_data_dir()
    if real is not None:
        return real
    # Like the product: download and verify into ./var/datasets; offline, generate small ones.
    downloaded = REPO / "var" / "datasets"
    try:
        for name in ("mnist", "fashion-mnist"):
            ensure_dataset(downloaded, name, timeout=30.0)
        return downloaded
    except DatasetError:
        pass
    root = tmp_path_factory.mktemp("datasets")
    make_tiny_idx_dataset(root, "mnist", n_train=3000, n_test=500)
    make_tiny_idx_dataset(root, "fashion-mnist", n_train=3000, n_test=500)
    return root


@pytest.fixture(scope="session")
def tiny_model_dir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, exported, verified model directory trained for a few seconds.

    A small fully-connected SNN (784-128-10, T = 4) on 3,000 training digits: it predicts
    clearly better than chance and has every output the services read. Tests must copy it
    before modifying it.
    """
    from spikeglyph.recipe import ArchSpec, default_recipe
    from spikeglyph.train.api import train_config

    config = default_recipe("mnist", "fc").with_changes(
        arch=ArchSpec(kind="fc", channels=(), hidden=(128,)),
        timesteps=4,
        epochs=2,
        batch_size=100,
        lr=5e-3,
        max_samples=3000,
        val_size=500,
    )
    work = tmp_path_factory.mktemp("tiny-model")
    return train_config(
        config, data_dir=data_dir, workdir=work, device="cpu", version="tiny-mnist-v1"
    )
