"""Everything a gateway app holds open: made in the lifespan, handed to routes, closed at exit.

Nothing here is a module global, so tests can run two gateways in one process.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as aioredis
from celery import Celery

from spikeglyph.job_queue import celery_config
from spikeglyph.server.internal_token import bearer_header
from spikeglyph.stores import (
    AsyncFeedbackStore,
    AsyncJobStore,
    AsyncModelRegistry,
    connect_async,
)
from spikeglyph_gateway.config import GatewaySettings
from spikeglyph_gateway.metrics import GatewayMetrics
from spikeglyph_gateway.ratelimit import RateLimiter
from spikeglyph_gateway.replicas import ReplicaPool, resolve_ipv4
from spikeglyph_gateway.upstream import AiohttpTransport
from spikeglyph_gateway.weight_cache import WeightFigureCache

log = logging.getLogger(__name__)


@dataclass
class Resources:
    settings: GatewaySettings
    metrics: GatewayMetrics
    limiter: RateLimiter
    http: AiohttpTransport
    replicas: ReplicaPool
    redis: aioredis.Redis  # the one Redis client: every store below shares it
    celery: Celery
    jobs: AsyncJobStore
    registry: AsyncModelRegistry
    feedback: AsyncFeedbackStore
    weights: WeightFigureCache  # weight figures per version, drawn by a replica, kept here


def build_limiter(settings: GatewaySettings) -> RateLimiter:
    return RateLimiter(
        {
            "predict": settings.rate_limit_predict,
            "feedback": settings.rate_limit_feedback,
            "jobs": settings.rate_limit_jobs,
            "control": settings.rate_limit_control,
        }
    )


def build_http_client(settings: GatewaySettings) -> AiohttpTransport:
    """One pooled client for every replica; keep-alive connections make a prediction cheap."""
    return AiohttpTransport(
        request_timeout_s=settings.request_timeout_s,
        connect_timeout_s=settings.connect_timeout_s,
        max_connections=settings.max_connections,
        headers=internal_headers(settings),
    )


def internal_headers(settings: GatewaySettings) -> dict[str, str]:
    """``Authorization: Bearer <SPIKEGLYPH_INTERNAL_TOKEN>`` for the replicas, when one is set."""
    token = settings.internal_token
    return bearer_header(token.get_secret_value()) if token is not None else {}


def build_celery(settings: GatewaySettings) -> Celery:
    """A producer-only Celery app: the gateway sends tasks by name and never imports them."""
    app = Celery("spikeglyph-gateway", set_as_current=False)
    app.config_from_object(celery_config(settings.redis_url))
    return app


@contextlib.asynccontextmanager
async def open_resources(
    settings: GatewaySettings, metrics: GatewayMetrics
) -> AsyncIterator[Resources]:
    http = build_http_client(settings)
    replicas = ReplicaPool(
        settings.inference_urls,
        http,
        probe_interval_s=settings.probe_interval_s,
        probe_timeout_s=settings.probe_timeout_s,
        on_retry=lambda url: metrics.upstream_retries.labels(url).inc(),
        resolve=resolve_ipv4,
    )
    redis = connect_async(settings.redis_url)
    celery = build_celery(settings)
    registry = AsyncModelRegistry.from_settings(redis, settings)
    resources = Resources(
        settings=settings,
        metrics=metrics,
        limiter=build_limiter(settings),
        http=http,
        replicas=replicas,
        redis=redis,
        celery=celery,
        jobs=AsyncJobStore(redis),
        registry=registry,
        feedback=AsyncFeedbackStore(redis),
        weights=WeightFigureCache(replicas),
    )
    await replicas.start()
    log.info("gateway routing to %d inference replica(s)", len(settings.inference_urls))
    try:
        yield resources
    finally:
        await replicas.stop()
        await http.aclose()
        await redis.aclose()
        celery.close()
