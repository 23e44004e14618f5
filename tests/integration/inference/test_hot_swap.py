"""Hot swap on the real process: no request lost, tampered models refused, Redis outages."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest

from spikeglyph.schemas import RegistryEvent
from spikeglyph.stores import ModelRegistry
from tests.support.procs import RedisServer, ServiceProcess, wait_until

pytestmark = pytest.mark.integration
Start = Callable[..., tuple[ServiceProcess, str]]
DIGIT = np.zeros((28, 28), np.uint8)
DIGIT[6:22, 13:16] = 255  # a "1"


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(DIGIT).save(buf, format="PNG")
    return buf.getvalue()


IMAGE = _png()


class Stream:
    """Clients sending predictions back to back until stopped, recording every answer."""

    def __init__(self, url: str, clients: int = 2) -> None:
        self.url = url
        self.answers: list[list[tuple[int, str]]] = [[] for _ in range(clients)]
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(log,), daemon=True) for log in self.answers
        ]

    def __enter__(self) -> Stream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, log: list[tuple[int, str]]) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                try:
                    r = client.post(
                        "/v1/predict?compact=true",
                        content=IMAGE,
                        headers={"content-type": "image/png"},
                    )
                    version = r.json().get("model_version", "") if r.status_code == 200 else ""
                    log.append((r.status_code, version))
                except httpx.HTTPError as exc:
                    log.append((0, type(exc).__name__))

    def all(self) -> list[tuple[int, str]]:
        return [answer for log in self.answers for answer in log]

    def seen(self, version: str) -> bool:
        return any(v == version for log in self.answers for _, v in list(log))


def _served(url: str) -> str:
    return str(httpx.get(f"{url}/v1/model", timeout=5).json()["version"])


def test_activation_during_a_stream_loses_no_request(
    start_inference: Start, registry: ModelRegistry, versions: Callable[[str], Path]
) -> None:
    registry.publish(versions("v1"), activate=True)
    _, url = start_inference()
    assert _served(url) == "v1"
    with Stream(url) as stream:
        wait_until(lambda: len(stream.all()) >= 10, 30, "requests before the swap")
        registry.publish(versions("v2"), activate=True)
        wait_until(lambda: stream.seen("v2"), 30, "answers from v2")
        count = len(stream.all())
        wait_until(lambda: len(stream.all()) >= count + 10, 30, "requests after the swap")
    answers = stream.all()
    assert {status for status, _ in answers} == {200}, answers[-5:]
    for log in stream.answers:  # each client sees v1 then v2, never back
        order = [v for _, v in log]
        switch = order.index("v2")
        assert set(order[:switch]) == {"v1"} and set(order[switch:]) == {"v2"}


def test_tampered_model_is_refused_while_the_old_keeps_serving(
    start_inference: Start,
    registry: ModelRegistry,
    versions: Callable[[str], Path],
    redis_server: RedisServer,
) -> None:
    registry.publish(versions("v1"), activate=True)
    registry.publish(versions("evil"))
    onnx = registry.path("evil") / "model.onnx"
    onnx.write_bytes(onnx.read_bytes() + b"tampered")
    _, url = start_inference()
    with Stream(url, clients=1) as stream:
        # the pointer moves to the damaged version (as if the volume rotted after activation)
        registry.redis.set(registry.keys.active, "evil")
        event = RegistryEvent(type="activated", version="evil", previous="v1")
        registry.redis.publish(registry.channel, event.model_dump_json())
        wait_until(
            lambda: (
                'model_refusals_total{reason="checksum_mismatch"} 1.0'
                in httpx.get(f"{url}/metrics").text
            ),
            30,
            "the refusal",
        )
        count = len(stream.all())
        wait_until(lambda: len(stream.all()) >= count + 10, 30, "requests after the refusal")
    assert {a for a in stream.all()} == {(200, "v1")}
    assert _served(url) == "v1"


def test_redis_restart_does_not_stop_predictions_and_swaps_resume(
    start_inference: Start,
    registry: ModelRegistry,
    versions: Callable[[str], Path],
    redis_server: RedisServer,
) -> None:
    registry.publish(versions("v1"), activate=True)
    proc, url = start_inference()
    with Stream(url, clients=1) as stream:
        redis_server.stop()
        count = len(stream.all())
        wait_until(lambda: len(stream.all()) >= count + 10, 30, "requests while Redis is down")
        redis_server.start()  # same port, append-only file: the registry's state is back
        registry.publish(versions("v2"), activate=True)
        wait_until(lambda: stream.seen("v2"), 30, "the swap after the restart")
    assert {status for status, _ in stream.all()} == {200}
    assert proc.alive()
