"""Redis clients for the stores, and the one place Redis outages become domain errors.

The stores keep binary values (feedback images are raw bytes), so their clients must not
decode responses; :func:`connect` and :func:`connect_async` build such clients with bounded
timeouts, so no call waits forever on a dead server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from spikeglyph.errors import RegistryUnavailable

# Blocking reads (XREAD BLOCK) must stay below this; redis-py does not stretch it for them.
SOCKET_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 2.0
HEALTH_CHECK_INTERVAL_S = 10

REDIS_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)

log = logging.getLogger(__name__)


# Binary-safe, and no call waits forever on a dead server.
CLIENT_OPTIONS: dict[str, Any] = {
    "decode_responses": False,
    "socket_timeout": SOCKET_TIMEOUT_S,
    "socket_connect_timeout": CONNECT_TIMEOUT_S,
    "health_check_interval": HEALTH_CHECK_INTERVAL_S,
}


def connect(url: str) -> redis.Redis:
    """A synchronous client suitable for every store in :mod:`spikeglyph.stores`."""
    return redis.Redis.from_url(url, **CLIENT_OPTIONS)


def connect_async(url: str) -> aioredis.Redis:
    """The asyncio twin of :func:`connect` (for the gateway)."""
    return aioredis.Redis.from_url(url, **CLIENT_OPTIONS)


def require_binary(client: redis.Redis | aioredis.Redis) -> None:
    """Refuse a client that decodes responses: binary values would be mangled or crash."""
    if client.get_connection_kwargs().get("decode_responses"):
        raise ValueError("SpikeGlyph stores need a Redis client with decode_responses=False")


@contextmanager
def redis_guard(action: str) -> Iterator[None]:
    """Turn a Redis outage during ``action`` into :class:`RegistryUnavailable`."""
    try:
        yield
    except REDIS_DOWN_ERRORS as exc:
        # The client sees what failed; the address and the driver's words stay in the log.
        log.warning("Redis is unreachable while trying to %s: %s", action, exc)
        raise RegistryUnavailable(f"Redis is unreachable while trying to {action}") from exc


def text(value: bytes | str | None) -> str | None:
    """Decode a Redis reply (bytes from a binary client) to ``str``."""
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else value


def texts(values: Any) -> list[str]:
    """Decode a list reply (ZRANGE, LRANGE...) to a list of ``str``."""
    return [text(v) or "" for v in values or []]
