"""Builds the three images and runs the Compose stack, for bench_containers.py and the live test.

Works without registry access: when the official Python image cannot be pulled, the base images
come from Debian packages (deploy/images/make-base-images.sh); when PyTorch's CPU index does not
answer, the CPU torch wheel pip finds on this host (its own find-links or index) is served to
the build as a one-package index, and only a ``+cpu`` wheel is accepted. The host's CA bundle
goes to every build as the ``ca_certs`` secret, so a TLS-intercepting proxy the host trusts is
trusted by the build too, without the bundle ever entering a layer.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("gateway", "inference", "trainer")
# The tags docker-compose.yml gives the images it would build.
IMAGE_TAGS = {
    "gateway": "spikeglyph-gateway:latest",
    "inference": "spikeglyph-inference:cpu",
    "trainer": "spikeglyph-trainer:cpu",
}
OFFICIAL = {"python": "python:3.11-slim-bookworm", "redis": "redis:7.4-alpine"}
DEBIAN = {"python": "spikeglyph/python:3.11-bookworm", "redis": "spikeglyph/redis:7-bookworm"}
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
DOCKER_HOST_IP = "172.17.0.1"  # the default bridge's gateway: where a build reaches this host
TORCH_INDEX_PORT = 38491
# Docker 20.10's own CLI builds with the classic builder unless told otherwise.
BUILDKIT_ENV = {**os.environ, "DOCKER_BUILDKIT": "1"}
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

log = logging.getLogger("bench.containers")


def run(*argv: str, timeout: float = 900, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}… failed:\n{result.stderr[-4000:]}")
    return result.stdout


def engine_answers() -> bool:
    try:
        subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=True)
        subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=20, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def image_exists(tag: str) -> bool:
    result = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, check=False)
    return result.returncode == 0


def base_images() -> tuple[dict[str, str], str]:
    """The official images when a registry answers, else Debian-made ones (made if missing)."""
    try:
        for tag in OFFICIAL.values():
            if not image_exists(tag):
                run("docker", "pull", "--quiet", tag, timeout=300)
        return dict(OFFICIAL), "official"
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        log.info("no registry (%s): base images from Debian packages", str(error)[-200:])
    if not all(image_exists(tag) for tag in DEBIAN.values()):
        run("bash", str(REPO / "deploy/images/make-base-images.sh"), timeout=1200)
    return dict(DEBIAN), "debian"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10):
            return True
    except OSError:
        return False


def _torch_pin() -> str:
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if line.startswith("torch=="):
            return line.strip()
    raise RuntimeError("constraints.txt pins no torch")


@contextlib.contextmanager
def torch_index() -> Iterator[tuple[str, list[str]]]:
    """(TORCH_CPU_INDEX_URL, extra pip.conf lines) for the trainer build."""
    if _answers(f"{TORCH_CPU_INDEX}/torch/"):
        yield TORCH_CPU_INDEX, []
        return
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "simple" / "torch"
        project.mkdir(parents=True)
        # Whatever index or find-links pip is configured with on this host.
        run(
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            "3.11",
            "-d",
            str(project),
            _torch_pin(),
            timeout=600,
        )
        wheels = [path.name for path in project.glob("torch-*.whl")]
        if not wheels or "+cpu" not in wheels[0]:
            found = wheels or "none"
            raise RuntimeError(f"no CPU torch wheel reachable ({found}): see docs/DEPLOYMENT.md")
        handler = functools.partial(_QuietHandler, directory=folder)
        server = _index_server(handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://{DOCKER_HOST_IP}:{server.server_address[1]}/simple"
            yield url, [f"trusted-host = {DOCKER_HOST_IP}"]
        finally:
            server.shutdown()


def _index_server(handler: Any) -> http.server.ThreadingHTTPServer:
    """On a fixed port when free: the index URL is a build argument, and a new one each run would
    invalidate the trainer's build cache."""
    try:
        return http.server.ThreadingHTTPServer((DOCKER_HOST_IP, TORCH_INDEX_PORT), handler)
    except OSError:
        return http.server.ThreadingHTTPServer((DOCKER_HOST_IP, 0), handler)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the base's name
        log.debug(format, *args)


@dataclass
class Built:
    base: str
    seconds: dict[str, float] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)


def image_bytes(tag: str) -> int:
    return int(run("docker", "image", "inspect", "--format", "{{.Size}}", tag).strip())


def build_images(cold: bool = True) -> tuple[Built, dict[str, str]]:
    """Builds the three CPU images with the tags compose uses; returns timings and base images."""
    bases, kind = base_images()
    built = Built(base=kind)
    with torch_index() as (index, pip_lines), tempfile.TemporaryDirectory() as folder:
        pip_conf = Path(folder) / "pip.conf"
        pip_conf.write_text("[global]\n" + "".join(line + "\n" for line in pip_lines))
        secrets = ["--secret", f"id=pip_conf,src={pip_conf}"]
        if HOST_CA_BUNDLE.exists():
            secrets += ["--secret", f"id=ca_certs,src={HOST_CA_BUNDLE}"]
        for service in SERVICES:
            start = time.monotonic()
            run(
                "docker",
                "build",
                "--quiet",
                *(["--no-cache"] if cold else []),
                *secrets,
                "--build-arg",
                f"BASE_IMAGE={bases['python']}",
                "--build-arg",
                f"TORCH_CPU_INDEX_URL={index}",
                "-f",
                f"services/{service}/Dockerfile",
                "-t",
                IMAGE_TAGS[service],
                str(REPO),
                timeout=1800,
                env=BUILDKIT_ENV,
            )
            built.seconds[service] = round(time.monotonic() - start, 1)
            built.bytes[service] = image_bytes(IMAGE_TAGS[service])
    built.bytes["redis"] = image_bytes(bases["redis"])
    return built, bases


@dataclass
class Stack:
    """One Compose project of docker-compose.yml with its own name, port and API key."""

    project: str
    env: dict[str, str]

    def compose(self, *args: str, timeout: float = 300) -> str:
        return run(
            "docker",
            "compose",
            "-p",
            self.project,
            "-f",
            str(REPO / "docker-compose.yml"),
            "--project-directory",
            str(REPO),
            *args,
            timeout=timeout,
            env=self.env,
        )

    def containers(self) -> list[dict[str, str]]:
        text = self.compose("ps", "--all", "--format", "json").strip()
        if text.startswith("["):
            return list(json.loads(text))
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def wait_healthy(self, count: int, timeout_s: float = 300) -> float:
        """Seconds until ``count`` containers are running and healthy."""
        start = time.monotonic()
        while time.monotonic() - start < timeout_s:
            # A container stopped on purpose (a replica killed by a check) no longer counts.
            running = [c for c in self.containers() if c.get("State") != "exited"]
            states = [c.get("Health") or c.get("State") for c in running]
            if len(states) >= count and all(state == "healthy" for state in states):
                return round(time.monotonic() - start, 1)
            time.sleep(1)
        raise TimeoutError(f"not healthy after {timeout_s} s: {self.containers()}")

    def memory_mib(self) -> dict[str, float]:
        names = [c["Name"] for c in self.containers()]
        lines = run("docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", *names)
        usage = {}
        for line in lines.splitlines():
            name, amount = line.split()[:2]
            usage[name] = round(_mib(amount), 1)
        return usage


def _mib(amount: str) -> float:
    units = {
        "KiB": 1 / 1024,
        "MiB": 1,
        "GiB": 1024,
        "kB": 1 / 1048.576,
        "MB": 1 / 1.048576,
        "GB": 1000 / 1.048576,
        "B": 1 / 1048576,
    }
    for unit in sorted(units, key=len, reverse=True):
        if amount.endswith(unit):
            return float(amount[: -len(unit)]) * units[unit]
    return float(amount) / 1048576
