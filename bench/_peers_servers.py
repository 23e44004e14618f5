"""The peers of ``bench/bench_peers.py``: their virtual environment and their processes.

BentoML and LitServe are installed from PyPI into a virtual environment of their own, cached
under ``~/.cache/spikeglyph-bench/peers-venv`` (``--peers-venv``) and rebuilt when the pins
below change, so they never share packages with the product's ``.venv``. Both serve the
shipped ``model.onnx`` with SpikeGlyph's own preprocessing, imported from ``shared/src``
through ``PYTHONPATH``. The bare ASGI app runs on the product's own uvicorn.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from stack import REPO, ServiceProcess, free_port, wait_http_ok

PEERS_DIR = REPO / "bench" / "peers"
DEFAULT_VENV = Path.home() / ".cache" / "spikeglyph-bench" / "peers-venv"
# The product's own ONNX Runtime, Pillow and numpy, so only the serving stack differs.
BASE_PINS = ("onnxruntime==1.32.0", "pillow==13.0.0", "numpy==2.4.6")
PEER_PINS = {"bentoml": "bentoml==1.4.40", "litserve": "litserve==0.2.19"}


@dataclass
class Peer:
    name: str
    url: str  # the predict route
    process: ServiceProcess
    # Further processes a request costs (SpikeGlyph's replica behind its gateway), by name.
    extra: dict[str, ServiceProcess] = field(default_factory=dict)


def peer_venv(root: Path) -> tuple[Path, dict[str, str]]:
    """The peers' interpreter, and for each peer that would not install, why."""
    python = root / "bin" / "python"
    stamp = root / "pins.txt"
    wanted = "\n".join([*BASE_PINS, *PEER_PINS.values()])
    failed: dict[str, str] = {}
    if stamp.is_file() and stamp.read_text() == wanted:
        return python, failed
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    _pip(python, *BASE_PINS)
    for name, pin in PEER_PINS.items():
        try:
            _pip(python, pin, *BASE_PINS)  # the base pins hold while the peer resolves
        except subprocess.CalledProcessError as exc:
            failed[name] = f"pip install {pin} failed (exit {exc.returncode})"
    if not failed:
        stamp.write_text(wanted)
    return python, failed


def _pip(python: Path, *requirements: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *requirements],
        check=True,
    )  # fmt: skip


def _peer_env(model: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": str(REPO / "shared" / "src"),
        "PEER_MODEL": str((model / "model.onnx").resolve()),  # BentoML runs in bench/peers
        "OMP_NUM_THREADS": "1",
        "BENTOML_DO_NOT_TRACK": "True",
        "LITSERVE_DISABLE_TELEMETRY": "1",
    }


def start_bentoml(python: Path, model: Path, logs: Path) -> Peer:
    port = free_port()
    bentoml = python.parent / "bentoml"
    process = ServiceProcess(
        [str(bentoml), "serve", "bentoml_service:Preprocessing", "--host", "127.0.0.1",
         "--port", str(port), "--working-dir", str(PEERS_DIR)],
        _peer_env(model),
        logs / "bentoml.log",
    ).start()  # fmt: skip
    return _ready(Peer("bentoml", f"http://127.0.0.1:{port}/predict", process), "/readyz")


def start_litserve(python: Path, model: Path, logs: Path) -> Peer:
    port = free_port()
    process = ServiceProcess(
        [str(python), str(PEERS_DIR / "litserve_app.py"), str(port)],
        _peer_env(model),
        logs / "litserve.log",
    ).start()
    return _ready(Peer("litserve", f"http://127.0.0.1:{port}/predict", process), "/health")


def start_bare(logs: Path) -> Peer:
    port = free_port()
    process = ServiceProcess(
        [sys.executable, str(PEERS_DIR / "bare_app.py"), str(port)], {}, logs / "bare.log"
    ).start()
    return _ready(Peer("bare ASGI", f"http://127.0.0.1:{port}/predict", process), "/")


def _ready(peer: Peer, probe: str, timeout_s: float = 180.0) -> Peer:
    base = peer.url.rsplit("/", 1)[0]
    try:
        wait_http_ok(base + probe, timeout_s)
    except TimeoutError:
        peer.process.stop()
        raise RuntimeError(f"{peer.name} did not start:\n{peer.process.log()[-3000:]}") from None
    return peer
