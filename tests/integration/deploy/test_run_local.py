"""`make run` without Docker: the real script, the real services, a private redis-server.

The script runs with its state in a temporary folder and on free ports, exactly as a user runs
it otherwise; the test then does what the README tells a newcomer to do.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.support.datasets import test_data_dir as find_datasets
from tests.support.procs import free_port, wait_until
from tests.unit.deploy.deployfiles import REPO, healthcheck_command

pytestmark = pytest.mark.integration

RUN_LOCAL = REPO / ".ci" / "run-local"
STARTUP_BUDGET_S = 60.0  # the README's promise: predictions within a minute of starting


@dataclass
class LocalRun:
    process: subprocess.Popen[bytes]
    log_path: Path
    var_dir: Path
    env: dict[str, str]
    gateway_port: int
    inference_port: int
    redis_port: int
    started: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """Ctrl-C's equivalent for a script in the background: SIGTERM, then wait."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(45)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        return self.process.returncode


def script_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The user's environment, minus anything that would point the script elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPIKEGLYPH_")}
    if os.environ.get("SPIKEGLYPH_DATA_DIR"):
        env["SPIKEGLYPH_DATA_DIR"] = os.environ["SPIKEGLYPH_DATA_DIR"]
    env.update(
        SPIKEGLYPH_VAR_DIR=str(var_dir),
        SPIKEGLYPH_ENV_FILE=str(var_dir / "no.env"),
        SPIKEGLYPH_LOG_LEVEL="WARNING",
        **overrides,
    )
    return env


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRun]:
    """One run for the whole module (starting the stack is the slow part); the last test
    stops it."""
    tmp_path = tmp_path_factory.mktemp("run-local")
    var_dir = tmp_path / "var"
    gateway_port, inference_port, redis_port = free_port(), free_port(), free_port()
    env = script_env(
        var_dir,
        SPIKEGLYPH_GATEWAY_PORT=str(gateway_port),
        SPIKEGLYPH_INFERENCE_PORT=str(inference_port),
        # Nothing listens there, so the script must start its own redis-server.
        SPIKEGLYPH_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SPIKEGLYPH_READY_TIMEOUT=str(int(STARTUP_BUDGET_S)),
    )
    log_path = tmp_path / "run-local.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", str(RUN_LOCAL)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    run = LocalRun(
        process, log_path, var_dir, env, gateway_port, inference_port, redis_port, time.monotonic()
    )
    try:
        yield run
    finally:
        run.stop()


def mnist_test_digit() -> tuple[bytes, int] | None:
    """The first MNIST test image as PNG bytes and its label, when the dataset is present."""
    root = find_datasets()
    if root is None:
        return None
    images = root / "mnist" / "t10k-images-idx3-ubyte.gz"
    labels = root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(images) as stream:
        header = stream.read(16)
        assert int.from_bytes(header[:4], "big") == 2051
        pixels = np.frombuffer(stream.read(28 * 28), dtype=np.uint8).reshape(28, 28)
    with gzip.open(labels) as stream:
        stream.read(8)
        label = stream.read(1)[0]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue(), label


def drawn_one() -> bytes:
    """A plain vertical stroke: a "1" as a user would draw it (used without the dataset)."""
    canvas = np.zeros((28, 28), dtype=np.uint8)
    canvas[5:23, 13:16] = 255
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    return buffer.getvalue()


def wait_for_ready_line(run: LocalRun) -> None:
    """Until the script prints its URL; fails at once if it exits first (later tests too)."""
    deadline = run.started + STARTUP_BUDGET_S + 5
    while "SpikeGlyph is ready" not in run.log():
        if run.process.poll() is not None:
            raise AssertionError(f"run-local exited before it was ready:\n{run.log()[-4000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"run-local not ready in {STARTUP_BUDGET_S:.0f} s:\n{run.log()[-4000:]}"
            )
        time.sleep(0.25)


def test_local_run_serves_the_page_and_predicts_within_a_minute(local_run: LocalRun) -> None:
    wait_for_ready_line(local_run)
    assert f"http://localhost:{local_run.gateway_port}" in local_run.log()

    page = httpx.get(f"{local_run.url}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "SpikeGlyph" in page.text

    sample = mnist_test_digit()
    image, label = sample if sample else (drawn_one(), None)
    answer = httpx.post(
        f"{local_run.url}/api/v1/predict",
        files={"file": ("digit.png", image, "image/png")},
        timeout=15,
    )
    elapsed = time.monotonic() - local_run.started
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert 0 <= body["digit"] <= 9 and len(body["probabilities"]) == 10
    assert body["model_version"]
    if label is not None:
        assert body["digit"] == label, "the shipped default model misreads MNIST test digit 0"
    assert elapsed <= STARTUP_BUDGET_S, f"first prediction after {elapsed:.0f} s"


def test_local_run_generates_an_api_key_that_protected_routes_accept(
    local_run: LocalRun,
) -> None:
    wait_for_ready_line(local_run)
    key_file = local_run.var_dir / "api-key"
    key = key_file.read_text().strip()
    assert len(key) >= 32
    assert key_file.stat().st_mode & 0o077 == 0, "the key file must be private to its owner"
    assert local_run.log().count(key) == 1, "the key is printed once, when it is made"

    job = f"{local_run.url}/api/v1/jobs/{secrets.token_hex(8)}"
    assert httpx.delete(job, timeout=10).status_code == 401
    assert httpx.delete(job, headers={"X-API-Key": "wrong" * 8}, timeout=10).status_code == 403
    assert httpx.delete(job, headers={"X-API-Key": key}, timeout=10).status_code == 404


def test_local_run_shields_inference_with_a_generated_internal_token(local_run: LocalRun) -> None:
    wait_for_ready_line(local_run)
    token_file = local_run.var_dir / "internal-token"
    token = token_file.read_text().strip()
    assert len(token) >= 32
    assert token_file.stat().st_mode & 0o077 == 0, "the token file must be private to its owner"
    assert token not in local_run.log(), "the token is for the services, never printed"
    model = f"http://127.0.0.1:{local_run.inference_port}/v1/model"
    refused = httpx.get(model, timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_internal_token"
    bearer = {"Authorization": f"Bearer {token}"}
    # The gateway holds the same token: the predictions of the test above pass through it.
    assert httpx.get(model, headers=bearer, timeout=10).status_code == 200


def test_image_healthchecks_pass_against_the_running_services(local_run: LocalRun) -> None:
    """The HEALTHCHECK commands of the images, run against the same services outside Docker."""
    wait_for_ready_line(local_run)
    bin_dir = Path(sys.executable).parent
    env = {**local_run.env, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    urls = {
        "inference": f"http://127.0.0.1:{local_run.inference_port}/readyz",
        "gateway": f"{local_run.url}/healthz",
        "trainer": "",
    }
    for service, url in urls.items():
        command = healthcheck_command(service)
        check_env = {**env, "SPIKEGLYPH_HEALTHCHECK_URL": url}

        def healthy(command: list[str] = command, check_env: dict[str, str] = check_env) -> bool:
            return (
                subprocess.run(command, env=check_env, capture_output=True, timeout=30).returncode
                == 0
            )

        wait_until(healthy, 45, f"the {service} image's HEALTHCHECK", interval=1.0)


def test_stopping_the_run_stops_every_service_and_its_redis(local_run: LocalRun) -> None:
    wait_for_ready_line(local_run)
    assert port_open(local_run.redis_port)
    local_run.stop()
    for port in (local_run.gateway_port, local_run.inference_port, local_run.redis_port):
        wait_until(lambda port=port: not port_open(port), 20, f"port {port} to close")
    # Redis persisted to its append-only file inside the run's own state folder.
    assert list((local_run.var_dir / "redis").rglob("*.aof*"))


def test_missing_redis_server_says_how_to_install_it(tmp_path: Path) -> None:
    env = script_env(
        tmp_path / "var",
        SPIKEGLYPH_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        SPIKEGLYPH_REDIS_SERVER="redis-server-that-is-not-installed",
    )
    result = subprocess.run(
        ["bash", str(RUN_LOCAL)], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "redis-server is not installed" in result.stderr
    assert "sudo apt-get install redis-server" in result.stderr
    assert "brew install redis" in result.stderr


def test_unreachable_remote_redis_is_reported_not_replaced(tmp_path: Path) -> None:
    env = script_env(tmp_path / "var", SPIKEGLYPH_REDIS_URL="redis://192.0.2.1:6379/0")
    result = subprocess.run(
        ["bash", str(RUN_LOCAL)], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert re.search(r"no Redis answers at redis://192\.0\.2\.1:6379/0", result.stderr)


def test_a_busy_port_is_reported_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = script_env(
            tmp_path / "var",
            SPIKEGLYPH_GATEWAY_PORT=str(port),
            SPIKEGLYPH_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        )
        result = subprocess.run(
            ["bash", str(RUN_LOCAL)], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr
    assert "SPIKEGLYPH_GATEWAY_PORT" in result.stderr
    # Nothing was started: no Redis state was created.
    assert not (tmp_path / "var" / "redis").exists()


def test_env_file_fills_what_the_shell_leaves_unset(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        'SPIKEGLYPH_REDIS_SERVER="redis-server-from-the-env-file"\n'
        "SPIKEGLYPH_REDIS_URL=redis://192.0.2.1:6379/0\n"
    )
    shell_url = f"redis://127.0.0.1:{free_port()}/0"
    env = script_env(tmp_path / "var", SPIKEGLYPH_REDIS_URL=shell_url)
    env["SPIKEGLYPH_ENV_FILE"] = str(env_file)
    result = subprocess.run(
        ["bash", str(RUN_LOCAL)], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    # The shell's Redis URL won over the file's (a local one, so a start was attempted)...
    assert f"no Redis answers at {shell_url}" in result.stderr
    # ...and the file supplied the (missing) binary the shell did not set.
    assert "redis-server is not installed" in result.stderr
    assert result.returncode == 1
