"""Real inference processes on loopback, a real redis-server and a real (tiny) SNN model."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spikeglyph.modeldir import load_manifest, write_model_dir
from spikeglyph.stores import ModelRegistry, connect
from tests.support.procs import RedisServer, ServiceProcess, free_port, wait_http_ok

BIN = Path(sys.executable).parent / "spikeglyph-inference"


@pytest.fixture(scope="session")
def model_dir(tiny_model_dir: Path) -> Path:
    """The suite's tiny real model (never modified: tests publish copies of it)."""
    return tiny_model_dir


def copy_as_version(source: Path, target: Path, version: str) -> Path:
    """The same network under another version name (what a retrain would publish)."""
    manifest = load_manifest(source).model_copy(update={"version": version})
    files = {name: source / name for name in manifest.files}
    write_model_dir(target, manifest, files)
    return target


@pytest.fixture()
def versions(model_dir: Path, tmp_path: Path) -> Callable[[str], Path]:
    """``versions("v2")`` → a model directory of version ``v2``."""
    return lambda version: copy_as_version(model_dir, tmp_path / "src" / version, version)


@pytest.fixture()
def registry(redis_server: RedisServer, tmp_path: Path) -> Iterator[ModelRegistry]:
    client = connect(redis_server.url)
    yield ModelRegistry(client, tmp_path / "artifacts")
    client.close()


@pytest.fixture()
def start_inference(
    redis_server: RedisServer, model_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., tuple[ServiceProcess, str]]]:
    """``start_inference(**env)`` → (process, base URL), ready; stopped after the test."""
    models = tmp_path / "models"
    if not (models / "mnist").exists():
        copy_as_version(model_dir, models / "mnist", "shipped-default")
    started: list[ServiceProcess] = []

    def start(wait: bool = True, **env: str) -> tuple[ServiceProcess, str]:
        port = free_port()
        proc = ServiceProcess(
            [str(BIN), "--host", "127.0.0.1", "--port", str(port)],
            {
                "SPIKEGLYPH_REDIS_URL": redis_server.url,
                "SPIKEGLYPH_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
                "SPIKEGLYPH_MODELS_DIR": str(models),
                "SPIKEGLYPH_DEVICE": "cpu",
                "SPIKEGLYPH_INTRA_OP_THREADS": "1",
                **{f"SPIKEGLYPH_{k.upper()}": v for k, v in env.items()},
            },
            tmp_path / f"inference-{port}.log",
        ).start()
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        if wait:
            try:
                wait_http_ok(f"{url}/readyz", timeout=60)
            except TimeoutError:
                raise AssertionError(f"inference did not become ready:\n{proc.log()}") from None
        return proc, url

    yield start
    for proc in started:
        proc.stop()
    shutil.rmtree(models, ignore_errors=True)
