"""``GET /v1/model``: the manifest of the model version being served."""

from __future__ import annotations

from fastapi import APIRouter

from spikeglyph.modeldir import manifest_dict
from spikeglyph.schemas import ErrorBody, ModelSummary
from spikeglyph_inference.deps import HolderDep

router = APIRouter(prefix="/v1", tags=["model"])


@router.get(
    "/model",
    response_model=ModelSummary,
    responses={503: {"model": ErrorBody, "description": "No model loaded yet."}},
    summary="The active model's manifest",
)
async def active_model(holder: HolderDep) -> ModelSummary:
    """The served version's manifest (with ``active: true`` and the ``device`` it runs on)."""
    runner = holder.current
    return ModelSummary(**manifest_dict(runner.manifest), active=True, device=runner.device)
