"""Resident memory of every service process: idle, under load, and the worker while training.

Starts the whole stack (redis-server, inference replica(s), gateway, trainer worker) on
loopback, then samples each service's process tree (the worker's pool children included)
from ``/proc``: RSS, and PSS (proportional set size, which splits shared pages between the
processes sharing them, so PSS figures add up honestly where RSS would count shared libraries
twice). Phases:

1. idle after start-up and warm-up;
2. under load: ``--clients`` clients through the gateway for ``--load-seconds``, peak per service;
3. training: a 1-epoch ``train`` job submitted through the API; the worker tree's peak.

    .venv/bin/python bench/bench_memory.py --model models/mnist [--out docs/bench/memory.json]

The target is a whole idle stack of at most 1.5 GB, so it fits next to a desktop on 8 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from _common import add_out_argument, emit
from load import drive, mnist_pngs
from stack import API_KEY, REPO, Stack, StackConfig

MIB = 1024 * 1024


@dataclass
class Memory:
    rss: int
    pss: int
    processes: int


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return found


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue += _children(current)
    return pids


def _field_kib(path: Path, name: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> Memory:
    """RSS and PSS (bytes) of ``pid`` and all its descendants."""
    pids = _tree(pid)
    rss = sum(_field_kib(Path(f"/proc/{p}/status"), "VmRSS") for p in pids)
    pss = sum(_field_kib(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids)
    return Memory(rss * 1024, pss * 1024, len(pids))


def snapshot(stack: Stack) -> dict[str, Memory]:
    return {name: tree_memory(pid) for name, pid in stack.pids().items()}


class PeakSampler:
    """Samples every service every ``interval`` seconds in a thread and keeps each one's peak."""

    def __init__(self, stack: Stack, interval: float = 0.5) -> None:
        self.stack = stack
        self.interval = interval
        self.peak: dict[str, Memory] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, memory in snapshot(self.stack).items():
                best = self.peak.get(name)
                if best is None or memory.rss > best.rss:
                    self.peak[name] = memory
            self._stop.wait(self.interval)


def train_once(stack: Stack, params: dict[str, object], timeout: float) -> dict[str, object]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as http:
        answer = http.post(
            "/api/v1/jobs", headers={"X-API-Key": API_KEY}, json={"kind": "train", "params": params}
        )
        answer.raise_for_status()
        job_id = answer.json()["job_id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info: dict[str, object] = http.get(f"/api/v1/jobs/{job_id}").json()
            if info["state"] in ("succeeded", "failed", "cancelled"):
                return info
            time.sleep(1)
    raise TimeoutError(f"training job {job_id} did not finish in {timeout:.0f}s")


def table(phases: dict[str, dict[str, Memory]]) -> str:
    names = sorted({name for phase in phases.values() for name in phase})
    head = f"{'phase':<10}" + "".join(f"{name:>15}" for name in names) + f"{'total':>15}"
    rows = [head + "   (RSS / PSS MiB)", "-" * len(head)]
    for phase, memories in phases.items():
        cells = []
        for name in names:
            m = memories.get(name)
            cells.append(f"{m.rss / MIB:>7.0f}/{m.pss / MIB:<7.0f}" if m else f"{'-':>15}")
        total_rss = sum(m.rss for m in memories.values()) / MIB
        total_pss = sum(m.pss for m in memories.values()) / MIB
        rows.append(f"{phase:<10}" + "".join(cells) + f"{total_rss:>7.0f}/{total_pss:<7.0f}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("SPIKEGLYPH_DATA_DIR", REPO / "var" / "datasets")),
    )
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument("--train-arch", default="conv", choices=["conv", "fc"])
    parser.add_argument("--train-samples", type=int, default=5000)
    parser.add_argument("--train-timeout", type=float, default=900.0)
    parser.add_argument("--skip-training", action="store_true")
    add_out_argument(parser, "memory", "--json")
    args = parser.parse_args(argv)

    pngs, labels = mnist_pngs(args.data_dir, 200)
    config = StackConfig(
        model_dir=args.model, replicas=args.replicas, worker=True, data_dir=args.data_dir
    )
    phases: dict[str, dict[str, Memory]] = {}
    notes: dict[str, object] = {}
    with (
        tempfile.TemporaryDirectory(prefix="memory-") as root,
        Stack(config, Path(root)).started() as stack,
    ):
        asyncio.run(drive(stack.gateway_url, pngs, labels, 4, 2.0, 50))  # warm-up
        time.sleep(5)
        phases["idle"] = snapshot(stack)
        with PeakSampler(stack) as sampler:
            samples, elapsed, _ = asyncio.run(
                drive(stack.gateway_url, pngs, labels, args.clients, args.load_seconds, 10**6)
            )
        phases["load"] = sampler.peak
        notes["load_requests"] = len(samples)
        notes["load_failed"] = sum(s.status != 200 for s in samples)
        notes["load_failures"] = sorted(
            {f"{s.status} {s.detail[:160]}" for s in samples if s.status != 200}
        )
        notes["load_rps"] = round(len(samples) / elapsed, 1)
        if not args.skip_training:
            params = {"arch": args.train_arch, "epochs": 1, "max_samples": args.train_samples}
            started = time.monotonic()
            with PeakSampler(stack) as sampler:
                info = train_once(stack, params, args.train_timeout)
            phases["training"] = sampler.peak
            notes["training_job"] = {
                "params": params,
                "state": info["state"],
                "seconds": round(time.monotonic() - started, 1),
                "error": info.get("error"),
            }
    print(table(phases))
    idle_total = sum(m.rss for m in phases["idle"].values())
    print(f"idle total RSS {idle_total / MIB:.0f} MiB (target ≤ 1536 MiB); notes: {notes}")
    emit(
        "memory",
        {
            "model": str(args.model),
            "replicas": args.replicas,
            "clients": args.clients,
            "load_seconds": args.load_seconds,
            "phases": {
                phase: {name: vars(m) for name, m in memories.items()}
                for phase, memories in phases.items()
            },
            "idle_total_rss_mib": round(idle_total / MIB, 1),
            "notes": notes,
        },
        args.out,
    )
    return 0 if idle_total <= 1536 * MIB else 1


if __name__ == "__main__":
    raise SystemExit(main())
