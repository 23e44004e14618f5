"""Hot swap: follow the registry's active version without dropping or mixing up a request."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

from .conftest import AppBuilder
from .fakes import FakeRegistry, FakeRunner, client_for, png

IMAGE = png()


async def _predict(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/v1/predict?compact=true", content=IMAGE, headers={"content-type": "image/png"}
    )


async def _served_version(client: httpx.AsyncClient, expected: str) -> str:
    deadline = time.monotonic() + 5
    version = ""
    while time.monotonic() < deadline:
        version = (await client.get("/v1/model")).json()["version"]
        if version == expected:
            break
        await asyncio.sleep(0.02)
    return version


async def _delivered(registry: FakeRegistry, count: int) -> None:
    deadline = time.monotonic() + 5
    while registry.delivered < count and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert registry.delivered >= count


def test_starts_on_the_registry_active_version(build_app: AppBuilder) -> None:
    registry = FakeRegistry(active="v1")
    app, runners = build_app(registry=registry, runners={"v1": FakeRunner("v1")})

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with client_for(app) as client:
            return await client.get("/readyz"), await _predict(client)

    ready, answer = asyncio.run(scenario())
    assert ready.json() == {"status": "ready", "model_version": "v1"}
    assert answer.json()["model_version"] == "v1"
    assert runners["v1"].warmups, "the model is warmed up before it serves"


def test_redis_down_at_start_serves_the_shipped_default(build_app: AppBuilder) -> None:
    registry = FakeRegistry(active="v1")
    registry.down = True
    app, _ = build_app(registry=registry, runners={"mnist": FakeRunner("default")})

    async def scenario() -> httpx.Response:
        async with client_for(app) as client:
            return await _predict(client)

    assert asyncio.run(scenario()).json()["model_version"] == "default"


def test_tampered_active_version_at_start_falls_back_to_default(build_app: AppBuilder) -> None:
    registry = FakeRegistry(active="v1")
    registry.tampered.add("v1")
    runners = {"mnist": FakeRunner("default"), "v1": FakeRunner("v1")}
    app, _ = build_app(registry=registry, runners=runners)

    async def scenario() -> tuple[httpx.Response, str]:
        async with client_for(app) as client:
            return await _predict(client), (await client.get("/metrics")).text

    answer, metrics = asyncio.run(scenario())
    assert answer.json()["model_version"] == "default"
    assert 'spikeglyph_inference_model_refusals_total{reason="checksum_mismatch"} 1.0' in metrics


def test_no_model_at_all_is_alive_but_not_ready(build_app: AppBuilder) -> None:
    app, _ = build_app(runners={})

    async def scenario() -> list[httpx.Response]:
        async with client_for(app) as client:
            return [
                await client.get("/healthz"),
                await client.get("/readyz"),
                await _predict(client),
            ]

    health, ready, predict = asyncio.run(scenario())
    assert health.status_code == 200
    assert ready.status_code == 503 and ready.headers["retry-after"]
    assert ready.json()["error"]["code"] == "not_ready"
    assert predict.status_code == 503 and predict.json()["error"]["code"] == "not_ready"


def test_activation_swaps_and_in_flight_batch_finishes_on_the_old_model(
    build_app: AppBuilder,
) -> None:
    gate = threading.Event()
    registry = FakeRegistry(active="v1")
    runners = {"v1": FakeRunner("v1", gate=gate), "v2": FakeRunner("v2")}
    app, _ = build_app(registry=registry, runners=runners)

    async def scenario() -> tuple[httpx.Response, str, httpx.Response, str]:
        async with client_for(app) as client:
            in_flight = asyncio.create_task(_predict(client))
            while not runners["v1"].started.is_set():
                await asyncio.sleep(0.01)
            registry.active = "v2"
            registry.emit("activated", "v2")
            swapped_to = await _served_version(client, "v2")
            gate.set()
            old = await in_flight
            new = await _predict(client)
            return old, swapped_to, new, (await client.get("/metrics")).text

    old, swapped_to, new, metrics = asyncio.run(scenario())
    assert swapped_to == "v2"
    assert old.status_code == 200 and old.json()["model_version"] == "v1"
    assert new.json()["model_version"] == "v2"
    assert runners["v2"].warmups, "the new model is warmed before it takes traffic"
    assert "spikeglyph_inference_model_swaps_total 1.0" in metrics
    assert (
        'spikeglyph_inference_model_info{dataset="mnist",device="cpu",version="v2"} 1.0' in metrics
    )
    assert 'version="v1"' not in metrics


def test_published_but_not_active_version_is_not_served(build_app: AppBuilder) -> None:
    registry = FakeRegistry(active="v1")
    app, _ = build_app(registry=registry, runners={"v1": FakeRunner("v1"), "v2": FakeRunner("v2")})

    async def scenario() -> tuple[str, str]:
        async with client_for(app) as client:
            registry.emit("published", "v2")
            await _delivered(registry, 1)
            before = (await _predict(client)).json()["model_version"]
            registry.active = "v2"  # published with activate=True: the pointer moved
            registry.emit("published", "v2")
            return before, await _served_version(client, "v2")

    before, after = asyncio.run(scenario())
    assert (before, after) == ("v1", "v2")


def test_tampered_version_is_refused_and_the_old_keeps_serving(build_app: AppBuilder) -> None:
    registry = FakeRegistry(active="v1")
    registry.tampered.add("v2")
    app, _ = build_app(registry=registry, runners={"v1": FakeRunner("v1"), "v2": FakeRunner("v2")})

    async def scenario() -> tuple[httpx.Response, str]:
        async with client_for(app) as client:
            registry.active = "v2"
            registry.emit("activated", "v2")
            await _delivered(registry, 1)
            return await _predict(client), (await client.get("/metrics")).text

    answer, metrics = asyncio.run(scenario())
    assert answer.status_code == 200 and answer.json()["model_version"] == "v1"
    assert 'spikeglyph_inference_model_refusals_total{reason="checksum_mismatch"} 1.0' in metrics
