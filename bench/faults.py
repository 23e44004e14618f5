"""Fault scenarios too long for the test suite, on the whole stack, through the public API.

* ``worker-kill``   — a ``train`` job is SIGKILLed with its worker (parent and pool child) in
  the middle of training; a new worker starts; the job must still succeed and exactly one
  version must be published.
* ``redis-restart`` — with no worker running, a job is submitted; clients keep predicting
  while Redis is SIGKILLed and restarted on the same port and append-only file; predictions
  must not fail, the gateway must be ready again within seconds, and the queued job must
  survive and complete once a worker starts.

The quicker faults (replica loss, hot swap, full or read-only artifact store, tampered
artifacts) are tests in ``tests/integration/reliability`` and ``tests/integration/security``;
replica loss and hot swap under heavy load are scenarios of ``bench/load.py``.

    .venv/bin/python bench/faults.py --model models/mnist [--out docs/bench/faults.json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from _common import add_out_argument, emit
from load import drive, mnist_pngs
from stack import API_KEY, REPO, Stack, StackConfig

KEY = {"X-API-Key": API_KEY}
TRAIN = {"arch": "fc", "max_samples": 600, "timesteps": 2, "batch_size": 100, "seed": 3}


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``check`` until true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if check():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def job(stack: Stack, job_id: str) -> dict[str, Any]:
    info: dict[str, Any] = httpx.get(f"{stack.gateway_url}/api/v1/jobs/{job_id}").json()
    return info


def submit(stack: Stack, params: dict[str, object]) -> str:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/jobs", headers=KEY, json={"kind": "train", "params": params}
    )
    answer.raise_for_status()
    return str(answer.json()["job_id"])


def published_versions(stack: Stack) -> list[str]:
    registry = stack.registry()
    try:
        return [manifest.version for manifest in registry.list()]
    finally:
        registry.redis.close()


def worker_kill(stack: Stack) -> dict[str, object]:
    """SIGKILL the worker in the middle of a training job: the redelivered job must finish
    and publish exactly one new version (the shipped ones the worker published on its first
    start are there before the job and do not count)."""
    before = set(published_versions(stack))
    job_id = submit(stack, {**TRAIN, "epochs": 6})
    wait_for(
        lambda: ((job(stack, job_id)["progress"] or {}).get("epoch") or 0) >= 2,
        300,
        "the job's second epoch",
    )
    killed_at = job(stack, job_id)["progress"]
    stack.workers[-1].kill()  # SIGKILL to the process group: the parent and the pool child
    restarted = time.monotonic()
    stack.start_worker()
    wait_for(lambda: job(stack, job_id)["state"] in ("succeeded", "failed"), 600, "the job")
    final = job(stack, job_id)
    versions = published_versions(stack)
    new = sorted(set(versions) - before)
    result_version = (final.get("result") or {}).get("version")
    return {
        "killed_during": killed_at,
        "state": final["state"],
        "error": final.get("error"),
        "result_version": result_version,
        "published_versions": versions,
        "published_by_the_job": new,
        "recovery_s": round(time.monotonic() - restarted, 1),
        "passed": final["state"] == "succeeded" and new == [result_version],
    }


def redis_restart(stack: Stack, pngs: list[bytes], labels: list[int]) -> dict[str, object]:
    assert stack.redis is not None
    job_id = submit(stack, {**TRAIN, "epochs": 1})
    outcome: dict[str, object] = {}

    def restart_midway() -> None:
        time.sleep(3)
        stack.redis.stop(signal.SIGKILL)  # type: ignore[union-attr]
        time.sleep(3)
        stack.redis.start()  # type: ignore[union-attr]
        outcome["gateway_ready_after_s"] = round(
            wait_for(
                lambda: httpx.get(f"{stack.gateway_url}/readyz").status_code == 200,
                60,
                "gateway readiness",
            ),
            2,
        )

    fault = threading.Thread(target=restart_midway)
    fault.start()
    samples, _, _ = asyncio.run(drive(stack.gateway_url, pngs, labels, 8, 14.0, 10**6))
    fault.join()
    outcome["predictions"] = len(samples)
    outcome["failed_predictions"] = sum(s.status != 200 for s in samples)
    outcome["job_state_after_restart"] = job(stack, job_id)["state"]
    stack.start_worker()
    wait_for(lambda: job(stack, job_id)["state"] in ("succeeded", "failed"), 600, "the job")
    final = job(stack, job_id)
    outcome["job_final_state"] = final["state"]
    outcome["published_versions"] = published_versions(stack)
    outcome["passed"] = (
        outcome["failed_predictions"] == 0
        and outcome["job_state_after_restart"] == "queued"
        and final["state"] == "succeeded"
    )
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario", choices=["worker-kill", "redis-restart", "all"], default="all"
    )
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("SPIKEGLYPH_DATA_DIR", REPO / "var" / "datasets")),
    )
    add_out_argument(parser, "faults", "--json")
    args = parser.parse_args(argv)
    pngs, labels = mnist_pngs(args.data_dir, 200)
    results: dict[str, dict[str, object]] = {}
    if args.scenario in ("worker-kill", "all"):
        config = StackConfig(model_dir=args.model, worker=True, data_dir=args.data_dir)
        with (
            tempfile.TemporaryDirectory(prefix="fault-worker-") as root,
            Stack(config, Path(root)).started() as stack,
        ):
            results["worker-kill"] = worker_kill(stack)
    if args.scenario in ("redis-restart", "all"):
        config = StackConfig(model_dir=args.model, worker=False, data_dir=args.data_dir)
        with (
            tempfile.TemporaryDirectory(prefix="fault-redis-") as root,
            Stack(config, Path(root)).started() as stack,
        ):
            results["redis-restart"] = redis_restart(stack, pngs, labels)
    for name, outcome in results.items():
        print(f"{name:<14} {'PASS' if outcome['passed'] else 'FAIL'}  {outcome}")
    emit("faults", {"model": str(args.model), "results": results}, args.out)
    return 0 if all(outcome["passed"] for outcome in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
