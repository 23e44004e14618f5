"""Model versions: list, the active one, activate (and roll back) through the registry.

Activation goes through :class:`~spikeglyph.stores.model_registry.ModelRegistry`, which commits the
new pointer in Redis and then publishes ``activated``: every replica switches, not only the
ones this gateway talks to.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path

from spikeglyph.errors import ModelNotFound, NoReplicaAvailable
from spikeglyph.modeldir import manifest_dict
from spikeglyph.schemas import ModelSummary, RegistryEvent
from spikeglyph_gateway.deps import ApiKeyDep, ResourcesDep, rate_limit
from spikeglyph_gateway.resources import Resources
from spikeglyph_gateway.responses import error_responses
from spikeglyph_gateway.routes.examples import MODEL_EXAMPLE

router = APIRouter(prefix="/models", tags=["models"])

ACTIVATED_EXAMPLE = {
    "type": "activated",
    "version": "mnist-conv-20261128-101500",
    "previous": "mnist-conv-20261127-180000",
    "ts": "2026-11-28T10:20:00Z",
}


@router.get(
    "",
    response_model=list[ModelSummary],
    summary="List model versions (newest first)",
    responses={200: {"content": {"application/json": {"example": [MODEL_EXAMPLE]}}}},
)
async def list_models(resources: ResourcesDep) -> list[ModelSummary]:
    """Until a version is activated, the replicas serve the shipped default: list it as active,
    so a fresh install shows what answers its predictions."""
    summaries = await resources.registry.summaries()
    if any(summary.active for summary in summaries):
        return summaries
    try:
        served = await served_model(resources)
    except (ModelNotFound, NoReplicaAvailable):
        return summaries
    others = [summary for summary in summaries if summary.version != served.version]
    return [served, *others]


async def served_model(resources: Resources) -> ModelSummary:
    """What a replica serves when the registry has no active version (the shipped default)."""
    upstream = await resources.replicas.send("GET", "/v1/model", content=b"", headers={}, params={})
    if upstream.status_code != 200:
        raise ModelNotFound("no model version is active yet")
    served: dict[str, Any] = upstream.json()
    return ModelSummary(**{**served, "active": True})


@router.get(
    "/active",
    response_model=ModelSummary,
    summary="The active model's manifest",
    responses={
        200: {"content": {"application/json": {"example": MODEL_EXAMPLE}}},
        **error_responses(404, 503),
    },
)
async def active_model(resources: ResourcesDep) -> ModelSummary:
    version = await resources.registry.active_version()
    if version is None:
        return await served_model(resources)
    manifest = await resources.registry.get(version)
    return ModelSummary(**{**manifest_dict(manifest), "active": True})


@router.post(
    "/rollback",
    response_model=RegistryEvent,
    summary="Re-activate the previously active version",
    responses={
        200: {"content": {"application/json": {"example": ACTIVATED_EXAMPLE}}},
        **error_responses(401, 403, 404, 422, 429, 503),
    },
    dependencies=[ApiKeyDep, Depends(rate_limit("control"))],
)
async def rollback(resources: ResourcesDep) -> RegistryEvent:
    return await resources.registry.rollback()


@router.post(
    "/{version}/activate",
    response_model=RegistryEvent,
    summary="Switch every replica to a version",
    responses={
        200: {"content": {"application/json": {"example": ACTIVATED_EXAMPLE}}},
        **error_responses(400, 401, 403, 404, 422, 429, 503),
    },
    dependencies=[ApiKeyDep, Depends(rate_limit("control"))],
)
async def activate(
    resources: ResourcesDep,
    version: str = Path(
        description="A version id from GET /api/v1/models.",
        examples=["mnist-conv-20261128-101500"],
        max_length=200,
    ),
) -> RegistryEvent:
    """Rolling back is activating an older version."""
    return await resources.registry.activate(version)
