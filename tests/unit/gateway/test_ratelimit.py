"""Token buckets: a burst passes, the next request waits, time refills, clients are separate."""

from __future__ import annotations

from spikeglyph_gateway.config import RateLimit
from spikeglyph_gateway.ratelimit import RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock) -> RateLimiter:
    return RateLimiter(
        {"feedback": RateLimit(per_minute=60, burst=3), "predict": RateLimit()}, clock=clock
    )


def test_burst_then_refused_with_the_wait_until_the_next_token() -> None:
    clock = Clock()
    limits = limiter(clock)
    assert [limits.acquire("1.2.3.4", "feedback") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limits.acquire("1.2.3.4", "feedback")
    assert 0.99 < wait <= 1.0  # 60/min: one token a second
    assert retry_after_header(wait) == 1


def test_tokens_come_back_with_time_but_never_beyond_the_burst() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(3):
        limits.acquire("a", "feedback")
    clock.now += 1.0
    assert limits.acquire("a", "feedback") == 0.0
    assert limits.acquire("a", "feedback") > 0
    clock.now += 3600
    assert [limits.acquire("a", "feedback") for _ in range(4)][-1] > 0  # still only 3 at once


def test_clients_and_route_classes_have_their_own_buckets() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(3):
        limits.acquire("a", "feedback")
    assert limits.acquire("b", "feedback") == 0.0
    assert limits.acquire("a", "feedback") > 0


def test_unconfigured_and_zero_rate_classes_are_open() -> None:
    limits = limiter(Clock())
    assert not limits.enabled("predict")
    assert all(limits.acquire("a", "predict") == 0.0 for _ in range(10_000))
    assert limits.acquire("a", "unknown-class") == 0.0
