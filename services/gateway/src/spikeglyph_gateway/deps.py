"""Typed dependencies the routes take as parameters (resources, auth, rate limits)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from spikeglyph.errors import RateLimited
from spikeglyph_gateway.ratelimit import retry_after_header
from spikeglyph_gateway.resources import Resources
from spikeglyph_gateway.security import API_KEY_HEADER, check_api_key, client_address

api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="One of the keys in SPIKEGLYPH_API_KEYS; needed by every mutating control route.",
)


async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def require_api_key(
    resources: ResourcesDep, key: Annotated[str | None, Security(api_key_scheme)] = None
) -> None:
    check_api_key(key, resources.settings.api_keys)


ApiKeyDep = Depends(require_api_key)


def rate_limit(route_class: str) -> Callable[[Request, Resources], Awaitable[None]]:
    """A dependency taking one token of ``route_class`` for the calling client (429 when out)."""

    async def take_token(request: Request, resources: ResourcesDep) -> None:
        limiter = resources.limiter
        if not limiter.enabled(route_class):
            return
        client = client_address(request, resources.settings.trust_forwarded_for)
        wait_s = limiter.acquire(client, route_class)
        if wait_s > 0:
            resources.metrics.rate_limited.labels(route_class).inc()
            raise RateLimited(
                f"too many {route_class} requests; retry in {wait_s:.1f}s",
                retry_after_s=retry_after_header(wait_s),
            )

    return take_token
