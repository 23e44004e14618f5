"""Time the weight figures: computing them per shipped model (a replica's work), and answering
them through the gateway once it keeps them.

    .venv/bin/python bench/bench_weights.py [models/mnist models/mnist-stdp ...] [--repeat N]
        [--out docs/bench/weights.json]

For each model: the median wall-clock and CPU milliseconds of building its figures from the
model directory (checksums verified, as the replica's registry does) and serialising the JSON,
and of drawing every PNG; then, through a real gateway on a private Redis (the stack as users
run it), the first JSON request (computed by a replica) and the median and 95th-percentile of
``--repeat`` cached JSON and PNG requests, with the answer sizes. Writes one JSON object
(``emit``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from _common import add_out_argument, emit
from stack import REPO, Stack, as_users_run_it

from spikeglyph.modeldir import read_manifest
from spikeglyph.weightviews import figure_set, payload, render_png

SHIPPED = ["mnist", "fashion-mnist", "mnist-spikes", "mnist-stdp"]


def _median_ms(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds per call."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        cpu.append((time.process_time() - start_cpu) * 1e3)
        wall.append((time.perf_counter() - start) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def compute_times(model_dir: Path, repeat: int) -> dict[str, float]:
    def build() -> bytes:
        return payload(figure_set(model_dir), lambda name: name).model_dump_json().encode()

    figures = figure_set(model_dir).figures
    build_ms, build_cpu = _median_ms(build, repeat)
    png_ms, png_cpu = _median_ms(lambda: [render_png(f) for f in figures], repeat)
    return {
        "compute_ms": build_ms,
        "compute_cpu_ms": build_cpu,
        "png_ms": png_ms,
        "png_cpu_ms": png_cpu,
        "figures": len(figures),
        "tiles": sum(len(f.tiles) for f in figures),
    }


def _get_ms(client: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path)
    response.raise_for_status()
    return (time.perf_counter() - start) * 1e3, len(response.content)


def served_times(client: httpx.Client, version: str, repeat: int) -> dict[str, float]:
    path = f"/api/v1/models/{version}/weights"
    first_ms, json_bytes = _get_ms(client, path)
    figure = client.get(path).json()["figures"][0]
    first_png_ms, png_bytes = _get_ms(client, figure["png"])
    cached = sorted(_get_ms(client, path)[0] for _ in range(repeat))
    cached_png = sorted(_get_ms(client, figure["png"])[0] for _ in range(repeat))
    return {
        "first_ms": first_ms,
        "cached_ms": statistics.median(cached),
        "cached_p95_ms": cached[int(0.95 * (len(cached) - 1))],
        "json_bytes": json_bytes,
        "first_png_ms": first_png_ms,
        "cached_png_ms": statistics.median(cached_png),
        "png_figure": figure["name"],
        "png_bytes": png_bytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "models", nargs="*", type=Path, default=[REPO / "models" / m for m in SHIPPED]
    )
    parser.add_argument("--repeat", type=int, default=50, help="cached requests per model")
    parser.add_argument("--compute-repeat", type=int, default=5)
    add_out_argument(parser, "weights")
    args = parser.parse_args()

    rows = []
    config = as_users_run_it(model_dir=args.models[0])
    with (
        tempfile.TemporaryDirectory() as tmp,
        Stack(config, Path(tmp)).started() as stack,
        httpx.Client(base_url=stack.gateway_url, timeout=60) as client,
    ):
        registry = stack.registry()
        for model_dir in args.models:
            version = read_manifest(model_dir).version
            registry.publish(model_dir)
            row = {"model": model_dir.name, "version": version}
            row.update(compute_times(model_dir, args.compute_repeat))
            row.update(served_times(client, version, args.repeat))
            rows.append(row)
            print(f"{model_dir.name}: {row}", file=sys.stderr)
        registry.redis.close()
    emit(
        "weights",
        {"repeat": args.repeat, "compute_repeat": args.compute_repeat, "models": rows},
        args.out,
    )


if __name__ == "__main__":
    main()
