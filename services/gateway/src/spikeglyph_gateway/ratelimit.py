"""Per-client token buckets, one per (client address, route class).

In memory and per process on purpose: a limit exists to keep one noisy client from starving
the others on this gateway, and it must cost nothing on the predict hot path. Behind several
gateway replicas each enforces its own share, which is the usual trade-off for a front door.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from spikeglyph_gateway.config import RateLimit

# Forget idle clients so an address scan cannot grow the table without bound.
MAX_TRACKED_CLIENTS = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets for the route classes in ``limits`` (``per_minute = 0`` means open)."""

    def __init__(
        self, limits: dict[str, RateLimit], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def enabled(self, route_class: str) -> bool:
        limit = self._limits.get(route_class)
        return limit is not None and limit.enabled

    def acquire(self, client: str, route_class: str) -> float:
        """Take one token; return 0 when allowed, else the seconds until a token is back."""
        limit = self._limits.get(route_class)
        if limit is None or not limit.enabled:
            return 0.0
        now = self._clock()
        rate = limit.per_minute / 60.0
        key = (client, route_class)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_CLIENTS:
                self._evict_full(now)
            bucket = self._buckets[key] = _Bucket(tokens=float(limit.burst), updated=now)
        else:
            bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate

    def _evict_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: forgetting them changes nothing."""
        for key, bucket in list(self._buckets.items()):
            limit = self._limits[key[1]]
            if bucket.tokens + (now - bucket.updated) * limit.per_minute / 60.0 >= limit.burst:
                del self._buckets[key]
        if len(self._buckets) >= MAX_TRACKED_CLIENTS:
            self._buckets.clear()


def retry_after_header(wait_s: float) -> int:
    """Whole seconds for ``Retry-After``: never 0, which would invite an immediate retry."""
    return max(1, math.ceil(wait_s))
