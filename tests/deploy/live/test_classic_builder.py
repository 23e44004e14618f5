"""Compose 1.x without BuildKit stops at the first build step, saying what to use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _containers import REPO, base_images, engine_answers

pytestmark = pytest.mark.live


def test_docker_compose_1_with_the_classic_builder_stops_early_and_says_why(
    tmp_path: Path,
) -> None:
    compose_v1 = shutil.which("docker-compose")
    if not engine_answers() or compose_v1 is None:
        pytest.skip("needs a Docker engine and Debian's docker-compose 1.x (bash .ci/deploy-deps)")
    version = subprocess.run([compose_v1, "version", "--short"], capture_output=True, text=True)
    if not version.stdout.startswith("1."):
        pytest.skip(f"docker-compose here is {version.stdout.strip()}, not 1.x")
    base = base_images()[0]["python"]
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  gateway:\n"
        "    build:\n"
        f"      context: {REPO}\n"
        "      dockerfile: services/gateway/Dockerfile\n"
        f"      args: {{BASE_IMAGE: {base}}}\n"
        "    image: spikeglyph-classic-builder-check\n"
    )
    # Docker 20.10's defaults: docker-compose 1.29 builds through the API, without BuildKit.
    env = {**os.environ, "DOCKER_BUILDKIT": "0", "COMPOSE_DOCKER_CLI_BUILD": "0"}
    start = time.monotonic()
    result = subprocess.run(
        [compose_v1, "build", "--force-rm", "gateway"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "this image needs BuildKit" in output and "Docker Compose v2" in output
    assert "Step 5/" not in output  # nothing after the guard ran
    assert time.monotonic() - start < 120
