"""The Python client against the live gateway: the way another service calls SpikeGlyph."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from spikeglyph.client import AsyncSpikeGlyphClient, SpikeGlyphAPIError, SpikeGlyphClient
from spikeglyph.schemas import JobProgress, JobState, TrainParams
from spikeglyph.stores import FeedbackStore, JobStore, connect
from tests.integration.gateway.stack import (
    API_KEY,
    OPEN,
    Gateway,
    start_fake_replica,
    start_gateway,
)
from tests.integration.gateway.test_predict import PNG
from tests.support.procs import RedisServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def one_replica(
    tmp_path_factory: pytest.TempPathFactory, gateway_redis: RedisServer
) -> Iterator[Gateway]:
    """A gateway with one replica: the shared stack's two fake replicas serve versions of their
    own names, so a correction naming the version that answered would be refused (422) whenever
    the gateway asked the other one which version it serves."""
    directory = tmp_path_factory.mktemp("client-live")
    replica = start_fake_replica(directory, "replica-solo")
    gateway = start_gateway(
        directory, gateway_redis.url, [replica], env={"SPIKEGLYPH_RATE_LIMIT_FEEDBACK": OPEN}
    )
    try:
        yield gateway
    finally:
        gateway.stop()


def test_predict_feedback_and_models_through_the_client(one_replica: Gateway, tmp_path) -> None:
    stack = one_replica
    path = tmp_path / "seven.png"
    path.write_bytes(PNG)
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[4:24, 13:15] = 255
    with SpikeGlyphClient(stack.url, api_key=API_KEY) as sg:
        seven = sg.predict(path)
        assert seven.digit == 7
        assert sg.predict(digit, compact=True).input is None
        batch = sg.predict_batch([PNG, digit])
        assert len(batch) == 2 and all(p.latency_ms.gateway is not None for p in batch)
        assert sg.feedback(digit, 1)
        feedback_id = sg.feedback(path, 1, model_version=seven.model_version)
        assert isinstance(sg.models(), list)
        with pytest.raises(SpikeGlyphAPIError) as caught:
            sg.activate("no-such-version")
        assert caught.value.status == 404 and caught.value.code == "model_not_found"
    stored = {item.feedback_id: item for item, _ in FeedbackStore(connect(stack.redis_url)).read()}
    assert stored[feedback_id].model_version == seven.model_version


def test_submit_and_follow_a_job_through_the_client(stack: Gateway) -> None:
    store = JobStore(connect(stack.redis_url))
    with SpikeGlyphClient(stack.url, api_key=API_KEY) as sg:
        job_id = sg.submit_job("train", TrainParams(epochs=1, max_samples=1000))
        assert sg.job(job_id).state is JobState.queued

        def worker() -> None:
            time.sleep(0.3)
            store.update(job_id, state=JobState.running)
            store.update(job_id, progress=JobProgress(phase="training", step=1, steps=1))
            store.update(job_id, state=JobState.succeeded, result={"version": "v-live"})

        thread = threading.Thread(target=worker)
        thread.start()
        kinds = [event.type for event in sg.follow_job(job_id, timeout=20)]
        thread.join()
        assert kinds[-1] == "final" and "progress" in kinds
        assert sg.wait_job(job_id, timeout=10).result == {"version": "v-live"}


def test_the_async_client_against_the_live_gateway(stack: Gateway) -> None:
    async def run() -> None:
        async with AsyncSpikeGlyphClient(stack.url, api_key=API_KEY) as sg:
            predictions = await asyncio.gather(*(sg.predict(PNG) for _ in range(8)))
            assert {p.digit for p in predictions} == {7}
            job_id = await sg.submit_job("evaluate", {"split": "test"})
            cancelled = await sg.cancel_job(job_id)
            assert cancelled.state is JobState.cancelled

    asyncio.run(run())


def test_the_client_without_a_key_is_told_so(stack: Gateway) -> None:
    with SpikeGlyphClient(stack.url) as sg, pytest.raises(SpikeGlyphAPIError) as caught:
        sg.submit_job("train")
    assert caught.value.status == 401
