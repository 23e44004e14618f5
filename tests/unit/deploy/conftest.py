"""The compose configuration as Docker Compose itself resolves it, once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.deploy.deployfiles import COMPOSE_FILES, compose_config, load_config

# What a user's .env must provide; long random-looking secrets, as production demands.
USER_ENV = {
    "SPIKEGLYPH_API_KEYS": "3f9c2a7d41b8e6059d2c7a1f4e8b3d60",
    "SPIKEGLYPH_INTERNAL_TOKEN": "8d1e4b7a0c3f6e9b2d5a8c1f4e7b0d3a",
    "SPIKEGLYPH_REDIS_PASSWORD": "a5c8e1b4d7f0a3c6e9b2d5f8a1c4e7b0",
}
# The same secrets as lines of an env file, for tests that write one.
SECRET_LINES = "".join(
    f"{name}={value}\n" for name, value in USER_ENV.items() if name != "SPIKEGLYPH_API_KEYS"
)


@pytest.fixture(scope="session")
def empty_env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compose") / "empty.env"
    path.write_text("")
    return path


@pytest.fixture(scope="session")
def cpu_config(empty_env_file: Path) -> dict[str, Any]:
    """docker-compose.yml alone: the CPU stack."""
    return load_config(compose_config(COMPOSE_FILES[:1], USER_ENV, empty_env_file))


@pytest.fixture(scope="session")
def gpu_config(empty_env_file: Path) -> dict[str, Any]:
    """docker-compose.yml with docker-compose.gpu.yml merged over it."""
    return load_config(compose_config(COMPOSE_FILES, USER_ENV, empty_env_file))


@pytest.fixture(params=["cpu", "gpu"])
def config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each check that holds for both stacks runs on both."""
    return dict(request.getfixturevalue(f"{request.param}_config"))


@pytest.fixture(scope="session")
def manifests() -> dict[str, list[dict[str, Any]]]:
    """Every Kubernetes overlay as ``kubectl kustomize`` renders it, once per session."""
    from tests.unit.deploy.k8s import OVERLAYS, render

    return {overlay: render(overlay) for overlay in OVERLAYS}


@pytest.fixture(params=["cpu", "gpu", "dev"])
def overlay(request: pytest.FixtureRequest, manifests: dict[str, Any]) -> list[dict[str, Any]]:
    """Each check that holds for every overlay runs on each."""
    return list(manifests[request.param])
