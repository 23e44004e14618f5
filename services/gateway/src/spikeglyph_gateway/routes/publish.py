"""``POST /api/v1/models``: publish a model directory trained elsewhere into the running system.

The body is the directory as an archive (``spikeglyph publish DIR --url URL`` makes it): a
gzipped tar, sent raw or as the multipart field ``file``, no larger than the model upload limit
(``SPIKEGLYPH_MAX_MODEL_UPLOAD_BYTES``, refused with 413 while it streams in). It is unpacked into a
private temporary directory with :func:`spikeglyph.modelarchive.unpack` (flat regular files,
only those the manifest lists, every sha256 checked) and published from there, so the artifact
store receives it through the registry's atomic install: a malformed or tampered archive is
refused with 422 and leaves nothing behind, a version that exists already with 409.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from spikeglyph.errors import InvalidModelArchive
from spikeglyph.modelarchive import unpack
from spikeglyph.modeldir import manifest_dict
from spikeglyph.schemas import ModelSummary
from spikeglyph_gateway.deps import ApiKeyDep, ResourcesDep, rate_limit
from spikeglyph_gateway.responses import error_responses
from spikeglyph_gateway.routes.examples import MODEL_EXAMPLE
from spikeglyph_gateway.routes.predict import read_body

router = APIRouter(prefix="/models", tags=["models"])

ARCHIVE_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The model directory as a gzipped tar (`spikeglyph publish` makes it).",
        "content": {
            "application/gzip": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


async def archive_bytes(request: Request) -> bytes:
    """The archive: the multipart field ``file``, or else the raw body."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=1)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidModelArchive("send the archive as the multipart field `file`")
        return await upload.read()
    return await read_body(request)


@router.post(
    "",
    status_code=201,
    response_model=ModelSummary,
    summary="Publish a model directory (an archive) as a new version",
    responses={
        201: {"content": {"application/json": {"example": MODEL_EXAMPLE}}},
        **error_responses(401, 403, 409, 413, 422, 429, 503),
    },
    dependencies=[ApiKeyDep, Depends(rate_limit("control"))],
    openapi_extra=ARCHIVE_BODY_DOC,
)
async def publish(
    request: Request,
    resources: ResourcesDep,
    activate: Annotated[
        bool, Query(description="Also make it the active version on every replica.")
    ] = False,
) -> ModelSummary:
    """Verified (manifest, sha256 of every file), installed atomically, then listed."""
    data = await archive_bytes(request)
    staging = Path(await run_in_threadpool(tempfile.mkdtemp, prefix="spikeglyph-upload-"))
    try:
        await run_in_threadpool(unpack, data, staging)
        manifest = await resources.registry.publish(staging, activate=activate)
    finally:
        await run_in_threadpool(shutil.rmtree, staging, True)
    active = await resources.registry.active_version()
    return ModelSummary(**{**manifest_dict(manifest), "active": manifest.version == active})
