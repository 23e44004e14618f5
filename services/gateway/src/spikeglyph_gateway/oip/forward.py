"""One infer request through an inference replica's tensor route, and back to protocol tensors."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request

from spikeglyph.errors import InvalidTensor
from spikeglyph.tensor_wire import WIRE_TYPE
from spikeglyph_gateway.oip.codec import (
    HEADER_LENGTH,
    InferRequest,
    OutputTensor,
    encode_response,
    parse_request,
)
from spikeglyph_gateway.oip.metadata import MODEL_NAME, OUTPUT_NAMES
from spikeglyph_gateway.resources import Resources
from spikeglyph_gateway.routes.predict import read_body
from spikeglyph_gateway.upstream import Upstream

TENSOR_PATH = "/v1/predict/tensor"


class UpstreamRefused(Exception):
    """The replica answered with an error; carries its status, message and headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


async def infer(
    request: Request, resources: Resources, version: str | None
) -> tuple[bytes, int | None]:
    """The response body of one infer request (and its JSON header length, if binary)."""
    settings = resources.settings
    parsed = parse_request(
        await read_body(request),
        request.headers.get(HEADER_LENGTH),
        max_images=settings.oip_max_images,
        max_image_bytes=settings.max_upload_bytes,
    )
    selected = _selected(parsed)
    if parsed.pixels is not None:
        content, content_type = parsed.pixels, WIRE_TYPE
    else:
        content, content_type = _multipart(parsed.images or [])
    upstream = await resources.replicas.send(
        "POST",
        TENSOR_PATH,
        content=content,
        headers={"content-type": content_type, "x-request-id": request.state.request_id},
        params={"version": version} if version else {},
    )
    if upstream.status_code != 200:
        raise _refused(upstream)
    answer = upstream.json()
    rows = {
        "probabilities": answer["probabilities"],
        "output_spikes": answer["output_spikes"],
        "layer_spikes": answer["layer_spikes"] or [[] for _ in range(parsed.count)],
    }
    datatypes = {"probabilities": "FP32", "output_spikes": "INT32", "layer_spikes": "INT32"}
    parameters = {"layer_spikes": {"layers": ",".join(answer["layers"])}}
    head: dict[str, Any] = {"model_name": MODEL_NAME, "model_version": answer["model_version"]}
    if parsed.id is not None:
        head["id"] = parsed.id
    chosen = [
        OutputTensor.of_rows(name, datatypes[name], rows[name], parameters.get(name, {}))
        for name, _ in selected
    ]
    return encode_response(head, chosen, [binary for _, binary in selected])


def _selected(parsed: InferRequest) -> list[tuple[str, bool]]:
    """The outputs to answer, each with whether it goes binary."""
    if parsed.outputs is None:
        return [(name, parsed.binary_default) for name in OUTPUT_NAMES]
    unknown = [name for name, _ in parsed.outputs if name not in OUTPUT_NAMES]
    if unknown:
        raise InvalidTensor(f"unknown output {unknown[0]!r}; the outputs are {OUTPUT_NAMES}")
    return parsed.outputs


def _multipart(images: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for index, data in enumerate(images):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="image{index}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _refused(upstream: Upstream) -> UpstreamRefused:
    try:
        message = str(upstream.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = f"the inference replica answered {upstream.status_code}"
    headers = (
        {"Retry-After": upstream.headers["retry-after"]}
        if "retry-after" in upstream.headers
        else {}
    )
    return UpstreamRefused(upstream.status_code, message, headers)
