"""``GET /v1/models/{version}/weights[/{figure}.png]``: weight figures of a published version.

Internal: the gateway relays these as ``/api/v1/models/{version}/weights…`` and keeps each
answer (versions are immutable), so a replica draws a version's figures about once per gateway.
Any version the registry can hand out is drawn, not only the one served; the files come through
the same verified access the hot swap uses. 404 for an unknown version, an unknown figure, or a
difference view of a version without a parent.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from spikeglyph.schemas import ErrorBody
from spikeglyph_inference.deps import FiguresDep

router = APIRouter(prefix="/v1/models", tags=["model"])

VersionPath = Annotated[str, Path(max_length=200)]
FigurePath = Annotated[str, Path(pattern=r"^[a-z0-9]{1,16}$")]
DiffQuery = Annotated[bool, Query(description="Against the parent version.")]
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (404, 422, 503)}


@router.get(
    "/{version}/weights",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, **_ERRORS},
    summary="A version's weight figures as JSON (internal: relayed by the gateway)",
)
async def weight_figures(
    figures: FiguresDep, version: VersionPath, diff: DiffQuery = False
) -> Response:
    entry = await figures.get(version, diff)
    return Response(entry.json, media_type="application/json")


@router.get(
    "/{version}/weights/{figure}.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **_ERRORS},
    summary="One weight figure as a PNG (internal: relayed by the gateway)",
)
async def weight_png(
    figures: FiguresDep, version: VersionPath, figure: FigurePath, diff: DiffQuery = False
) -> Response:
    return Response(await figures.png(version, figure, diff), media_type="image/png")
