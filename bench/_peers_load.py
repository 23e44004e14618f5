"""Load for ``bench/bench_peers.py``: one multipart body, C keep-alive clients, CPU per server.

Every server receives the same bytes: one MNIST test digit as a PNG in the multipart field
``file`` (the form every peer reads), sent by the aiohttp load generator the other serving
benches use. A run is bounded by time; latencies of answered requests give p50/p99, and
anything but a 200 (or a transport error) counts as an error. Each server's CPU time is read
from ``/proc`` for every process of its session (BentoML runs one process per service), so
CPU per request can be compared even while the load generator competes for the cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import load_session

BOUNDARY = "spikeglyphbenchboundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
# Every Nth answer is parsed for its timing fields: enough for means, little generator CPU.
TIMING_SAMPLE_EVERY = 8
TICKS = os.sysconf("SC_CLK_TCK")


def multipart_body(png: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="digit.png"'
        "\r\nContent-Type: image/png\r\n\r\n"
    )
    return head.encode() + png + f"\r\n--{BOUNDARY}--\r\n".encode()


@dataclass
class Run:
    """One server at one concurrency, possibly accumulated over several rounds."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    server_cpu_s: dict[str, float] = field(default_factory=dict)  # by process
    generator_cpu_s: float = 0.0  # the load generator's own, for the machine's whole budget
    latencies_ms: list[float] = field(default_factory=list)
    timings: list[dict[str, float]] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    def add(self, other: Run) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.seconds += other.seconds
        self.generator_cpu_s += other.generator_cpu_s
        for name, seconds in other.server_cpu_s.items():
            self.server_cpu_s[name] = self.server_cpu_s.get(name, 0.0) + seconds
        self.latencies_ms += other.latencies_ms
        self.timings += other.timings
        for what, n in other.failures.items():
            self.failures[what] = self.failures.get(what, 0) + n

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms) or [float("nan")]
        answered = self.requests - self.errors
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(answered / self.seconds, 1) if self.seconds else 0.0,
            "mean_ms": round(statistics.fmean(ordered), 3),
            "p50_ms": round(statistics.median(ordered), 3),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 3),
            "server_cpu_ms_per_request": {
                name: round(seconds * 1000 / answered, 3) if answered else None
                for name, seconds in self.server_cpu_s.items()
            },
            "generator_cpu_ms_per_request": (
                round(self.generator_cpu_s * 1000 / answered, 3) if answered else None
            ),
            "timing_means_ms": mean_timings(self.timings),
            "failures": dict(sorted(self.failures.items())[:5]),
        }


def mean_timings(samples: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted({key for sample in samples for key in sample})
    return {key: round(statistics.fmean(s[key] for s in samples if key in s), 4) for key in keys}


def server_timing(header: str) -> dict[str, float]:
    """``Server-Timing: parse;dur=0.1, compute;dur=0.2`` → ``{"parse": 0.1, ...}`` (ms)."""
    found: dict[str, float] = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        for param in params:
            if param.startswith("dur="):
                found[name] = float(param[4:])
    return found


def answer_timings(raw: bytes, header: str) -> dict[str, float]:
    """A SpikeGlyph answer's ``latency_ms`` block and its ``Server-Timing`` header, merged."""
    found = {f"server:{k}": v for k, v in server_timing(header).items()}
    latency = json.loads(raw).get("latency_ms")
    if isinstance(latency, dict):
        found.update({k: float(v) for k, v in latency.items() if isinstance(v, int | float)})
    return found


def tree_cpu_s(roots: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds of each named process and its live descendants."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])
    found: dict[str, float] = {}
    for name, root in roots.items():
        total = 0
        for pid in ticks:
            walk = pid
            while walk not in (root, 0, 1) and walk in parents:
                walk = parents[walk]
            if walk == root:
                total += ticks[pid]
        found[name] = total / TICKS
    return found


async def drive(
    url: str,
    body: bytes,
    clients: int,
    seconds: float,
    *,
    params: dict[str, str] | None = None,
    timed: bool = False,
    processes: dict[str, int] | None = None,
) -> Run:
    """``clients`` loops posting ``body`` to ``url`` for ``seconds``."""
    import aiohttp

    run = Run()
    headers = {"Content-Type": CONTENT_TYPE}

    async def client(session: Any) -> None:
        count = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, params=params, headers=headers) as r:
                    raw = await r.read()
                    status, timing = r.status, r.headers.get("server-timing", "")
            except (aiohttp.ClientError, TimeoutError) as exc:
                status, raw, timing = 0, type(exc).__name__.encode(), ""
            run.requests += 1
            if status != 200:
                run.errors += 1
                what = f"{status} {raw[:80].decode('utf-8', 'replace')}"
                run.failures[what] = run.failures.get(what, 0) + 1
                continue
            run.latencies_ms.append((time.perf_counter() - started) * 1000)
            count += 1
            if timed and count % TIMING_SAMPLE_EVERY == 0:
                run.timings.append(answer_timings(raw, timing))

    async with load_session(clients) as session:
        cpu_before = tree_cpu_s(processes or {})
        own_before = time.process_time()
        began = time.perf_counter()
        deadline = began + seconds
        await asyncio.gather(*(client(session) for _ in range(clients)))
        run.seconds = time.perf_counter() - began
        run.generator_cpu_s = time.process_time() - own_before
        cpu_after = tree_cpu_s(processes or {})
        run.server_cpu_s = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
    return run
