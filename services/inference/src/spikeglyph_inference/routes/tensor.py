"""``POST /v1/predict/tensor``: a batch in, the network's raw answers out, as arrays.

The gateway's Open Inference Protocol routes translate to and from this route, so the
protocol's tensors never pass through the per-image ``Prediction`` JSON. The body is either

* ``application/x-spikeglyph-f32``: preprocessed images, raw float32 (:mod:`spikeglyph.tensors`),
  which skip decoding but not validation;
* ``multipart/form-data`` with ``files`` fields: encoded images, decoded and preprocessed as
  ``/v1/predict`` does, under the same size and pixel limits.

``?version=V`` answers with version ``V``: the served one through the micro-batcher, another
published one loaded on demand (:mod:`spikeglyph_inference.versions`); 404 if the registry
does not know it, so a client that asks for a version never gets another one's numbers.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from spikeglyph.errors import ModelNotFound, UnsupportedImage
from spikeglyph.modeldir import Manifest
from spikeglyph.runtime import BatchOutputs, answered_probabilities, softmax
from spikeglyph.schemas import ErrorBody
from spikeglyph.tensors import WIRE_TYPE, decode_images
from spikeglyph_inference.deps import ServiceDep
from spikeglyph_inference.request_images import batch_images, media_type, read_body

router = APIRouter(prefix="/v1", tags=["predict"])


class TensorAnswer(BaseModel):
    model_version: str
    layers: list[str] = Field(description="Names of the spiking layers, in `layer_spikes` order.")
    probabilities: list[list[float]] = Field(description="[N][classes] softmax of the logits.")
    output_spikes: list[list[int]] = Field(description="[N][classes] spikes per output neuron.")
    layer_spikes: list[list[int]] = Field(description="[N][layers] spikes per spiking layer.")


@router.post(
    "/predict/tensor",
    response_model=TensorAnswer,
    responses={code: {"model": ErrorBody} for code in (400, 404, 413, 415, 503, 504)},
    summary="Predict a batch, answered as arrays (internal: the gateway's tensor protocol)",
)
async def predict_tensor(
    request: Request,
    service: ServiceDep,
    version: Annotated[str | None, Query(max_length=200)] = None,
) -> TensorAnswer:
    kind, settings = media_type(request), service.settings
    images: list[bytes | np.ndarray]
    if kind == WIRE_TYPE:
        limit = settings.max_batch_files
        body = await read_body(request, limit * 28 * 28 * 4)
        images = list(decode_images(body, max_images=limit))
    elif kind == "multipart/form-data":
        images = list(
            await batch_images(
                request, max_bytes=settings.max_upload_bytes, max_files=settings.max_batch_files
            )
        )
    else:
        raise UnsupportedImage(f"send {WIRE_TYPE} or multipart 'files', not {kind!r}")
    if version is not None and version != service.holder.version:
        runner = await service.versions.get(version)
        outputs = await service.predictor.run_direct(runner, images)
        return _answer(runner.manifest, [(outputs, i) for i in range(len(outputs))])
    slots = await service.predictor.infer_slots(images)
    if version is not None and any(slot.runner.version != version for slot in slots):
        # swapped away while queued: the served version answered, not the one asked for
        raise ModelNotFound(f"model version {version!r} stopped being served; retry")
    return _answer(slots[0].runner.manifest, [(slot.outputs, slot.index) for slot in slots])


def _answer(manifest: Manifest, rows: list[tuple[BatchOutputs, int]]) -> TensorAnswer:
    return TensorAnswer(
        model_version=manifest.version,
        layers=[str(layer["name"]) for layer in manifest.energy.get("spiking_layers", [])],
        probabilities=[
            answered_probabilities(softmax(out.logits[i].astype(np.float64))) for out, i in rows
        ],
        output_spikes=[[round(float(c)) for c in out.spike_counts[i]] for out, i in rows],
        layer_spikes=[[round(float(c)) for c in out.layer_spikes[i]] for out, i in rows],
    )
