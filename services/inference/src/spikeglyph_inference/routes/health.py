"""``/healthz`` (the process answers) and ``/readyz`` (a warm model is loaded)."""

from __future__ import annotations

from fastapi import APIRouter

from spikeglyph.errors import NotReady
from spikeglyph.schemas import ErrorBody
from spikeglyph_inference.deps import HolderDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    responses={503: {"model": ErrorBody, "description": "No model loaded and warmed yet."}},
)
async def readyz(holder: HolderDep) -> dict[str, str]:
    """200 once a model is loaded, verified and warmed up; 503 (``not_ready``) before."""
    version = holder.version
    if version is None:
        raise NotReady("no model loaded yet", retry_after_s=1)
    return {"status": "ready", "model_version": version}
