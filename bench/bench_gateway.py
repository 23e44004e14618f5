"""Gateway throughput and latency on loopback, and the gateway's own overhead.

Starts a private redis-server, one inference replica serving MODEL_DIR and a gateway, then
drives both with C concurrent clients for D seconds each: first the replica directly, then
through the gateway. Prints throughput, p50/p99 and errors for each, and the gateway overhead
(gateway p50 − direct p50). Every request sends a real MNIST test digit as a PNG.

    .venv/bin/python bench/bench_gateway.py --model models/mnist --seconds 10 --concurrency 32

Or against services that already run: ``--gateway-url URL --inference-url URL``.
The load generator shares the machine with the services; say so next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from _common import load_session, post_image
from PIL import Image

from spikeglyph.data.idx import read_idx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ok(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=out)
        try:
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def local_stack(model_dir: Path, work: Path) -> Iterator[tuple[str, str]]:
    """redis-server + one inference replica + the gateway; yields (gateway, inference) URLs."""
    shipped = work / "models"
    shutil.copytree(model_dir, shipped / "mnist")
    redis_port, inference_port, gateway_port = free_port(), free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        "SPIKEGLYPH_REDIS_URL": redis_url,
        "SPIKEGLYPH_ARTIFACTS_DIR": str(work / "artifacts"),
        "SPIKEGLYPH_MODELS_DIR": str(shipped),
        "SPIKEGLYPH_DEVICE": "cpu",
        "SPIKEGLYPH_ENVIRONMENT": "development",
        "SPIKEGLYPH_LOG_LEVEL": "WARNING",
        "SPIKEGLYPH_INFERENCE_URLS": f"http://127.0.0.1:{inference_port}",
    }
    redis_argv = [
        shutil.which("redis-server") or "redis-server",
        "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--dir", str(work),
    ]  # fmt: skip
    inference_argv = [str(BIN / "spikeglyph-inference"), "--port", str(inference_port)]
    gateway_argv = [str(BIN / "spikeglyph-gateway"), "--port", str(gateway_port)]
    with (
        process(redis_argv, {}, work / "redis.log"),
        process(inference_argv, env, work / "inference.log"),
        process(gateway_argv, env, work / "gateway.log"),
    ):
        inference_url = f"http://127.0.0.1:{inference_port}"
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        wait_ok(f"{inference_url}/readyz")
        wait_ok(f"{gateway_url}/readyz")
        yield gateway_url, inference_url


def mnist_pngs(data_dir: Path, count: int = 256) -> list[bytes]:
    images = read_idx(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz")[:count]
    pngs = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs


async def drive(
    url: str, pngs: list[bytes], concurrency: int, seconds: float, compact: bool
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    params = {"compact": "true"} if compact else {}

    async def client(worker: int, session: object) -> None:
        nonlocal errors
        i = worker
        while time.perf_counter() < deadline:
            png = pngs[i % len(pngs)]
            i += concurrency
            started = time.perf_counter()
            status, _ = await post_image(session, url, png, params)
            if status == 200:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1

    async with load_session(concurrency) as session:
        await post_image(session, url, pngs[0])  # warm-up
        began, client_cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client(w, session) for w in range(concurrency)))
        elapsed = time.perf_counter() - began
        client_cpu = time.process_time() - client_cpu
    ordered = sorted(latencies) or [float("nan")]
    return {
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
        "client_cpu_ms_per_request": round(client_cpu * 1000 / max(1, len(latencies)), 3),
    }


def run(args: argparse.Namespace, gateway_url: str, inference_url: str) -> dict[str, object]:
    pngs = mnist_pngs(args.data_dir)
    direct = asyncio.run(
        drive(f"{inference_url}/v1/predict", pngs, args.concurrency, args.seconds, args.compact)
    )
    through = asyncio.run(
        drive(f"{gateway_url}/api/v1/predict", pngs, args.concurrency, args.seconds, args.compact)
    )
    return {
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "compact": args.compact,
        "cpus": os.cpu_count(),
        "direct_inference": direct,
        "through_gateway": through,
        "gateway_overhead_p50_ms": round(through["p50_ms"] - direct["p50_ms"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model directory to serve (starts a stack)")
    parser.add_argument("--gateway-url")
    parser.add_argument("--inference-url")
    parser.add_argument("--data-dir", type=Path, default=Path(
        os.environ.get("SPIKEGLYPH_DATA_DIR", "/work/shared/datasets")))  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--full", dest="compact", action="store_false",
                        help="ask for full spike telemetry (default: compact answers)")  # fmt: skip
    args = parser.parse_args()
    if args.gateway_url and args.inference_url:
        report = run(args, args.gateway_url, args.inference_url)
    elif args.model:
        with tempfile.TemporaryDirectory() as tmp, local_stack(args.model, Path(tmp)) as urls:
            report = run(args, *urls)
    else:
        parser.error("give --model DIR, or both --gateway-url and --inference-url")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
