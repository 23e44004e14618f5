"""A model version's weights as figures: JSON for the page to draw, and PNG exports.

Open like the other read routes (``GET /api/v1/models``): weights say nothing a prediction
does not, and reading them changes nothing. An inference replica draws them (at most 400 tiles
a figure, once per version); the gateway relays its answers and keeps them
(:mod:`spikeglyph_gateway.weight_cache`), so a version's figures are drawn about once and then
served from the gateway's memory.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from spikeglyph.weight_schemas import WeightFigures
from spikeglyph_gateway.deps import ResourcesDep
from spikeglyph_gateway.relay import relayed
from spikeglyph_gateway.responses import error_responses

router = APIRouter(prefix="/models", tags=["models"])

# Immutable versions: a browser may keep the figures; a deleted version answers 404 anyway.
CACHE_CONTROL = {"Cache-Control": "public, max-age=86400"}

WEIGHTS_EXAMPLE = {
    "version": "mnist-conv-20261129-093900-c29a",
    "parent": None,
    "kind": "conv",
    "diff": False,
    "figures": [
        {
            "name": "conv1",
            "title": "First convolution: 16 kernels, 3×3",
            "description": "16 small heatmaps, one per first-layer channel: …",
            "count": 16,
            "height": 3,
            "width": 3,
            "columns": 4,
            "limit": 0.83,
            "signed": True,
            "values": "f0Hl…",
            "labels": None,
            "marks": None,
            "png": "/api/v1/models/mnist-conv-20261129-093900-c29a/weights/conv1.png",
        }
    ],
    "notes": ["The spike-triggered averages of the hidden neurons need the network run …"],
}

VersionPath = Annotated[
    str,
    Path(
        description="A version id from GET /api/v1/models.",
        examples=["mnist-conv-20261129-093900-c29a"],
        max_length=200,
    ),
]
DiffQuery = Annotated[
    bool,
    Query(description="Show what changed against the parent version (404 if it has none)."),
]


@router.get(
    "/{version}/weights",
    summary="A version's weight figures (JSON tiles to draw)",
    response_model=WeightFigures,
    responses={
        200: {
            "description": (
                "Conv models: first-layer kernels and second-layer kernels per output channel; "
                "fc models: hidden input weights as 28×28 tiles; STDP models: every excitatory "
                "neuron's input weights, labelled with its class. Tiles are int8 steps of "
                "`limit`, base64. With `diff=true`: new minus old, grown and pruned units marked."
            ),
            "content": {"application/json": {"example": WEIGHTS_EXAMPLE}},
        },
        **error_responses(400, 404, 422, 503),
    },
)
async def weight_figures(
    request: Request, resources: ResourcesDep, version: VersionPath, diff: DiffQuery = False
) -> Response:
    """The answer is serialised once per version and sent as stored (hence a raw response)."""
    answer = await resources.weights.figures(version, diff, request.state.request_id)
    if answer.status_code != 200:
        return relayed(answer)
    return Response(answer.content, media_type="application/json", headers=CACHE_CONTROL)


@router.get(
    "/{version}/weights/{figure}.png",
    summary="One weight figure as a PNG",
    response_class=Response,
    responses={
        200: {
            "description": "The figure, as the page draws it.",
            "content": {
                "image/png": {
                    "schema": {"type": "string", "format": "binary"},
                    "examples": {
                        "conv1": {
                            "summary": "The shipped MNIST model's first-layer kernels",
                            # where `make run` serves it (an absolute URI, as OpenAPI asks)
                            "externalValue": "http://127.0.0.1:8000/api/v1/models/"
                            "mnist-conv-20261129-093900-c29a/weights/conv1.png",
                        }
                    },
                }
            },
        },
        **error_responses(400, 404, 422, 503),
    },
)
async def weight_png(
    request: Request,
    resources: ResourcesDep,
    version: VersionPath,
    figure: Annotated[
        str,
        Path(description="A figure's `name` from the JSON answer.", pattern=r"^[a-z0-9]{1,16}$"),
    ],
    diff: DiffQuery = False,
) -> Response:
    answer = await resources.weights.png(version, figure, diff, request.state.request_id)
    if answer.status_code != 200:
        return relayed(answer)
    return Response(answer.content, media_type="image/png", headers=CACHE_CONTROL)
