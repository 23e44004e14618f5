"""The compose configuration as Docker Compose itself resolves it, once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.deploy.deployfiles import COMPOSE_FILES, compose_config, load_config

# What a user's .env must provide; a long random-looking key, as production demands.
USER_ENV = {"SPIKEGLYPH_API_KEYS": "3f9c2a7d41b8e6059d2c7a1f4e8b3d60"}


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
