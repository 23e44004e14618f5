"""``POST /v1/predict/whatif``: one image answered with the model's own settings and with
the knobs turned (threshold scale, time steps, encoder, noise, occlusion)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from spikeglyph.schemas import ErrorBody
from spikeglyph.whatif import WhatIfAnswer, WhatIfRequest
from spikeglyph_inference.deps import HolderDep, SettingsDep
from spikeglyph_inference.request_images import image_from_text
from spikeglyph_inference.whatif import WhatIfRunners

router = APIRouter(prefix="/v1", tags=["predict"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Not a readable image (`invalid_image`)."},
    409: {
        "model": ErrorBody,
        "description": "The served version has no what-if graph (`whatif_unavailable`).",
    },
    413: {"model": ErrorBody, "description": "Image over the byte or pixel limit."},
    415: {"model": ErrorBody, "description": "Not an image (`unsupported_media_type`)."},
    422: {
        "model": ErrorBody,
        "description": "A knob out of its range: the message names it and the range.",
    },
    503: {"model": ErrorBody, "description": "No model yet, or too many what-if runs at once."},
}


@router.post(
    "/predict/whatif",
    response_model=WhatIfAnswer,
    response_model_exclude_none=True,
    responses=_ERRORS,
    summary="Recognise one image with the knobs turned",
)
async def predict_whatif(
    body: WhatIfRequest, request: Request, holder: HolderDep, settings: SettingsDep
) -> Response:
    """The same image answered twice by the served version's what-if graph."""
    runners: WhatIfRunners = request.app.state.whatif
    data = image_from_text(body.image, settings.max_upload_bytes)
    served = holder.current
    answer = await runners.answer(served, data, body)
    return Response(
        answer.model_dump_json(exclude_none=True),
        media_type="application/json",
        headers={"X-Model-Version": answer.whatif.model_version},
    )
