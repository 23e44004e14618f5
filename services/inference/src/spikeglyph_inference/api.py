"""All routers of the inference service."""

from __future__ import annotations

from fastapi import APIRouter

from spikeglyph_inference.routes import (
    health,
    metrics,
    model,
    predict,
    preprocess,
    tensor,
    weights,
    whatif,
)

api_router = APIRouter()
api_router.include_router(predict.router)
api_router.include_router(whatif.router)
api_router.include_router(tensor.router)
api_router.include_router(preprocess.router)
api_router.include_router(weights.router)
api_router.include_router(model.router)
api_router.include_router(health.router)
api_router.include_router(metrics.router)
