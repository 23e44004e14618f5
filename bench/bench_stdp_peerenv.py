"""BindsNET's own virtual environment for ``bench_stdp_peers.py``: built once, cached, and the
process that runs BindsNET in it.

The environment lives in ``var/peers/bindsnet-venv`` (``var/`` is git-ignored) and gets the
same CPU torch as the project's own environment, installed first and pinned with a constraints
file so that nothing installed after it can replace it (an unpinned torch from PyPI is the
CUDA build, gigabytes of it). BindsNET comes from PyPI. When its declared requirements cannot
be met with that torch (BindsNET 0.3.4 asks for torch >= 2.14 and torchvision >= 0.29), it is
installed without them, followed by what its network, model and encoding modules import
(``NETWORK_DEPS``); what was done and why is kept in a record next to the environment and
copied into the benchmark's JSON. The record is written last, so an interrupted build is
started again from scratch on the next run.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from _common import REPO
from bench_stdp_stats import Trial

log = logging.getLogger(__name__)

BINDSNET_VERSION = "0.3.4"
VENV = REPO / "var" / "peers" / "bindsnet-venv"
WORKER = Path(__file__).resolve().with_name("bench_stdp_bindsnet.py")
RECORD_NAME = "spikeglyph-peer.json"
# Imported by bindsnet.network, bindsnet.models and bindsnet.encoding besides torch: the only
# BindsNET modules the bench loads (bench_stdp_bindsnet.import_bindsnet_network).
NETWORK_DEPS = ("numpy", "scipy", "tqdm")
REPORTED = ("bindsnet", "torch", *NETWORK_DEPS, "torchvision")


class PeerUnavailable(RuntimeError):
    """The peer library could not be installed or started; ``output`` says why."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class PeerEnv:
    python: Path
    record: dict[str, Any]


def torch_pin() -> str:
    """The torch version of this interpreter (the project's CPU build, local label kept)."""
    import torch

    return str(torch.__version__)


def makefile_torch_index(makefile: Path = REPO / "Makefile") -> str | None:
    """The extra package index ``make install`` takes the CPU torch from (``TORCH_INDEX``)."""
    try:
        text = makefile.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^TORCH_INDEX\s*\?=\s*(\S+)\s*$", text, flags=re.MULTILINE)
    return match.group(1) if match else None


def conflict_lines(pip_output: str) -> list[str]:
    """The lines under pip's "The conflict is caused by:" (why the requirements clash)."""
    lines = pip_output.splitlines()
    for at, line in enumerate(lines):
        if line.strip().startswith("The conflict is caused by"):
            cause = []
            for following in lines[at + 1 :]:
                if not following.strip():
                    break
                cause.append(following.strip())
            return cause
    return [line.strip() for line in lines if line.startswith("ERROR")][:5]


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_bindsnet_env(
    venv: Path = VENV, version: str = BINDSNET_VERSION, torch_index: str | None = None
) -> PeerEnv:
    """The cached environment if it holds ``version`` with this torch, else a new one."""
    pin = torch_pin()
    record_path = venv / RECORD_NAME
    if record_path.is_file() and venv_python(venv).is_file():
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("requested") == {"bindsnet": version, "torch": pin}:
            log.info("reusing %s", venv)
            return PeerEnv(venv_python(venv), record)
    return PeerEnv(venv_python(venv), build(venv, version, pin, torch_index))


def build(venv: Path, version: str, pin: str, torch_index: str | None) -> dict[str, Any]:
    log.info("building %s (bindsnet %s, torch %s); log in %s", venv, version, pin, venv.parent)
    if venv.exists():
        if not (venv / "pyvenv.cfg").is_file():
            raise PeerUnavailable(
                f"{venv} exists and is not a virtual environment; not touching it"
            )
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / "bindsnet-install.log").open("w", encoding="utf-8") as install_log:
        step = Installer(venv, install_log)
        step.run([sys.executable, "-m", "venv", str(venv)], shown="python -m venv")
        constraints = venv / "constraints.txt"
        constraints.write_text(f"torch=={pin}\n", encoding="utf-8")
        index = ["--extra-index-url", torch_index] if torch_index else []
        via = " --extra-index-url $TORCH_INDEX" if torch_index else ""
        step.pip([*index, f"torch=={pin}"], shown=f"pip install{via} torch=={pin}")
        try:
            step.pip(["-c", str(constraints), f"bindsnet=={version}"])
            without_deps: list[str] = []
        except PeerUnavailable as failure:
            if "ResolutionImpossible" not in failure.output:
                raise
            without_deps = conflict_lines(failure.output)
            log.warning("bindsnet's requirements clash with torch %s: %s", pin, without_deps)
            step.pip(["--no-deps", f"bindsnet=={version}"])
            step.pip(["-c", str(constraints), *NETWORK_DEPS])
    versions = installed_versions(venv)
    if versions.get("torch") != pin:
        raise PeerUnavailable(f"torch in {venv} is {versions.get('torch')}, not {pin}")
    record = {
        "requested": {"bindsnet": version, "torch": pin},
        "installed": versions,
        "installed_without_dependencies": bool(without_deps),
        "why_without_dependencies": without_deps,
        "commands": step.shown,
        "built": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    (venv / RECORD_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


class Installer:
    """Runs the install commands, logs their output, remembers them in a readable form."""

    def __init__(self, venv: Path, install_log: TextIO) -> None:
        self.venv, self.log = venv, install_log
        self.shown: list[str] = []

    def pip(self, args: list[str], shown: str | None = None) -> None:
        command = [str(venv_python(self.venv)), "-m", "pip", "install", "--retries", "1", *args]
        readable = " ".join(args).replace(str(self.venv), "$VENV")
        self.run(command, shown=shown or f"pip install {readable}")

    def run(self, command: list[str], shown: str) -> None:
        log.info("%s", shown)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        output = done.stdout + done.stderr
        self.log.write(f"$ {' '.join(command)}\n{output}\n")
        self.log.flush()
        if done.returncode != 0:
            self.shown.append(f"{shown}  (failed, exit {done.returncode})")
            raise PeerUnavailable(f"`{shown}` failed (exit {done.returncode})", output)
        self.shown.append(shown)


def installed_versions(venv: Path) -> dict[str, str | None]:
    """Versions of the packages that matter, as the environment's own Python sees them."""
    script = (
        "import importlib.metadata as m, json, sys\n"
        "def v(name):\n"
        "    try:\n"
        "        return m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        return None\n"
        "print(json.dumps({n: v(n) for n in sys.argv[1:]}))\n"
    )
    done = subprocess.run(
        [str(venv_python(venv)), "-c", script, *REPORTED],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise PeerUnavailable(f"{venv} has no working Python", done.stderr)
    versions: dict[str, str | None] = json.loads(done.stdout)
    return versions


class BindsnetWorker:
    """``bench_stdp_bindsnet.py`` running in BindsNET's environment, one request at a time.

    It waits on its standard input while the other engines run, so it takes no CPU from them;
    its messages go to this process's standard error.
    """

    def __init__(
        self, python: Path, digits: Path, neurons: int, timesteps: int, threads: int, seed: int
    ) -> None:
        self.command = [str(python), str(WORKER), "--images", str(digits)]
        self.command += ["--neurons", str(neurons), "--timesteps", str(timesteps)]
        self.command += ["--threads", str(threads), "--seed", str(seed)]
        self.threads = threads
        self.ready: dict[str, Any] = {}

    def __enter__(self) -> BindsnetWorker:
        pinned = {name: str(self.threads) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **pinned},
        )
        self.ready = self._answer()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def learn(self, start: int, stop: int) -> Trial:
        """BindsNET learns digits ``start..stop-1``; its own wall-clock measurement."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"start": start, "stop": stop}) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        return Trial(
            float(answer["seconds"]),
            float(answer["cpu_seconds"]),
            int(answer["images"]),
            float(answer["spikes"]),
        )

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise PeerUnavailable(f"the BindsNET process ended (exit {code}); see its errors above")
        answer: dict[str, Any] = json.loads(line)
        return answer
