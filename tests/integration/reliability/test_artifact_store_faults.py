"""A full or read-only artifact store during publish: the job fails cleanly, nothing half-made.

The worker's artifact store is a tiny tmpfs (64 KiB, smaller than one model), so the copy
runs out of space mid-file (ENOSPC); then the same mount is made read-only (EROFS), which
stops even root. Where mounting is not allowed, the store is a path below a regular file, which
no process can create.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.procs import wait_until
from tests.support.stack import API_KEY, Stack, StackConfig, assert_no_stack_trace, stack_model

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KEY = {"X-API-Key": API_KEY}
TINY_TRAIN = {"arch": "fc", "epochs": 1, "max_samples": 300, "timesteps": 2, "batch_size": 100}


def _mount_tmpfs(where: Path, options: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    return result.returncode == 0


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path | None]]:
    """(artifact store for the worker, its tmpfs mount point or None when mounting failed)."""
    root = tmp_path_factory.mktemp("faulty-store")
    mount = root / "tiny-volume"
    if _mount_tmpfs(mount, "size=64k,mode=0755"):
        yield mount / "artifacts", mount
        subprocess.run(["umount", "-l", str(mount)], check=False)
    else:
        blocker = root / "a-regular-file"
        blocker.write_text("not a directory")
        yield blocker / "artifacts", None


@pytest.fixture(scope="module")
def faulty(
    request: pytest.FixtureRequest,
    store: tuple[Path, Path | None],
    data_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    config = StackConfig(
        model_dir=stack_model(request),
        worker=True,
        data_dir=data_dir,
        worker_artifacts_dir=store[0],
    )
    with Stack(config, tmp_path_factory.mktemp("faulty")).started() as stack:
        yield stack


def _train_until_finished(stack: Stack) -> dict[str, object]:
    gateway = stack.gateway_url
    answer = httpx.post(
        f"{gateway}/api/v1/jobs", headers=KEY, json={"kind": "train", "params": TINY_TRAIN}
    )
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    info: dict[str, object] = {}

    def finished() -> bool:
        nonlocal info
        reply = httpx.get(f"{gateway}/api/v1/jobs/{job_id}")
        assert_no_stack_trace(reply.content)
        info = reply.json()
        return info["state"] in ("succeeded", "failed", "cancelled")

    wait_until(finished, 180, f"job {job_id} to finish:\n{stack.logs()}", interval=0.5)
    return info


def _assert_nothing_published(stack: Stack, store: Path) -> None:
    registry = stack.registry()
    try:
        assert registry.list() == []
    finally:
        registry.redis.close()
    leftovers = sorted(p.name for p in store.iterdir()) if store.is_dir() else []
    assert leftovers == [], f"half-published artifacts left behind: {leftovers}"


def test_a_full_store_fails_the_job_cleanly(faulty: Stack, store: tuple[Path, Path | None]) -> None:
    info = _train_until_finished(faulty)
    assert info["state"] == "failed", info
    error = str(info["error"]).lower()
    assert ("no space left" if store[1] else "not a directory") in error, error
    _assert_nothing_published(faulty, store[0])
    assert all(worker.alive() for worker in faulty.workers)


def test_a_read_only_store_fails_the_job_cleanly(
    faulty: Stack, store: tuple[Path, Path | None]
) -> None:
    artifacts, mount = store
    if mount is not None:
        remount = ["mount", "-o", "remount,ro,size=64m", str(mount)]
        assert subprocess.run(remount, capture_output=True).returncode == 0
    info = _train_until_finished(faulty)
    assert info["state"] == "failed", info
    error = str(info["error"]).lower()
    assert ("read-only" if mount else "not a directory") in error, error
    _assert_nothing_published(faulty, artifacts)
    # the predictions the users see never depended on the broken store
    answer = httpx.get(f"{faulty.gateway_url}/api/v1/models/active")
    assert answer.status_code == 200
