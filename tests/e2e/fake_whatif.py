"""The fake gateway's what-if route and reference activity, with the real schemas and ranges.

The fake recogniser has no graph to turn knobs on, so it imitates what they do: the knobs'
perturbations (:func:`spikeglyph.whatif_image.perturb`) change the image it classifies, the time
steps and encoder change the telemetry's shape, and a higher threshold scale leaves fewer
spikes in every layer (their counts divided by the scale), as it does in the real network.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image
from pydantic import ValidationError

from spikeglyph.activity import layer_distribution
from spikeglyph.energy import estimate
from spikeglyph.errors import InvalidRequest
from spikeglyph.server.errors import validation_message
from spikeglyph.whatif import ResolvedKnobs, WhatIfKnobs, WhatIfRequest, resolve
from spikeglyph.whatif_image import perturb
from tests.e2e.fake_inference import ANN_MACS, FIRST_LAYER_MACS, LAYERS, FakeModel, predict


def fake_activity(timesteps: int) -> dict[str, Any]:
    """A reference activity for the fake models' layers (what ``variants.activity`` holds)."""
    rng = np.random.default_rng(0)
    layers = [
        {"name": name, "neurons": neurons, **layer_distribution(rng.normal(0.1, 0.02, 256))}
        for name, neurons, _ in LAYERS
    ]
    usual = np.exp(-np.arange(timesteps + 1) / 2.0)
    fractions = [round(float(f), 6) for f in usual / usual.sum()]
    neurons = [
        {"layer": "conv2", "fractions": fractions},
        {"layer": "output", "fractions": fractions},
    ]
    return {
        "reference": "validation split, first 256 images",
        "n": 256,
        "timesteps": timesteps,
        "layers": layers,
        "neurons": neurons,
    }


def _png(grid: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((np.clip(grid, 0.0, 1.0) * 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _answer(model: FakeModel, data: bytes, knobs: ResolvedKnobs) -> dict[str, Any]:
    seen = predict(model, data)
    turned = replace(model, timesteps=knobs.timesteps, encoder=knobs.encoder)
    answer = predict(turned, _png(perturb(np.asarray(seen["input"], np.float32), knobs)))
    sops = 0.0
    for layer, (_, neurons, fan_out) in zip(answer["spikes"]["layers"], LAYERS, strict=True):
        layer["spikes"] = round(layer["spikes"] / knobs.threshold_scale)
        layer["rate"] = layer["spikes"] / (neurons * knobs.timesteps)
        sops += layer["spikes"] * fan_out
    macs = FIRST_LAYER_MACS if knobs.encoder == "direct" else 0
    answer["energy"] = estimate(sops, macs, ANN_MACS).model_dump()
    answer["spikes"]["threshold"] = knobs.threshold_scale
    return answer


def add_whatif_route(app: FastAPI, active_model: Callable[[], FakeModel]) -> None:
    @app.post("/api/v1/predict/whatif")
    async def whatif(request: Request) -> JSONResponse:
        try:
            body = WhatIfRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise InvalidRequest(validation_message(exc.errors(include_input=False))) from None
        model = active_model()
        data = base64.b64decode(body.image.split(",", 1)[-1])
        own = {"kind": model.encoder, "seed": 0}
        base, knobs = (
            resolve(WhatIfKnobs(), own, model.timesteps),
            resolve(body, own, model.timesteps),
        )
        return JSONResponse(
            {
                "baseline": _answer(model, data, base),
                "whatif": _answer(model, data, knobs),
                "baseline_knobs": base.model_dump(),
                "knobs": knobs.model_dump(),
            }
        )
