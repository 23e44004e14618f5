"""Start the processes a gateway test talks to: fake or real replicas and the gateway."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.procs import ServiceProcess, free_port, wait_http_ok

API_KEY = "k3y-for-tests-0123456789abcdef"
OPEN = json.dumps({"per_minute": 0})


@dataclass
class Replica:
    process: ServiceProcess
    url: str


@dataclass
class Gateway:
    process: ServiceProcess
    url: str
    artifacts_dir: Path
    redis_url: str
    replicas: list[Replica] = field(default_factory=list)

    def stop(self) -> None:
        self.process.stop()
        for replica in self.replicas:
            replica.process.stop()


def start_fake_replica(directory: Path, name: str, redis_url: str | None = None) -> Replica:
    """A fake replica; with ``redis_url`` it draws weight figures of the versions published
    there (the artifacts of :func:`start_gateway` in the same ``directory``)."""
    port = free_port()
    registry = ["--redis-url", redis_url, "--artifacts", str(directory / "artifacts")]
    process = ServiceProcess(
        [
            sys.executable,
            "-m",
            "tests.integration.gateway.fake_inference",
            "--port",
            str(port),
            "--name",
            name,
            *(registry if redis_url else []),
        ],
        env={},
        log_path=directory / f"{name}.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{url}/readyz", timeout=60)
    return Replica(process, url)


def start_gateway(
    directory: Path,
    redis_url: str,
    replicas: list[Replica],
    env: dict[str, str] | None = None,
    inference_urls: list[str] | None = None,
) -> Gateway:
    port = free_port()
    artifacts = directory / "artifacts"
    frontend = directory / "frontend"
    frontend.mkdir(parents=True, exist_ok=True)
    (frontend / "index.html").write_text("<!doctype html><title>SpikeGlyph</title>")
    (frontend / "app.js").write_text("console.log('spikeglyph');")
    (frontend / "icon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    urls = inference_urls or [replica.url for replica in replicas]
    process = ServiceProcess(
        [sys.executable, "-m", "spikeglyph_gateway.main", "--port", str(port)],
        env={
            "SPIKEGLYPH_ENVIRONMENT": "test",
            "SPIKEGLYPH_REDIS_URL": redis_url,
            "SPIKEGLYPH_INFERENCE_URLS": ",".join(urls),
            "SPIKEGLYPH_API_KEYS": f"{API_KEY},second-key-abcdef0123456789",
            "SPIKEGLYPH_ARTIFACTS_DIR": str(artifacts),
            "SPIKEGLYPH_FRONTEND_DIR": str(frontend),
            "SPIKEGLYPH_PROBE_INTERVAL_S": "0.3",
            "SPIKEGLYPH_MAX_UPLOAD_BYTES": str(1024 * 1024),
            "SPIKEGLYPH_CORS_ORIGINS": "http://allowed.example",
            "SPIKEGLYPH_SSE_HEARTBEAT_S": "0.5",
            **(env or {}),
        },
        log_path=directory / "gateway.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(f"{url}/healthz", timeout=60)
    except TimeoutError:
        process.stop()
        raise RuntimeError(f"gateway did not start:\n{process.log()}") from None
    return Gateway(process, url, artifacts, redis_url, replicas)
