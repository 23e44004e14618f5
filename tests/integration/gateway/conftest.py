"""One shared stack for the gateway tests: a private Redis, two fake replicas and a gateway.

Starting processes is the slow part of these tests, so one stack serves them all;
tests that need other settings (tight rate limits, dead replicas) start their own gateway.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.integration.gateway.stack import (
    API_KEY,
    OPEN,
    Gateway,
    start_fake_replica,
    start_gateway,
)
from tests.support.procs import RedisServer


@pytest.fixture(scope="session")
def gateway_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, gateway_redis: RedisServer
) -> Iterator[Gateway]:
    """Default limits for predict (open); jobs and feedback opened so tests can repeat them."""
    directory = tmp_path_factory.mktemp("stack")
    replicas = [
        start_fake_replica(directory, name, gateway_redis.url)
        for name in ("replica-a", "replica-b")
    ]
    gateway = start_gateway(
        directory,
        gateway_redis.url,
        replicas,
        env={
            "SPIKEGLYPH_RATE_LIMIT_JOBS": OPEN,
            "SPIKEGLYPH_RATE_LIMIT_FEEDBACK": OPEN,
            "SPIKEGLYPH_RATE_LIMIT_CONTROL": OPEN,
        },
    )
    try:
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture()
def http(stack: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=10) as client:
        yield client


@pytest.fixture()
def key() -> dict[str, str]:
    return {"X-API-Key": API_KEY}
