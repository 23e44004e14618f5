"""Shared bits of the benchmark scripts: machine description and result printing."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_1min": round(load, 2),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
    }


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "p50_ms": round(statistics.median(ordered), 4),
        "p95_ms": round(pct(0.95), 4),
        "p99_ms": round(pct(0.99), 4),
        "mean_ms": round(statistics.fmean(ordered), 4),
    }


def emit(name: str, result: dict[str, Any], out: Path | None = None) -> None:
    """Print the result as JSON (one object) and optionally save it."""
    payload = {"bench": name, "machine": machine(), **result}
    text = json.dumps(payload, indent=2)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


def data_dir() -> Path:
    configured = os.environ.get("SPIKEGLYPH_DATA_DIR")
    if configured:
        return Path(configured)
    sibling = REPO.parent / "shared" / "datasets"
    return sibling if sibling.is_dir() else REPO / "var" / "datasets"


# --- load generation -------------------------------------------------------------------------
# The benchmark's own clients share the machine's CPUs with the services they measure, so they
# use aiohttp: about a quarter of httpx's CPU per keep-alive request (bench/bench_upstream.py).


def load_session(clients: int, timeout_s: float = 30.0) -> Any:
    """An aiohttp session with one keep-alive connection per concurrent client."""
    import aiohttp

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=clients),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
    )


async def post_image(
    session: Any, url: str, png: bytes, params: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """POST one PNG as a raw ``image/png`` body; (status, body), status 0 when unreachable."""
    import aiohttp

    try:
        async with session.post(
            url, data=png, params=params or {}, headers={"Content-Type": "image/png"}
        ) as response:
            return response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0, repr(exc).encode()
