"""The whole SpikeGlyph stack as real processes on free loopback ports.

One private redis-server (append-only, in a temporary directory), N inference replicas, the
gateway and, optionally, a trainer worker: the same commands the Procfile runs, started the way
a user would start them, so reliability, security and load checks exercise the real thing.
Bench scripts import this module through ``bench/stack.py``; tests use it directly.

    with Stack(StackConfig(model_dir=path, replicas=2), root=tmp).started() as stack:
        httpx.post(f"{stack.gateway_url}/api/v1/predict", ...)
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from spikeglyph.modeldir import load_manifest, write_model_dir
from spikeglyph.stores import ModelRegistry, connect
from tests.support.procs import RedisServer, ServiceProcess, free_port, wait_http_ok, wait_until

BIN = Path(sys.executable).parent
API_KEY = "reliability-key-7f3a9c2e5b1d4068"
OPEN_LIMIT = '{"per_minute": 0}'


def copy_model_as(source: Path, target: Path, version: str) -> Path:
    """The same network under another version name (what a retrain would publish)."""
    manifest = load_manifest(source).model_copy(update={"version": version})
    write_model_dir(target, manifest, {name: source / name for name in manifest.files})
    return target


@dataclass
class StackConfig:
    """What to start. ``*_env`` entries override the defaults below (``SPIKEGLYPH_`` names)."""

    model_dir: Path
    replicas: int = 1
    worker: bool = False
    data_dir: Path | None = None
    gateway_env: dict[str, str] = field(default_factory=dict)
    inference_env: dict[str, str] = field(default_factory=dict)
    worker_env: dict[str, str] = field(default_factory=dict)
    # Where the worker publishes; None = the shared artifact store.
    worker_artifacts_dir: Path | None = None
    ready_timeout_s: float = 90.0
    # Set: every service gets SPIKEGLYPH_INTERNAL_TOKEN / Redis demands this password.
    internal_token: str | None = None
    redis_password: str | None = None


@dataclass
class Replica:
    process: ServiceProcess
    url: str


@dataclass
class Stack:
    """Handles on every process of one running stack; ``stop()`` ends them all."""

    config: StackConfig
    root: Path
    redis: RedisServer | None = None
    replicas: list[Replica] = field(default_factory=list)
    gateway: ServiceProcess | None = None
    gateway_url: str = ""
    workers: list[ServiceProcess] = field(default_factory=list)

    # --- paths --------------------------------------------------------------------------------
    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def redis_url(self) -> str:
        assert self.redis is not None, "the stack is not started"
        return self.redis.url

    # --- lifecycle ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def started(self) -> Iterator[Stack]:
        try:
            self.start()
            yield self
        finally:
            self.stop()

    def start(self) -> Stack:
        self.root.mkdir(parents=True, exist_ok=True)
        copy_model_as(self.config.model_dir, self.models_dir / "mnist", "shipped-default")
        self.redis = RedisServer(self.root / "redis", password=self.config.redis_password).start()
        for _ in range(self.config.replicas):
            self.start_replica()
        self.start_gateway()
        if self.config.worker:
            self.start_worker()
        return self

    def stop(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
        for worker in self.workers:
            worker.stop()
        for replica in self.replicas:
            replica.process.stop()
        if self.redis is not None:
            self.redis.stop()

    def _common_env(self) -> dict[str, str]:
        token = self.config.internal_token
        return {
            "SPIKEGLYPH_REDIS_URL": self.redis_url,
            "SPIKEGLYPH_ARTIFACTS_DIR": str(self.artifacts_dir),
            "SPIKEGLYPH_MODELS_DIR": str(self.models_dir),
            "SPIKEGLYPH_DEVICE": "cpu",
            "SPIKEGLYPH_ENVIRONMENT": "test",
            "SPIKEGLYPH_LOG_LEVEL": "INFO",
            "OMP_NUM_THREADS": "1",
            **({"SPIKEGLYPH_INTERNAL_TOKEN": token} if token else {}),
        }

    def start_replica(self) -> Replica:
        port = free_port()
        process = ServiceProcess(
            [str(BIN / "spikeglyph-inference"), "--host", "127.0.0.1", "--port", str(port)],
            {
                **self._common_env(),
                "SPIKEGLYPH_INTRA_OP_THREADS": "1",
                **_prefixed(self.config.inference_env),
            },
            self.root / "logs" / f"inference-{port}.log",
        ).start()
        replica = Replica(process, f"http://127.0.0.1:{port}")
        self.replicas.append(replica)
        _wait_ready(process, f"{replica.url}/readyz", self.config.ready_timeout_s)
        return replica

    def start_gateway(self) -> None:
        port = free_port()
        self.gateway = ServiceProcess(
            [str(BIN / "spikeglyph-gateway"), "--host", "127.0.0.1", "--port", str(port)],
            {
                **self._common_env(),
                "SPIKEGLYPH_INFERENCE_URLS": ",".join(r.url for r in self.replicas),
                "SPIKEGLYPH_API_KEYS": API_KEY,
                "SPIKEGLYPH_PROBE_INTERVAL_S": "0.3",
                "SPIKEGLYPH_RATE_LIMIT_JOBS": OPEN_LIMIT,
                "SPIKEGLYPH_RATE_LIMIT_FEEDBACK": OPEN_LIMIT,
                "SPIKEGLYPH_RATE_LIMIT_CONTROL": OPEN_LIMIT,
                **_prefixed(self.config.gateway_env),
            },
            self.root / "logs" / "gateway.log",
        ).start()
        self.gateway_url = f"http://127.0.0.1:{port}"
        _wait_ready(self.gateway, f"{self.gateway_url}/readyz", self.config.ready_timeout_s)

    def start_worker(self) -> ServiceProcess:
        name = f"worker{len(self.workers)}"
        env = {
            **self._common_env(),
            "SPIKEGLYPH_WORK_DIR": str(self.root / "jobs"),
            "SPIKEGLYPH_HOSTNAME": f"{name}@{uuid.uuid4().hex[:6]}",
            "SPIKEGLYPH_LEASE_TTL_S": "2",
            "SPIKEGLYPH_MAINTENANCE_INTERVAL_S": "0.5",
        }
        if self.config.data_dir is not None:
            env["SPIKEGLYPH_DATA_DIR"] = str(self.config.data_dir)
        if self.config.worker_artifacts_dir is not None:
            env["SPIKEGLYPH_ARTIFACTS_DIR"] = str(self.config.worker_artifacts_dir)
        worker = ServiceProcess(
            [str(BIN / "spikeglyph-worker")],
            {**env, **_prefixed(self.config.worker_env)},
            self.root / "logs" / f"{name}.log",
        ).start()
        self.workers.append(worker)
        wait_until(
            lambda: " ready." in worker.log() or not worker.alive(),
            self.config.ready_timeout_s,
            f"{name} to be ready",
        )
        if not worker.alive():
            raise RuntimeError(f"{name} exited at start:\n{worker.log()[-3000:]}")
        return worker

    # --- what tests and benches do with it ----------------------------------------------------
    def registry(self) -> ModelRegistry:
        """A registry client on the stack's Redis and shared artifact store (caller closes
        ``.redis``)."""
        return ModelRegistry(connect(self.redis_url), self.artifacts_dir)

    def publish_copy(self, version: str, *, activate: bool = False) -> None:
        """Publish the stack's model again under ``version`` (a stand-in for a retrain)."""
        source = copy_model_as(self.config.model_dir, self.root / "src" / version, version)
        registry = self.registry()
        try:
            registry.publish(source, activate=activate)
        finally:
            registry.redis.close()
            shutil.rmtree(source, ignore_errors=True)

    def pids(self) -> dict[str, int]:
        """Process id of every service, by a readable name (for memory figures)."""
        named: dict[str, int] = {}
        if self.redis is not None and self.redis.process is not None:
            named["redis"] = self.redis.process.pid
        if self.gateway is not None and self.gateway.process is not None:
            named["gateway"] = self.gateway.process.pid
        for i, replica in enumerate(self.replicas):
            if replica.process.process is not None and replica.process.alive():
                named[f"inference-{i}"] = replica.process.process.pid
        for i, worker in enumerate(self.workers):
            if worker.process is not None and worker.alive():
                named[f"worker-{i}"] = worker.process.pid
        return named

    def logs(self) -> str:
        """Every service log's tail, for assertion messages."""
        parts = []
        for path in sorted((self.root / "logs").glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)


def _prefixed(env: dict[str, str]) -> dict[str, str]:
    return {
        k if k.startswith("SPIKEGLYPH_") else f"SPIKEGLYPH_{k.upper()}": v for k, v in env.items()
    }


def _wait_ready(process: ServiceProcess, url: str, timeout: float) -> None:
    try:
        wait_http_ok(url, timeout=timeout)
    except TimeoutError:
        process.stop()
        raise RuntimeError(f"{url} did not become ready:\n{process.log()[-3000:]}") from None


TRACE_MARKERS = ("Traceback (most recent call last)", 'File "', "site-packages")


def assert_no_stack_trace(body: str | bytes) -> None:
    """Fail when an answer leaks a Python stack trace or source paths to the client."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    for marker in TRACE_MARKERS:
        assert marker not in text, f"answer leaks a stack trace ({marker!r}): {text[:500]}"


def shipped_model() -> Path | None:
    """The repository's shipped MNIST model, when it has been trained and committed."""
    shipped = Path(__file__).resolve().parents[2] / "models" / "mnist"
    return shipped if (shipped / "manifest.json").is_file() else None


def stack_model(request: pytest.FixtureRequest) -> Path:
    """The model a test stack serves: the shipped one when present (nothing to train), else
    the suite's ``tiny_model_dir`` fixture (trained once per session)."""
    return shipped_model() or Path(request.getfixturevalue("tiny_model_dir"))
