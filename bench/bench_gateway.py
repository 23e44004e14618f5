"""Gateway throughput and latency on loopback, and the gateway's own overhead.

Starts a private redis-server, one inference replica serving MODEL_DIR and a gateway (the
launcher the tests use, ``tests/support/stack.py``, with the services' default settings), then
drives both with C concurrent clients for D seconds each: first the replica directly, then
through the gateway. Prints throughput, p50/p99 and errors for each, and the gateway overhead
(gateway p50 − direct p50). Every request sends a real MNIST test digit as a PNG.

    .venv/bin/python bench/bench_gateway.py --model models/mnist --seconds 10 --concurrency 32 \\
        [--out docs/bench/gateway.json]

Or against services that already run: ``--gateway-url URL --inference-url URL`` (the
replica's token, where it has one, from ``SPIKEGLYPH_INTERNAL_TOKEN``).
The load generator shares the machine with the services; say so next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import add_out_argument, emit, load_session, post_image
from PIL import Image
from stack import Stack, as_users_run_it

from spikeglyph.data.idx import read_idx


def mnist_pngs(data_dir: Path, count: int = 256) -> list[bytes]:
    images = read_idx(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz")[:count]
    pngs = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs


async def drive(
    url: str,
    pngs: list[bytes],
    concurrency: int,
    seconds: float,
    compact: bool,
    token: str | None = None,
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

    async with load_session(concurrency, token=token) as session:
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


def run(
    args: argparse.Namespace, gateway_url: str, inference_url: str, token: str | None
) -> dict[str, object]:
    """``token``: the replica's internal token (the gateway sends it on every call; so does
    the direct drive, or the replica would answer 401)."""
    pngs = mnist_pngs(args.data_dir)
    direct = asyncio.run(
        drive(
            f"{inference_url}/v1/predict",
            pngs,
            args.concurrency,
            args.seconds,
            args.compact,
            token,
        )
    )
    if direct["errors"] and not direct["requests"]:
        raise SystemExit(f"the replica at {inference_url} answered no request: wrong token?")
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
    add_out_argument(parser, "gateway")
    args = parser.parse_args()
    if args.gateway_url and args.inference_url:
        report = run(
            args, args.gateway_url, args.inference_url, os.environ.get("SPIKEGLYPH_INTERNAL_TOKEN")
        )
    elif args.model:
        config = as_users_run_it(model_dir=args.model)
        with tempfile.TemporaryDirectory() as tmp, Stack(config, Path(tmp)).started() as stack:
            report = run(args, stack.gateway_url, stack.replicas[0].url, config.internal_token)
    else:
        parser.error("give --model DIR, or both --gateway-url and --inference-url")
    report["model"] = None if args.model is None else str(args.model)
    emit("gateway", report, args.out)


if __name__ == "__main__":
    main()
