"""One of two replicas dies during a stream of predictions: no client request fails."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.gateway.stack import start_fake_replica, start_gateway
from tests.integration.gateway.test_predict import PNG
from tests.support.procs import RedisServer

pytestmark = pytest.mark.integration


def test_killing_a_replica_mid_stream_loses_no_request(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    replicas = [start_fake_replica(tmp_path, name) for name in ("left", "right")]
    gateway = start_gateway(tmp_path, redis_server.url, replicas)
    failures: list[str] = []
    served_by: list[str] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=gateway.url, timeout=10) as http:
            while not stop.is_set():
                response = http.post(
                    "/api/v1/predict", content=PNG, headers={"Content-Type": "image/png"}
                )
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text}")
                else:
                    served_by.append(response.json()["model_version"])

    threads = [threading.Thread(target=client) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        replicas[0].process.kill()  # SIGKILL: no graceful goodbye
        killed_at = len(served_by)
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
        gateway.stop()
    assert failures == []
    assert "left" in served_by[:killed_at]
    after = served_by[killed_at + 8 :]  # requests already in flight may have finished on "left"
    assert after and set(after) == {"right"}
