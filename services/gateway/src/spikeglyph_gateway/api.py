"""The ``/api/v1`` router: it only gathers the per-resource routers."""

from __future__ import annotations

from fastapi import APIRouter

from spikeglyph_gateway.routes import feedback, jobs, models, predict, publish, weights, whatif

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(predict.router)
api_router.include_router(whatif.router)
api_router.include_router(feedback.router)
api_router.include_router(jobs.router)
api_router.include_router(models.router)
api_router.include_router(publish.router)
api_router.include_router(weights.router)
