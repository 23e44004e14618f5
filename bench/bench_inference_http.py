"""Loopback HTTP benchmark of the inference service, with and without micro-batching.

Starts ``spikeglyph-inference`` twice on free ports (``max_batch_size`` 16, then 1), serving
one model directory as the shipped default (no Redis needed), and measures for each:

* batch-1 latency: one client, one request at a time → p50 / p95 / p99;
* throughput: N concurrent clients (aiohttp) for a fixed number of requests → predictions/s
  and latency percentiles under load;
* resident memory (VmRSS and peak VmHWM) of the service process after the load;
* the service's CPU time per request (user + system), a figure that stays meaningful when
  other processes compete for the cores.

It also times, in this process, the ONNX Runtime call for one image (the floor under
everything else) and the same network run eagerly by torch (``--no-torch`` skips it).
Requests carry real MNIST test digits as PNG and ask for the compact answer. Everything is
bounded by ``--requests`` (and the service's own timeouts). The client runs on the same CPU as
the service, so on a small machine both compete for the cores: say so when quoting figures.

    .venv/bin/python bench/bench_inference_http.py --model models/mnist --clients 32 \\
        [--out docs/bench/inference_http.json]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from _common import add_out_argument, emit, load_session, post_image
from PIL import Image
from stack import ServiceProcess, free_port, wait_http_ok

from spikeglyph.data import load_split
from spikeglyph.modeldir import load_manifest
from spikeglyph.preprocess import preprocess
from spikeglyph.runtime import ModelRunner

REPO = Path(__file__).resolve().parents[1]


def digits(data_dir: Path, count: int) -> list[bytes]:
    images, _ = load_split(data_dir, "mnist", "test", download=False)
    out = []
    for image in images[:count]:
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = np.array(samples_s) * 1000.0
    return {f"p{q}": round(float(np.percentile(ms, q)), 2) for q in (50, 95, 99)}


def memory_kb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def torch_eager_ms(model: Path, pngs: list[bytes], repeats: int) -> dict[str, float]:
    """The same network run eagerly by torch in this process (the comparison the ONNX path
    has to beat; the service itself never imports torch)."""
    import torch

    from spikeglyph.train.modelio import load_model

    torch.set_num_threads(1)
    net, _ = load_model(model)
    images = [torch.from_numpy(preprocess(p)[None, None]) for p in pngs]
    times = []
    with torch.inference_mode():
        for i in range(repeats + 20):
            start = time.perf_counter()
            net(images[i % len(images)])
            if i >= 20:  # the first calls warm up
                times.append(time.perf_counter() - start)
    return percentiles(times)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_process_ms(model: Path, pngs: list[bytes], repeats: int) -> dict[str, float]:
    runner = ModelRunner(model, device="cpu", intra_op_threads=1)
    runner.warmup((1, 32))
    images = [preprocess(p)[None] for p in pngs]
    single = []
    for i in range(repeats):
        start = time.perf_counter()
        runner.run(images[i % len(images)])
        single.append(time.perf_counter() - start)
    batch = np.concatenate(images[:32])
    start = time.perf_counter()
    for _ in range(20):
        runner.run(batch)
    per_image = (time.perf_counter() - start) / (20 * len(batch))
    return {**percentiles(single), "batch32_per_image_ms": round(per_image * 1000, 3)}


class Service:
    """One inference replica serving ``model`` as its shipped default, no Redis behind it."""

    def __init__(self, model: Path, workdir: Path, max_batch_size: int, threads: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        models = workdir / f"models-{max_batch_size}"
        models.mkdir(parents=True)
        shutil.copytree(model, models / "mnist")
        binary = Path(sys.executable).parent / "spikeglyph-inference"
        self.proc = ServiceProcess(
            argv=[str(binary), "--host", "127.0.0.1", "--port", str(self.port)],
            env={
                "SPIKEGLYPH_MODELS_DIR": str(models),
                "SPIKEGLYPH_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # none: the default
                "SPIKEGLYPH_DEVICE": "cpu",
                "SPIKEGLYPH_MAX_BATCH_SIZE": str(max_batch_size),
                "SPIKEGLYPH_INTRA_OP_THREADS": str(threads),
                "SPIKEGLYPH_LOG_LEVEL": "WARNING",
            },
            log_path=workdir / f"inference-{max_batch_size}.log",
        ).start()
        try:
            wait_http_ok(f"{self.url}/readyz", timeout=60)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"the service did not become ready:\n{self.proc.log()}") from None

    @property
    def pid(self) -> int:
        assert self.proc.process is not None
        return self.proc.process.pid

    def stop(self) -> None:
        self.proc.stop()


COMPACT = {"compact": "true"}


async def sequential(url: str, pngs: list[bytes], count: int) -> dict[str, float]:
    times = []
    async with load_session(1) as session:
        for i in range(count):
            start = time.perf_counter()
            status, body = await post_image(
                session, f"{url}/v1/predict", pngs[i % len(pngs)], COMPACT
            )
            times.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"status {status}: {body[:200]!r}")
    return percentiles(times)


async def concurrent(url: str, pngs: list[bytes], clients: int, total: int) -> dict[str, float]:
    times: list[float] = []
    failures = 0
    counter = iter(range(total))

    async def worker(session: object) -> None:
        nonlocal failures
        for i in counter:
            start = time.perf_counter()
            status, _ = await post_image(session, f"{url}/v1/predict", pngs[i % len(pngs)], COMPACT)
            times.append(time.perf_counter() - start)
            failures += status != 200

    async with load_session(clients) as session:
        started, client_cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*[worker(session) for _ in range(clients)])
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
    return {
        "predictions_per_s": round(len(times) / elapsed, 1),
        "failed": failures,
        "client_cpu_ms_per_request": round(client_cpu * 1000 / len(times), 3),
        **percentiles(times),
    }


def batch_sizes(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    values = {}
    for line in text.splitlines():
        if line.startswith(
            ("spikeglyph_inference_batch_size_sum", "spikeglyph_inference_batch_size_count")
        ):
            name, value = line.split()
            values[name] = float(value)
    count = values.get("spikeglyph_inference_batch_size_count", 0.0)
    return (
        round(values.get("spikeglyph_inference_batch_size_sum", 0.0) / count, 2) if count else 0.0
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("SPIKEGLYPH_DATA_DIR", "/work/shared/datasets")),
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--sequential", type=int, default=300, help="batch-1 requests")
    parser.add_argument("--requests", type=int, default=2000, help="requests under load")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads")
    parser.add_argument("--max-batch", type=int, default=16, help="micro-batch size limit")
    parser.add_argument("--no-torch", action="store_true", help="skip the torch eager timing")
    add_out_argument(parser, "inference_http")
    args = parser.parse_args()

    pngs = digits(args.data_dir, 256)
    report: dict[str, object] = {
        "model": str(args.model),
        "version": load_manifest(args.model).version,
        "clients": args.clients,
        "requests": args.requests,
        "sequential_requests": args.sequential,
        "threads": args.threads,
        "in_process_onnx_ms": in_process_ms(args.model, pngs, 500),
    }
    if not args.no_torch:
        report["in_process_torch_eager_ms"] = torch_eager_ms(args.model, pngs, 300)
    with tempfile.TemporaryDirectory(prefix="bench-inference-") as tmp:
        for label, max_batch in (("micro_batching", args.max_batch), ("no_batching", 1)):
            service = Service(args.model, Path(tmp), max_batch, args.threads)
            try:
                asyncio.run(sequential(service.url, pngs, 30))  # warm the connection paths
                pid = service.pid
                cpu = cpu_seconds(pid)
                batch1 = asyncio.run(sequential(service.url, pngs, args.sequential))
                batch1["server_cpu_ms_per_request"] = round(
                    (cpu_seconds(pid) - cpu) * 1000 / args.sequential, 3
                )
                cpu = cpu_seconds(pid)
                loaded = asyncio.run(concurrent(service.url, pngs, args.clients, args.requests))
                loaded["server_cpu_ms_per_request"] = round(
                    (cpu_seconds(pid) - cpu) * 1000 / args.requests, 3
                )
                report[label] = {
                    "max_batch_size": max_batch,
                    "batch1_latency_ms": batch1,
                    "under_load": loaded,
                    "mean_batch_size": batch_sizes(service.url),
                    "memory_kb": memory_kb(service.pid),
                }
            finally:
                service.stop()
    emit("inference_http", report, args.out)


if __name__ == "__main__":
    main()
