"""Real stacks for the fault tests, and a stream of clients that records every answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from tests.support.hostile_images import digit_array, encode
from tests.support.stack import Stack, StackConfig, stack_model

DIGIT = encode(Image.fromarray(digit_array()), "PNG")


@pytest.fixture(scope="module")
def two_replicas(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    config = StackConfig(model_dir=stack_model(request), replicas=2)
    with Stack(config, tmp_path_factory.mktemp("two-replicas")).started() as stack:
        yield stack


class Stream:
    """``clients`` threads posting predictions to the gateway back to back until stopped.

    Every answer is kept as (status, model version or error name), so a test can say exactly
    which requests failed and which version served each one.
    """

    def __init__(self, gateway_url: str, clients: int = 4) -> None:
        self.url = gateway_url
        self.answers: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def __enter__(self) -> Stream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                try:
                    answer = client.post(
                        "/api/v1/predict?compact=true",
                        content=DIGIT,
                        headers={"content-type": "image/png"},
                    )
                    ok = answer.status_code == 200
                    seen = answer.json().get("model_version", "") if ok else answer.text[:200]
                    record = (answer.status_code, seen)
                except (httpx.HTTPError, ValueError) as exc:
                    record = (0, type(exc).__name__)
                with self._lock:
                    self.answers.append(record)

    def count(self) -> int:
        with self._lock:
            return len(self.answers)

    def snapshot(self) -> list[tuple[int, str]]:
        with self._lock:
            return list(self.answers)

    def failures(self) -> list[tuple[int, str]]:
        return [answer for answer in self.snapshot() if answer[0] != 200]


def wait_for_more(stream: Stream, more: int, timeout: float = 60) -> None:
    """Block until the stream has answered ``more`` further requests."""
    from tests.support.procs import wait_until

    target = stream.count() + more
    wait_until(lambda: stream.count() >= target, timeout, f"{more} more answers")
