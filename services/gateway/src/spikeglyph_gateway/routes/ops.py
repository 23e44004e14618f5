"""Operations: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from spikeglyph.errors import NotReady
from spikeglyph_gateway.deps import ResourcesDep
from spikeglyph_gateway.responses import error_responses

router = APIRouter(tags=["operations"])

REDIS_PING_TIMEOUT_S = 1.0


@router.get(
    "/healthz",
    summary="Liveness",
    responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
)
async def healthz() -> dict[str, str]:
    """The process is up and its event loop answers; says nothing about dependencies."""
    return {"status": "ok"}


async def redis_reachable(resources: ResourcesDep) -> bool:
    try:
        async with asyncio.timeout(REDIS_PING_TIMEOUT_S):
            return bool(await resources.redis.ping())
    except (RedisError, OSError):  # every redis-py failure, including timeouts
        return False


@router.get(
    "/readyz",
    summary="Readiness",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "status": "ready",
                        "redis": True,
                        "replicas": {"http://localhost:8001": True},
                    }
                }
            }
        },
        **error_responses(503),
    },
)
async def readyz(resources: ResourcesDep) -> dict[str, Any]:
    """Ready when Redis answers and at least one inference replica passed its last probe."""
    redis_ok = await redis_reachable(resources)
    replicas = {replica.url: replica.ready for replica in resources.replicas.replicas}
    if not redis_ok or not any(replicas.values()):
        missing = [] if redis_ok else ["redis unreachable"]
        if not any(replicas.values()):
            missing.append("no inference replica ready")
        raise NotReady("; ".join(missing), retry_after_s=2)
    return {"status": "ready", "redis": redis_ok, "replicas": replicas}


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"example": "spikeglyph_gateway_replicas_ready 2.0\n"}}
        }
    },
)
async def metrics(resources: ResourcesDep) -> Response:
    gauge = resources.metrics.replicas_ready
    gauge.set(sum(replica.ready for replica in resources.replicas.replicas))
    return Response(generate_latest(resources.metrics.registry), media_type=CONTENT_TYPE_LATEST)
