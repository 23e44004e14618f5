"""Examples and request bodies for the OpenAPI document.

The predict routes read their body themselves (to relay it untouched), so FastAPI cannot infer
it; the fragments of :mod:`spikeglyph.server.request_bodies` describe the accepted forms.

The response examples are real: ``api_examples.json`` holds what the shipped MNIST model
answers for the hand-drawn 7 of the request example (``example_seven.png``) and that model's
manifest, written by ``bench/make_api_examples.py`` and checked against the shipped model by
the tests. Only the latency figures are illustrative. The gateway runs no model to get them.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from spikeglyph.server.request_bodies import image_body, images_body

_HERE = Path(__file__).resolve().parent
_GENERATED: dict[str, Any] = json.loads((_HERE / "api_examples.json").read_text("utf-8"))

PREDICTION_EXAMPLE: dict[str, Any] = _GENERATED["prediction"]
BATCH_EXAMPLE: dict[str, Any] = {"results": [PREDICTION_EXAMPLE]}
MODEL_EXAMPLE: dict[str, Any] = _GENERATED["model_entry"]

_EXAMPLE_DESCRIPTION = (
    f"What the shipped model ({PREDICTION_EXAMPLE['model_version']}) answers for the "
    "hand-drawn 7 of the request example, with `?compact=true`: prediction, probabilities, "
    "confidence and energy are that model's; the latency figures are illustrative."
)
PREDICTION_RESPONSE_DOC: dict[str, Any] = {
    "content": {
        "application/json": {
            "examples": {
                "drawn_seven": {
                    "summary": "A hand-drawn 7",
                    "description": _EXAMPLE_DESCRIPTION,
                    "value": PREDICTION_EXAMPLE,
                }
            }
        }
    }
}
BATCH_RESPONSE_DOC: dict[str, Any] = {
    "content": {
        "application/json": {
            "examples": {
                "drawn_seven": {
                    "summary": "One hand-drawn 7",
                    "description": _EXAMPLE_DESCRIPTION,
                    "value": BATCH_EXAMPLE,
                }
            }
        }
    }
}

# A real 28×28 PNG of a hand-drawn 7, so "Try it out" in /docs gets an answer.
_PNG_BASE64 = base64.b64encode((_HERE / "example_seven.png").read_bytes()).decode("ascii")

PREDICT_BODY_DOC = image_body({"$ref": "#/components/schemas/ImagePayload"}, _PNG_BASE64)
BATCH_BODY_DOC = images_body()

JOB_EXAMPLE: dict[str, Any] = {
    "job_id": "5d0f7c1e9b8a4f3e8c2d1b0a9f8e7d6c",
    "kind": "train",
    "state": "running",
    "progress": {"phase": "training", "epoch": 1, "epochs": 3, "step": 120, "steps": 469},
    "result": None,
    "error": None,
    "params": {"dataset": "mnist", "epochs": 3, "timesteps": 4},
    "created_at": "2026-11-28T10:15:00Z",
    "updated_at": "2026-11-28T10:16:12Z",
}
