"""Load through the gateway: N concurrent clients posting real MNIST test digits as PNGs.

Bounded by duration AND by request count, loopback only. Scenarios (each on a fresh stack):

* ``steady``        — plain load;
* ``hotswap``       — at mid-run a second version is published and activated through the API;
* ``replica-loss``  — two inference replicas; one is SIGKILLed at mid-run.

Reports throughput, latency p50/p95/p99/max, failed requests (anything but 200, and transport
errors), the versions that answered and, for ``hotswap``, how long the switch took. Prints a
table, then one JSON object (``emit``), also written to ``--out`` (default
``docs/bench/load.json``).

    .venv/bin/python bench/load.py --scenario all --clients 64 --seconds 60 --model models/mnist

Against a stack that already runs (``steady`` only): ``--gateway-url URL``. The load generator
shares the machine with the services it measures; say so next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import numpy as np
from _common import add_out_argument, emit, load_session, post_image
from PIL import Image
from stack import API_KEY, REPO, Stack, as_users_run_it  # bench/ is on sys.path as the script's dir

SCENARIOS = ("steady", "hotswap", "replica-loss")


@dataclass
class Sample:
    started: float  # seconds since the run began
    latency_ms: float
    status: int  # 0 = transport error
    detail: str  # model version on 200, else error text
    correct: bool


@dataclass
class Report:
    scenario: str
    clients: int
    replicas: int
    seconds: float
    requests: int
    failed: int
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    accuracy: float
    versions: dict[str, int]
    failures: dict[str, int]
    event: str | None = None
    event_at_s: float | None = None
    switch_s: float | None = None
    extra: dict[str, object] = field(default_factory=dict)


def mnist_pngs(data_dir: Path, count: int) -> tuple[list[bytes], list[int]]:
    from spikeglyph.data.splits import load_split

    images, labels = load_split(data_dir, "mnist", "test", download=False)
    pngs = []
    for image in images[:count]:
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs, [int(label) for label in labels[:count]]


async def drive(
    url: str,
    pngs: list[bytes],
    labels: list[int],
    clients: int,
    seconds: float,
    max_requests: int,
    event: asyncio.Future[None] | None = None,
) -> tuple[list[Sample], float, float]:
    """Run ``clients`` loops until ``seconds`` pass or ``max_requests`` were sent.

    Returns the samples, the elapsed time and the ``time.perf_counter`` value of the start."""
    samples: list[Sample] = []
    sent = 0
    begin = time.perf_counter()
    deadline = begin + seconds

    async def client_loop(session: object, offset: int) -> None:
        nonlocal sent
        i = offset
        while time.perf_counter() < deadline and sent < max_requests:
            sent += 1
            k = i % len(pngs)
            i += clients
            t0 = time.perf_counter()
            status, raw = await post_image(
                session, f"{url}/api/v1/predict", pngs[k], {"compact": "true"}
            )
            ok = status == 200
            body = json.loads(raw) if ok else {}
            detail = body.get("model_version", "") if ok else raw[:120].decode("utf-8", "replace")
            samples.append(
                Sample(
                    t0 - begin,
                    (time.perf_counter() - t0) * 1000,
                    status,
                    detail,
                    ok and body.get("digit") == labels[k],
                )
            )

    async with load_session(clients) as session:
        tasks = [asyncio.create_task(client_loop(session, n)) for n in range(clients)]
        if event is not None:
            await asyncio.wait([event, *tasks], return_when=asyncio.ALL_COMPLETED)
            if event.exception() is not None:
                raise RuntimeError(f"the mid-run event failed: {event.exception()!r}")
        else:
            await asyncio.gather(*tasks)
    return samples, time.perf_counter() - begin, begin


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summarise(
    scenario: str, clients: int, replicas: int, samples: list[Sample], elapsed: float
) -> Report:
    latencies = [s.latency_ms for s in samples]
    ok = [s for s in samples if s.status == 200]
    versions: dict[str, int] = {}
    for s in ok:
        versions[s.detail] = versions.get(s.detail, 0) + 1
    failures: dict[str, int] = {}
    for s in samples:
        if s.status != 200:
            key = f"{s.status} {s.detail[:80]}"
            failures[key] = failures.get(key, 0) + 1
    return Report(
        scenario=scenario,
        clients=clients,
        replicas=replicas,
        seconds=round(elapsed, 2),
        requests=len(samples),
        failed=len(samples) - len(ok),
        throughput_rps=round(len(samples) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(statistics.median(latencies), 2) if latencies else float("nan"),
        p95_ms=round(percentile(latencies, 95), 2),
        p99_ms=round(percentile(latencies, 99), 2),
        max_ms=round(max(latencies), 2) if latencies else float("nan"),
        accuracy=round(sum(s.correct for s in ok) / len(ok), 4) if ok else 0.0,
        versions=versions,
        failures=failures,
    )


async def mid_run_event(stack: Stack, scenario: str, at: float, note: dict[str, object]) -> None:
    """Wait ``at`` seconds, then swap the model or kill a replica; ``note`` records when
    (``time.perf_counter`` values) and what happened."""
    await asyncio.sleep(at)
    note["event_start"] = time.perf_counter()
    if scenario == "hotswap":
        version = f"load-swap-{int(time.time())}"
        await asyncio.to_thread(stack.publish_copy, version)
        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:
            answer = await http.post(
                f"/api/v1/models/{version}/activate", headers={"X-API-Key": API_KEY}
            )
        note["event"] = f"publish + activate {version}: HTTP {answer.status_code}"
        note["new_version"] = version
    elif scenario == "replica-loss":
        victim = stack.replicas[0]
        await asyncio.to_thread(victim.process.kill)
        note["event"] = f"SIGKILL inference replica {victim.url}"
    note["event_done"] = time.perf_counter()


def run_scenario(
    args: argparse.Namespace, scenario: str, pngs: list[bytes], labels: list[int]
) -> Report:
    if args.gateway_url:
        samples, elapsed, _ = asyncio.run(
            drive(args.gateway_url, pngs, labels, args.clients, args.seconds, args.max_requests)
        )
        return summarise(scenario, args.clients, 0, samples, elapsed)
    replicas = max(args.replicas, 2 if scenario == "replica-loss" else 1)
    config = as_users_run_it(model_dir=args.model, replicas=replicas)
    with (
        tempfile.TemporaryDirectory(prefix=f"load-{scenario}-") as root,
        Stack(config, Path(root)).started() as stack,
    ):
        warm(stack.gateway_url, pngs[0])
        note: dict[str, object] = {}

        async def run() -> tuple[list[Sample], float, float]:
            event = None
            if scenario != "steady":
                event = asyncio.ensure_future(
                    mid_run_event(stack, scenario, args.seconds / 2, note)
                )
            return await drive(
                stack.gateway_url,
                pngs,
                labels,
                args.clients,
                args.seconds,
                args.max_requests,
                event,
            )

        cpu_before = time.process_time()
        samples, elapsed, begin = asyncio.run(run())
        cpu_used = time.process_time() - cpu_before
    report = summarise(scenario, args.clients, replicas, samples, elapsed)
    report.extra["generator_cpu_s"] = round(cpu_used, 1)
    if "event_start" in note:
        report.event = str(note.get("event", "did not complete"))
        report.event_at_s = round(float(note["event_start"]) - begin, 3)  # type: ignore[arg-type]
    new_version = note.get("new_version")
    if new_version and "event_done" in note:
        done = float(note["event_done"]) - begin  # type: ignore[arg-type]
        answered = [
            s.started + s.latency_ms / 1000
            for s in samples
            if s.status == 200 and s.detail == new_version
        ]
        # from the activation call's answer to the first prediction by the new version
        report.switch_s = round(min(answered) - done, 3) if answered else None
    return report


def warm(url: str, png: bytes) -> None:
    """A few requests first, so start-up costs are not counted as latency."""
    with httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(10):
            http.post("/api/v1/predict", content=png, headers={"content-type": "image/png"})


def table(reports: list[Report]) -> str:
    head = (
        f"{'scenario':<13}{'clients':>8}{'repl':>5}{'secs':>7}{'requests':>9}{'failed':>7}"
        f"{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'acc':>7}"
    )
    rows = [head, "-" * len(head)]
    for r in reports:
        rows.append(
            f"{r.scenario:<13}{r.clients:>8}{r.replicas:>5}{r.seconds:>7.1f}{r.requests:>9}"
            f"{r.failed:>7}{r.throughput_rps:>8.1f}{r.p50_ms:>8.1f}{r.p95_ms:>8.1f}"
            f"{r.p99_ms:>8.1f}{r.max_ms:>8.1f}{r.accuracy:>7.3f}"
        )
        if r.event:
            switch = (
                f", first answer from the new version {r.switch_s}s later" if r.switch_s else ""
            )
            rows.append(f"    at {r.event_at_s:.1f}s: {r.event}{switch}")
        for failure, count in r.failures.items():
            rows.append(f"    failed ×{count}: {failure}")
        if "generator_cpu_s" in r.extra:
            rows.append(f"    load generator used {r.extra['generator_cpu_s']} CPU-seconds")
    return "\n".join(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="steady")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("SPIKEGLYPH_DATA_DIR", REPO / "var" / "datasets")),
    )
    parser.add_argument("--images", type=int, default=500, help="distinct test digits to send")
    parser.add_argument("--gateway-url", help="drive this running gateway instead")
    add_out_argument(parser, "load", "--json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.gateway_url and not (args.model / "manifest.json").is_file():
        sys.stderr.write(f"no model at {args.model}: pass --model DIR\n")
        return 2
    pngs, labels = mnist_pngs(args.data_dir, args.images)
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    if args.gateway_url:
        scenarios = ("steady",)
    reports = [run_scenario(args, scenario, pngs, labels) for scenario in scenarios]
    print(table(reports))
    emit(
        "load",
        {
            "scenarios": list(scenarios),
            "model": None if args.gateway_url else str(args.model),
            "reports": [asdict(r) for r in reports],
        },
        args.out,
    )
    return 1 if any(r.failed for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
