"""Micro-batching: concurrent requests share a model call; overload and slowness are bounded."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from fastapi import FastAPI

from .conftest import AppBuilder
from .fakes import FakeRunner, client_for, png

IMAGE = png()


async def _predict(client: httpx.AsyncClient, query: str = "?compact=true") -> httpx.Response:
    return await client.post(
        f"/v1/predict{query}", content=IMAGE, headers={"content-type": "image/png"}
    )


async def _queued(app: FastAPI, count: int) -> None:
    """Wait until ``count`` images wait for the model (decoding is done for all of them)."""
    for _ in range(1000):
        if app.state.service.batcher.depth >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never saw {count} images queued")


async def _wait_for(event: threading.Event) -> None:
    for _ in range(500):
        if event.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the model was never called")


def test_concurrent_requests_are_coalesced_into_one_model_call(build_app: AppBuilder) -> None:
    gate = threading.Event()
    runner = FakeRunner("default", gate=gate)
    app, _ = build_app(runners={"mnist": runner}, max_batch_size=32, max_wait_ms=5)

    async def scenario() -> list[httpx.Response]:
        async with client_for(app) as client:
            first = asyncio.create_task(_predict(client))
            await _wait_for(runner.started)  # the model is busy with the first image...
            rest = [asyncio.create_task(_predict(client)) for _ in range(12)]
            await _queued(app, 12)  # ...while 12 more arrive
            gate.set()
            return [await first, *[await t for t in rest]]

    answers = asyncio.run(scenario())
    assert [r.status_code for r in answers] == [200] * 13
    assert runner.batches == [1, 12]


def test_batches_never_exceed_max_batch_size(build_app: AppBuilder) -> None:
    gate = threading.Event()
    runner = FakeRunner("default", gate=gate)
    app, _ = build_app(runners={"mnist": runner}, max_batch_size=4, max_wait_ms=5)

    async def scenario() -> list[httpx.Response]:
        async with client_for(app) as client:
            first = asyncio.create_task(_predict(client))
            await _wait_for(runner.started)
            rest = [asyncio.create_task(_predict(client)) for _ in range(10)]
            await _queued(app, 10)
            gate.set()
            return [await first, *[await t for t in rest]]

    answers = asyncio.run(scenario())
    assert all(r.status_code == 200 for r in answers)
    assert runner.batches == [1, 4, 4, 2]


def test_full_queue_answers_503_with_retry_after(build_app: AppBuilder) -> None:
    gate = threading.Event()
    runner = FakeRunner("default", gate=gate)
    app, _ = build_app(runners={"mnist": runner}, queue_max=3, max_batch_size=2, retry_after_s=2)

    async def scenario() -> tuple[list[httpx.Response], httpx.Response, httpx.Response]:
        async with client_for(app) as client:
            busy = asyncio.create_task(_predict(client))
            await _wait_for(runner.started)
            waiting = [asyncio.create_task(_predict(client)) for _ in range(3)]
            await _queued(app, 3)
            refused = await _predict(client)
            gate.set()
            answered = [await busy, *[await t for t in waiting]]
            return answered, refused, await _predict(client)

    answered, refused, later = asyncio.run(scenario())
    assert [r.status_code for r in answered] == [200] * 4
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["error"]["code"] == "overloaded"
    assert later.status_code == 200


def test_request_not_answered_in_time_gets_504(build_app: AppBuilder) -> None:
    gate = threading.Event()
    runner = FakeRunner("default", gate=gate)
    app, _ = build_app(runners={"mnist": runner}, request_timeout_s=0.3)

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with client_for(app) as client:
            slow = await _predict(client)
            gate.set()
            return slow, await _predict(client)

    slow, later = asyncio.run(scenario())
    assert slow.status_code == 504
    assert slow.json()["error"]["code"] == "timeout"
    assert later.status_code == 200


def test_metrics_expose_the_documented_series(build_app: AppBuilder) -> None:
    app, _ = build_app()

    async def scenario() -> tuple[str, Any]:
        async with client_for(app) as client:
            await asyncio.gather(*[_predict(client) for _ in range(3)])
            await client.post("/v1/predict", content=b"", headers={"content-type": "image/png"})
            metrics = await client.get("/metrics")
            return metrics.text, metrics.headers["content-type"]

    text, ctype = asyncio.run(scenario())
    assert ctype.startswith("text/plain")
    for series in (
        'spikeglyph_inference_requests_total{route="/v1/predict",status="200"} 3.0',
        'spikeglyph_inference_requests_total{route="/v1/predict",status="400"} 1.0',
        "spikeglyph_inference_request_duration_seconds_bucket",
        "spikeglyph_inference_queue_seconds_count 3.0",
        "spikeglyph_inference_preprocess_seconds_count",
        "spikeglyph_inference_compute_seconds_count",
        "spikeglyph_inference_batch_size_sum 3.0",
        'spikeglyph_inference_model_info{dataset="mnist",device="cpu",version="default"} 1.0',
        "spikeglyph_inference_ready 1.0",
        "spikeglyph_inference_model_swaps_total 0.0",
    ):
        assert series in text, series


def test_a_lone_request_does_not_wait_for_company(build_app: AppBuilder) -> None:
    # were a lone image held for max_wait (1 s) it would miss its 0.5 s deadline
    app, runners = build_app(max_wait_ms=1000, request_timeout_s=0.5)

    async def scenario() -> list[httpx.Response]:
        async with client_for(app) as client:
            return [await _predict(client) for _ in range(3)]

    assert [r.status_code for r in asyncio.run(scenario())] == [200, 200, 200]
    assert runners["mnist"].batches == [1, 1, 1]


def test_small_images_are_prepared_on_the_loop_and_large_ones_in_the_pool() -> None:
    from concurrent.futures import ThreadPoolExecutor

    import pytest

    from spikeglyph.errors import ImageTooLarge, UnsupportedImage
    from spikeglyph_inference.metrics import Metrics
    from spikeglyph_inference.predictor import Predictor, inline_preparer, standard_preparer

    class CountingPool(ThreadPoolExecutor):
        submitted = 0

        def submit(self, *args: Any, **kwargs: Any) -> Any:
            CountingPool.submitted += 1
            return super().submit(*args, **kwargs)

    limits = {"max_bytes": 1 << 20, "max_pixels": 1_000_000}
    with CountingPool(1) as pool:
        predictor = Predictor(
            None,  # type: ignore[arg-type]  # preparing needs no batcher
            standard_preparer(**limits),
            pool,
            Metrics(),
            max_pending=4,
            inline=inline_preparer(**limits),
        )

        def prepare(data: bytes) -> Any:
            return asyncio.run(predictor._prepare_off_loop(data))

        assert prepare(png(size=28)).shape == (28, 28)
        assert prepare(png(size=280)).shape == (28, 28)
        assert CountingPool.submitted == 0
        assert prepare(png(size=600)).shape == (28, 28)  # few bytes, many pixels: the pool
        assert CountingPool.submitted == 1
        with pytest.raises(ImageTooLarge, match="1000000 pixels"):  # the service's own limit
            prepare(png(size=1200))
        with pytest.raises(UnsupportedImage):  # refused at once, on the loop
            prepare(b"not an image")
        assert CountingPool.submitted == 2
