"""``POST /api/v1/predict/whatif``: turn the knobs on one drawing, relayed to a replica.

A route of its own, so the default predict path pays nothing for it: the replica answers from
the served version's what-if graph (:mod:`spikeglyph.whatif_runtime`), loaded on the first
what-if request. The body is validated here too, so a knob out of range is refused (422, the
message naming the knob and its range) without a trip to a replica.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from spikeglyph.whatif import WhatIfAnswer, WhatIfRequest
from spikeglyph_gateway.deps import ResourcesDep, rate_limit
from spikeglyph_gateway.responses import error_responses
from spikeglyph_gateway.routes.examples import PREDICTION_EXAMPLE
from spikeglyph_gateway.routes.predict import relay

router = APIRouter(tags=["predict"])

_IMAGE = "data:image/png;base64,iVBORw0KGgo..."
EXAMPLES: dict[str, Any] = {
    "threshold": {
        "summary": "Halve every threshold",
        "value": {"image": _IMAGE, "threshold_scale": 0.5},
    },
    "rate": {
        "summary": "Rate-coded input over 16 steps",
        "value": {"image": _IMAGE, "encoder": "rate", "seed": 7, "timesteps": 16},
    },
    "perturbed": {
        "summary": "Noise, and the top half occluded",
        "value": {
            "image": _IMAGE,
            "noise": 0.3,
            "seed": 1,
            "occlusion": {"x": 0, "y": 0, "width": 28, "height": 14},
        },
    },
}
_ANSWER_DOC: dict[str, Any] = {
    "description": "The drawing answered with the model's own settings (`baseline`) and "
    "with the knobs turned (`whatif`), each a full prediction, and the knobs as applied.",
    "content": {
        "application/json": {
            "example": {
                "baseline": PREDICTION_EXAMPLE,
                "whatif": PREDICTION_EXAMPLE,
                "baseline_knobs": {
                    "threshold_scale": 1.0,
                    "timesteps": 4,
                    "encoder": "direct",
                    "seed": 0,
                    "noise": 0.0,
                },
                "knobs": {
                    "threshold_scale": 1.0,
                    "timesteps": 4,
                    "encoder": "direct",
                    "seed": 0,
                    "noise": 0.0,
                },
            }
        }
    },
}


@router.post(
    "/predict/whatif",
    response_model=WhatIfAnswer,
    summary="Recognise one image with the knobs turned",
    responses={200: _ANSWER_DOC, **error_responses(400, 409, 413, 415, 422, 429, 503)},
    dependencies=[Depends(rate_limit("predict"))],
)
async def predict_whatif(
    request: Request,
    resources: ResourcesDep,
    body: Annotated[WhatIfRequest, Body(openapi_examples=EXAMPLES)],
) -> Any:
    """The firing-threshold scale (0.25–4), the time steps (1–16), the input encoder
    (`direct`, `rate` with its `seed`, `latency`), Gaussian `noise` (0–1, on the 28×28 input)
    and an `occlusion` rectangle in its pixels; a knob left out keeps the model's own setting.
    The served version answers; one without a what-if graph is 409 `whatif_unavailable`."""
    del body  # validated here; the replica reads the same bytes
    return await relay(request, resources, "/v1/predict/whatif", False)
