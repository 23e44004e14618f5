"""The Compose stack, built and started once for the live checks, taken down at the end.

The images are built by bench/_containers.py, the same code bench/bench_containers.py measures
with (Docker's build cache is reused here; the bench times cold builds). Without a Docker
engine and Compose v2 the checks are skipped, saying so: `make test-live` (or .ci/run, as root)
starts one first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _containers import build_images, engine_answers
from bench_containers import STACK_SERVICES, stack_env

from tests.deploy.live.stack import LiveStack


def _datasets() -> str | None:
    """A host folder with the datasets, so the tiny train job needs no download."""
    configured = os.environ.get("SPIKEGLYPH_DATA_DIR")
    candidates = [configured] if configured else []
    candidates.append(str(Path(__file__).resolve().parents[4] / "shared" / "datasets"))
    return next((path for path in candidates if path and Path(path, "mnist").is_dir()), None)


@pytest.fixture(scope="session")
def stack() -> Iterator[LiveStack]:
    if not engine_answers():
        pytest.skip("no Docker engine with Compose v2 answers: run `make test-live` as root")
    _, bases = build_images(cold=False)
    env = stack_env(bases, f"sglive{os.getpid()}")
    datasets = _datasets()
    if datasets:
        env["SPIKEGLYPH_DATASETS_VOLUME"] = datasets
    live = LiveStack(env["COMPOSE_PROJECT_NAME"], env)
    try:
        live.compose("up", "--detach", "--no-build", timeout=600)
        live.wait_healthy(len(STACK_SERVICES))
        yield live
    finally:
        live.compose("down", "--volumes", "--timeout", "10", timeout=300)
