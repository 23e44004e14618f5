"""Shared bits of the benchmark scripts: machine description and result writing.

Every bench writes one JSON object: ``{"bench": NAME, "schema": SCHEMA, "machine": {...},
...its figures}``, printed and saved to ``docs/bench/<NAME>.json`` by default
(:func:`default_out`), so that ``bench/report.py`` can regenerate every published table from
committed files. ``machine`` says where and how the figures were taken: date, CPU, cores,
load average at the start and at the end, Python and library versions, the commit and the
exact command line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "docs" / "bench"
# Version of the payload layout above; bump it when a field every bench writes changes meaning.
SCHEMA = 1
RESERVED_KEYS = frozenset({"bench", "schema", "machine"})
# Libraries whose version changes the figures; torch only counts when the bench loaded it.
ALWAYS_REPORTED = ("onnxruntime", "numpy")
REPORTED_WHEN_LOADED = ("torch", "snntorch")
# Settings read from the environment that change speed; never secrets (keys, tokens).
REPORTED_ENVIRONMENT = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "SPIKEGLYPH_INTRA_OP_THREADS",
    "SPIKEGLYPH_DEVICE",
)


def _load_1min() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


# Taken when the bench imports this module, before it adds load of its own.
_LOAD_AT_START = _load_1min()


def default_out(name: str) -> Path:
    """Where bench ``name`` writes its JSON unless told otherwise: ``docs/bench/<name>.json``."""
    return BENCH_DIR / f"{name}.json"


def add_out_argument(parser: argparse.ArgumentParser, name: str, *aliases: str) -> None:
    """``--out PATH`` (default :func:`default_out`), the same option in every bench."""
    parser.add_argument(
        "--out",
        *aliases,
        dest="out",
        type=Path,
        default=default_out(name),
        help=f"where to write the JSON result (default: docs/bench/{name}.json)",
    )


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _libraries() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in ALWAYS_REPORTED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    for name in REPORTED_WHEN_LOADED:
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = str(getattr(module, "__version__", "unknown"))
    return versions


def command_line() -> str:
    """The command as one would type it again from the repository root."""
    script, *args = sys.argv
    path = Path(script).resolve()
    if path.is_relative_to(REPO):
        script = str(path.relative_to(REPO))
    return shlex.join(["python", script, *args])


def _code_version() -> tuple[str, bool]:
    """The commit, and whether tracked files other than documentation differ from it."""
    modified = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs", ":!*.md")
    return _git("rev-parse", "--short", "HEAD"), bool(modified)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# Taken when the bench starts: the code that runs is the code checked out then, whatever is
# committed while a long bench runs.
_STARTED = _now()
_COMMIT, _TREE_MODIFIED = _code_version()


def machine() -> dict[str, Any]:
    return {
        "date": _now(),
        "started": _STARTED,
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "libraries": _libraries(),
        "load_1min_at_start": _LOAD_AT_START,
        "load_1min": _load_1min(),
        "nice": os.nice(0),
        "commit": _COMMIT,
        "tree_modified": _TREE_MODIFIED,
        "environment": {k: os.environ[k] for k in REPORTED_ENVIRONMENT if k in os.environ},
        "argv": list(sys.argv),
        "command": command_line(),
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


def emit(name: str, result: dict[str, Any], out: Path | None = None) -> dict[str, Any]:
    """Print the result as one JSON object and, when ``out`` is given, save it there.

    Returns the payload written, so a script can also judge its own result.
    """
    clash = RESERVED_KEYS & result.keys()
    if clash:  # a result's own "machine" would silently replace the shared record
        raise ValueError(f"bench {name!r} result uses reserved keys {sorted(clash)}")
    payload = {"bench": name, "schema": SCHEMA, "machine": machine(), **result}
    text = json.dumps(payload, indent=2, default=str)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    return payload


def data_dir() -> Path:
    configured = os.environ.get("SPIKEGLYPH_DATA_DIR")
    if configured:
        return Path(configured)
    sibling = REPO.parent / "shared" / "datasets"
    return sibling if sibling.is_dir() else REPO / "var" / "datasets"


# --- load generation -------------------------------------------------------------------------
# The benchmark's own clients share the machine's CPUs with the services they measure, so they
# use aiohttp: about a quarter of httpx's CPU per keep-alive request (bench/bench_upstream.py).


def load_session(clients: int, timeout_s: float = 30.0, token: str | None = None) -> Any:
    """An aiohttp session with one keep-alive connection per concurrent client; ``token``:
    the internal token a replica asks of its callers (sent as ``Authorization: Bearer``)."""
    import aiohttp

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=clients),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        headers={"Authorization": f"Bearer {token}"} if token else None,
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
