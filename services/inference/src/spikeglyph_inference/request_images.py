"""Getting image bytes out of a predict request, whichever of the three forms it takes.

``POST /v1/predict`` accepts

* ``multipart/form-data`` with the image in the field ``file``;
* a raw body whose ``Content-Type`` is ``image/*`` (or ``application/octet-stream``);
* ``application/json`` ``{"image": "<data URL or plain base64>"}``.

``POST /v1/predict/batch`` accepts ``multipart/form-data`` with one or more ``files`` fields.

Only the bytes are extracted here; decoding happens in :mod:`spikeglyph.preprocess`. Sizes are
checked before anything is decoded: the whole body is limited while it streams (see
:class:`spikeglyph.server.body_limit.BodySizeLimitMiddleware`), each image again here.
"""

from __future__ import annotations

import base64
import binascii
import re

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from spikeglyph.errors import InvalidImage, InvalidRequest, PayloadTooLarge, UnsupportedImage
from spikeglyph.schemas import ImagePayload
from spikeglyph.server.errors import validation_message

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^,;]*)*),", re.ASCII)
RAW_TYPES = ("image/", "application/octet-stream")


def base64_limit(max_bytes: int) -> int:
    """Body size a JSON request may have to carry a ``max_bytes`` image in base64."""
    return max_bytes * 4 // 3 + 64 * 1024


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def single_image(request: Request, *, max_bytes: int) -> bytes:
    """The image bytes of a predict request, in whichever form it came."""
    kind = media_type(request)
    if kind == "multipart/form-data":
        files = await _form_files(request, "file", max_files=1)
        if not files:
            raise InvalidRequest("multipart body needs a file in the field 'file'")
        return await _read_upload(files[0], max_bytes)
    if kind == "application/json":
        return _from_json(await read_body(request, base64_limit(max_bytes)), max_bytes)
    if kind.startswith(RAW_TYPES) or kind == "":
        body = await read_body(request, max_bytes)
        if not body:
            raise InvalidImage("the request body is empty; send image bytes")
        return body
    raise UnsupportedImage(
        f"unsupported Content-Type {kind!r}: send an image/* body, multipart field 'file' "
        'or JSON {"image": ...}'
    )


async def batch_images(request: Request, *, max_bytes: int, max_files: int) -> list[bytes]:
    """The images of a batch request (multipart ``files``), in order."""
    if media_type(request) != "multipart/form-data":
        raise UnsupportedImage("a batch is sent as multipart/form-data with 'files' fields")
    files = await _form_files(request, "files", max_files=max_files)
    if not files:
        raise InvalidRequest("multipart body needs one or more files in the field 'files'")
    return [await _read_upload(upload, max_bytes) for upload in files]


async def _form_files(request: Request, field: str, *, max_files: int) -> list[UploadFile]:
    try:
        # one file more than allowed gets through the parser, so the answer is our 413
        form = await request.form(max_files=max_files + 1, max_fields=16)
    except PayloadTooLarge:
        raise
    except Exception as exc:
        raise InvalidRequest(f"malformed multipart body: {exc}") from None
    values = form.getlist(field)
    if any(not isinstance(v, UploadFile) for v in values):
        raise InvalidRequest(f"field {field!r} must carry a file, not text")
    uploads = [v for v in values if isinstance(v, UploadFile)]
    if len(uploads) > max_files:
        raise PayloadTooLarge(f"at most {max_files} files per request")
    return uploads


async def _read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"image {upload.filename!r} is larger than {max_bytes} bytes")
    if not data:
        raise InvalidImage(f"file {upload.filename!r} is empty")
    return data


async def read_body(request: Request, max_bytes: int) -> bytes:
    """Read the body, refusing it as soon as it grows past ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"request body larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"request body larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _from_json(body: bytes, max_bytes: int) -> bytes:
    try:
        payload = ImagePayload.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidRequest(validation_message(exc.errors(include_input=False))) from None
    return image_from_text(payload.image, max_bytes)


def image_from_text(text: str, max_bytes: int) -> bytes:
    """The image bytes of a data URL or plain base64 text, within ``max_bytes``."""
    text = text.strip()
    match = _DATA_URL.match(text)
    if match:
        mime = (match.group("mime") or "").lower()
        if mime and not mime.startswith("image/"):
            raise UnsupportedImage(f"the data URL holds {mime!r}, not an image")
        if ";base64" not in match.group("params").lower():
            raise InvalidImage("only base64 data URLs are accepted")
        text = text[match.end() :]
    text = "".join(text.split())  # base64 wrapped over several lines is still base64
    if len(text) > base64_limit(max_bytes):
        raise PayloadTooLarge(f"image larger than {max_bytes} bytes")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImage("'image' is neither a data URL nor valid base64") from None
    if not data:
        raise InvalidImage("'image' is empty")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"image larger than {max_bytes} bytes")
    return data
