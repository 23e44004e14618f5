"""What-if end to end: the Python client → the gateway → a real inference replica serving the
shipped MNIST model from its what-if graph, torch-free, while predictions are unchanged."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spikeglyph.client import AsyncSpikeGlyphClient, SpikeGlyphAPIError, SpikeGlyphClient
from tests.integration.gateway.stack import Gateway, Replica, start_gateway
from tests.integration.gateway.test_predict import PNG
from tests.support.procs import RedisServer, ServiceProcess, free_port, wait_http_ok

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
INFERENCE = Path(sys.executable).parent / "spikeglyph-inference"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, gateway_redis: RedisServer) -> Iterator[Gateway]:
    directory = tmp_path_factory.mktemp("whatif")
    port = free_port()
    process = ServiceProcess(
        [str(INFERENCE), "--host", "127.0.0.1", "--port", str(port)],
        {
            "SPIKEGLYPH_REDIS_URL": "redis://127.0.0.1:1/0",  # no registry: the shipped model
            "SPIKEGLYPH_MODELS_DIR": str(REPO / "models"),
            "SPIKEGLYPH_DEVICE": "cpu",
            "SPIKEGLYPH_INTRA_OP_THREADS": "1",
        },
        directory / "inference.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(f"{url}/readyz", timeout=90)
        gateway = start_gateway(directory, gateway_redis.url, [Replica(process, url)])
    except Exception:
        process.stop()
        raise
    try:
        yield gateway
    finally:
        gateway.stop()


def test_the_client_turns_the_knobs_through_the_gateway(live: Gateway) -> None:
    with SpikeGlyphClient(live.url) as sg:
        served = sg.predict(PNG)
        answer = sg.predict_whatif(PNG, threshold_scale=2.0)
        assert answer.baseline.digit == served.digit == 7
        assert answer.baseline.probabilities == served.probabilities
        assert answer.baseline.spikes == served.spikes
        base = sum(layer.spikes for layer in answer.baseline.spikes.layers)  # type: ignore[union-attr]
        turned = sum(layer.spikes for layer in answer.whatif.spikes.layers)  # type: ignore[union-attr]
        assert turned < base
        assert answer.whatif.spikes.threshold == 2.0  # type: ignore[union-attr]
        with pytest.raises(SpikeGlyphAPIError) as caught:
            sg.predict_whatif(PNG, timesteps=40)
    assert caught.value.status == 422
    assert "timesteps must be between 1 and 16" in caught.value.message


def test_the_async_client_and_the_documented_route(live: Gateway) -> None:
    async def run() -> int:
        async with AsyncSpikeGlyphClient(live.url) as sg:
            answer = await sg.predict_whatif(PNG, encoder="latency", timesteps=8)
            return len(answer.whatif.spikes.output_raster)  # type: ignore[union-attr]

    assert asyncio.run(run()) == 8
    document = httpx.get(f"{live.url}/openapi.json", timeout=10).json()
    route = document["paths"]["/api/v1/predict/whatif"]["post"]
    examples = route["requestBody"]["content"]["application/json"]["examples"]
    assert {"threshold", "rate", "perturbed"} <= set(examples)
