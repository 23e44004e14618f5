"""``predict_whatif`` in both clients: the knobs go as JSON with the image in base64, the
answer comes back typed, and a refused knob raises with the server's message."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import numpy as np
import pytest

from spikeglyph.client import AsyncSpikeGlyphClient, SpikeGlyphAPIError, SpikeGlyphClient
from spikeglyph.whatif import Occlusion

from .test_client import PREDICTION

KNOBS = {"threshold_scale": 1.0, "timesteps": 4, "encoder": "direct", "seed": 0, "noise": 0.0}
ANSWER = {
    "baseline": PREDICTION,
    "whatif": PREDICTION | {"digit": 8},
    "baseline_knobs": KNOBS,
    "knobs": KNOBS | {"threshold_scale": 2.0},
}


def _handler(sent: list[dict[str, Any]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/predict/whatif"
        body = json.loads(request.content)
        sent.append(body)
        if body["threshold_scale"] > 4:
            error = {"code": "validation_error", "message": "threshold_scale must be between"}
            return httpx.Response(422, json={"error": error})
        return httpx.Response(200, json=ANSWER)

    return httpx.MockTransport(handle)


def test_the_knobs_and_the_image_are_sent_as_json() -> None:
    sent: list[dict[str, Any]] = []
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 16
    box = Occlusion(x=1, y=2, width=3, height=4)
    with SpikeGlyphClient("http://gw", transport=_handler(sent)) as sg:
        answer = sg.predict_whatif(png, threshold_scale=2.0, encoder="rate", seed=5, occlusion=box)
        assert answer.whatif.digit == 8 and answer.knobs.threshold_scale == 2.0
        sg.predict_whatif(np.zeros((28, 28), np.float32))
        with pytest.raises(SpikeGlyphAPIError) as caught:
            sg.predict_whatif(png, threshold_scale=9.0)
    assert caught.value.status == 422 and "threshold_scale" in caught.value.message
    first = sent[0]
    assert base64.b64decode(first.pop("image")) == png
    assert first == {
        "threshold_scale": 2.0,
        "noise": 0.0,
        "encoder": "rate",
        "seed": 5,
        "occlusion": {"x": 1, "y": 2, "width": 3, "height": 4},
    }
    assert set(sent[1]) == {"image", "threshold_scale", "noise"}  # the rest: the model's own


def test_the_async_client_has_it_too() -> None:
    sent: list[dict[str, Any]] = []

    async def run() -> int:
        async with AsyncSpikeGlyphClient("http://gw", transport=_handler(sent)) as sg:
            answer = await sg.predict_whatif(b"\x89PNG\r\n\x1a\n", timesteps=8)
            return answer.whatif.digit

    assert asyncio.run(run()) == 8
    assert sent[0]["timesteps"] == 8
