"""Infer requests and responses of the Open Inference Protocol, in JSON and binary form.

The protocol carries tensors either in JSON (``data``: a flat or nested list; BYTES elements
are strings, here base64 of the encoded image) or, with the binary tensor data extension that
tritonclient uses by default, as raw bytes after the JSON header: the header's length is in
``Inference-Header-Content-Length`` and each tensor with ``parameters.binary_data_size`` takes
that many bytes, in the order of the tensors. A binary BYTES tensor is a run of elements, each a
4-byte little-endian length followed by that many bytes.

Everything wrong with a request is an :class:`~spikeglyph.errors.InvalidTensor` (400) whose
message says what.

Plain Python throughout (``array``, ``struct``): the gateway installs no NumPy. An FP32 input is
checked and packed into the replicas' wire form (:mod:`spikeglyph.tensor_wire`), and the
replica's answer is packed back into protocol tensors. A valid FP32 batch is cleared in one pass
of ``max()`` over its bits (:func:`spikeglyph.tensor_wire.check_values`); NumPy is faster on a
large batch, but would be most of the gateway's image.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from spikeglyph.errors import InvalidTensor, PayloadTooLarge
from spikeglyph.tensor_wire import (
    NOT_FINITE,
    float32_values,
    image_count,
    little_endian,
    wire_images,
)

INPUT_NAME = "image"
HEADER_LENGTH = "inference-header-content-length"


class _Tensor(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    shape: list[int] = []
    datatype: str = ""
    parameters: dict[str, Any] = {}
    data: Any = None


class _Requested(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    parameters: dict[str, Any] = {}


class _Request(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    parameters: dict[str, Any] = {}
    inputs: list[_Tensor]
    outputs: list[_Requested] | None = None


@dataclass(frozen=True)
class InferRequest:
    """A checked request: preprocessed ``pixels`` (the wire form of ``count`` 28×28 images)
    or encoded ``images``."""

    id: str | None
    pixels: bytes | None
    images: list[bytes] | None
    outputs: list[tuple[str, bool]] | None  # (name, binary) asked for; None: all
    binary_default: bool
    count: int


def parse_request(
    body: bytes, header_length: str | None, *, max_images: int, max_image_bytes: int
) -> InferRequest:
    """Check an infer request down to its pixels or encoded images."""
    json_part, binary = _split(body, header_length)
    try:
        request = _Request.model_validate_json(json_part)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidTensor(f"malformed infer request: {where}: {first['msg']}") from None
    if len(request.inputs) != 1 or request.inputs[0].name != INPUT_NAME:
        names = [tensor.name for tensor in request.inputs]
        raise InvalidTensor(f"expected exactly one input named {INPUT_NAME!r}, got {names}")
    tensor = request.inputs[0]
    raw = _binary_of(tensor, binary)
    pixels = images = None
    if tensor.datatype == "FP32":
        values = _fp32(tensor, raw)
        count = image_count(tensor.shape, max_images=max_images)
        pixels = wire_images(values, tensor.shape, max_images=max_images)
    elif tensor.datatype == "BYTES":
        images = _encoded(tensor, raw, max_images=max_images, max_bytes=max_image_bytes)
        count = len(images)
    else:
        raise InvalidTensor(f"input {INPUT_NAME!r} must be FP32 or BYTES, not {tensor.datatype!r}")
    outputs = None
    if request.outputs is not None:
        outputs = [(o.name, bool(o.parameters.get("binary_data", False))) for o in request.outputs]
    binary_default = bool(request.parameters.get("binary_data_output", False))
    return InferRequest(request.id, pixels, images, outputs, binary_default, count)


def _split(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    try:
        length = int(header_length)
    except ValueError:
        raise InvalidTensor("Inference-Header-Content-Length must be an integer") from None
    if not 0 < length <= len(body):
        raise InvalidTensor(f"Inference-Header-Content-Length {length} is not within the body")
    return body[:length], body[length:]


def _binary_of(tensor: _Tensor, binary: bytes) -> bytes | None:
    size = tensor.parameters.get("binary_data_size")
    if size is None:
        return None
    if not isinstance(size, int) or size != len(binary):
        raise InvalidTensor(f"binary_data_size {size} does not match the {len(binary)} bytes sent")
    return binary


def _count(shape: list[int]) -> int:
    if not shape or any(dim < 0 for dim in shape):
        raise InvalidTensor(f"shape {shape} must list non-negative dimensions")
    return math.prod(shape)


def _fp32(tensor: _Tensor, raw: bytes | None) -> array[float]:
    """The values of an FP32 tensor, as float32, in row-major order."""
    count = _count(tensor.shape)
    if raw is not None:
        if len(raw) != count * 4:
            raise InvalidTensor(
                f"shape {tensor.shape} needs {count * 4} bytes of FP32, got {len(raw)}"
            )
        values = float32_values(raw)
    else:
        values = _json_numbers(tensor.data)
        if len(values) != count:
            raise InvalidTensor(f"shape {tensor.shape} needs {count} values, got {len(values)}")
    if len(tensor.shape) != 4:
        raise InvalidTensor(f"FP32 {INPUT_NAME!r} has shape [N,1,28,28], got {tensor.shape}")
    return values


def _json_numbers(data: Any) -> array[float]:
    """A flat or nested JSON list of numbers as float32 values (a list must be rectangular)."""
    message = "FP32 data must be a flat or nested list of numbers"
    rows = data if isinstance(data, list) else [data]
    while rows and isinstance(rows[0], list):
        width = len(rows[0])
        if any(not isinstance(row, list) or len(row) != width for row in rows):
            raise InvalidTensor(message)
        rows = [item for row in rows for item in row]
    try:
        return array("f", rows)
    except TypeError:  # a string, null, or a list deeper than the first row's
        raise InvalidTensor(message) from None
    except OverflowError:  # beyond float32: infinite, as NumPy would have made it
        raise InvalidTensor(NOT_FINITE) from None


def _encoded(tensor: _Tensor, raw: bytes | None, *, max_images: int, max_bytes: int) -> list[bytes]:
    count = _count(tensor.shape)
    if count != tensor.shape[0]:
        raise InvalidTensor(f"BYTES {INPUT_NAME!r} has shape [N] (or [N,1]), got {tensor.shape}")
    if count > max_images:
        raise PayloadTooLarge(f"at most {max_images} images per request, got {count}")
    items = _split_bytes(raw, count) if raw is not None else _base64_items(tensor.data, count)
    for index, item in enumerate(items):
        if not item:
            raise InvalidTensor(f"image[{index}] is empty")
        if len(item) > max_bytes:
            raise PayloadTooLarge(f"image[{index}] is larger than {max_bytes} bytes")
    return items


def _split_bytes(raw: bytes, count: int) -> list[bytes]:
    items, offset = [], 0
    for index in range(count):
        if offset + 4 > len(raw):
            raise InvalidTensor(f"binary BYTES data ends before element {index}")
        (length,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + length > len(raw):
            raise InvalidTensor(f"binary BYTES element {index} runs past the data")
        items.append(raw[offset : offset + length])
        offset += length
    if offset != len(raw):
        raise InvalidTensor(f"binary BYTES data holds more than {count} elements")
    return items


def _base64_items(data: Any, count: int) -> list[bytes]:
    flat = data
    while isinstance(flat, list) and flat and isinstance(flat[0], list):
        flat = [item for row in flat for item in row]
    if not isinstance(flat, list) or len(flat) != count:
        raise InvalidTensor(f"BYTES data must hold {count} base64 strings")
    items = []
    for index, text in enumerate(flat):
        if not isinstance(text, str):
            raise InvalidTensor(f"image[{index}] must be a base64 string in JSON")
        text = text.split("base64,", 1)[-1]  # a data URL is base64 after its prefix
        try:
            items.append(base64.b64decode("".join(text.split()), validate=True))
        except (binascii.Error, ValueError):
            raise InvalidTensor(f"image[{index}] is not valid base64") from None
    return items


@dataclass(frozen=True)
class OutputTensor:
    """An answer tensor: FP32 or INT32 ``values`` in row-major order, of ``shape``."""

    name: str
    datatype: str
    shape: list[int]
    values: array[float] | array[int]
    parameters: dict[str, Any]

    @classmethod
    def of_rows(
        cls, name: str, datatype: str, rows: list[list[Any]], parameters: dict[str, Any]
    ) -> OutputTensor:
        """A tensor ``[len(rows), width]`` of JSON rows (FP32: float32-rounded, as a model's
        outputs are; INT32: whole numbers)."""
        width = len(rows[0]) if rows else 0
        if any(len(row) != width for row in rows):
            raise ValueError(f"{name}: rows of different lengths")
        values: Iterable[Any] = (value for row in rows for value in row)
        typed = array("f", values) if datatype == "FP32" else array("i", map(round, values))
        return cls(name, datatype, [len(rows), width], typed, parameters)


def encode_response(
    head: dict[str, Any], tensors: list[OutputTensor], binary: list[bool]
) -> tuple[bytes, int | None]:
    """The response body, and the JSON header's length when binary tensors follow it."""
    outputs, chunks = [], []
    for tensor, as_binary in zip(tensors, binary, strict=True):
        entry: dict[str, Any] = {
            "name": tensor.name,
            "datatype": tensor.datatype,
            "shape": list(tensor.shape),
        }
        params = dict(tensor.parameters)
        if as_binary:
            chunk = little_endian(tensor.values)
            params["binary_data_size"] = len(chunk)
            chunks.append(chunk)
        else:
            entry["data"] = tensor.values.tolist()
        if params:
            entry["parameters"] = params
        outputs.append(entry)
    header = json.dumps({**head, "outputs": outputs}, separators=(",", ":")).encode()
    if not chunks:
        return header, None
    return header + b"".join(chunks), len(header)
