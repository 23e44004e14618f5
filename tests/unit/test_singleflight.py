"""The single-flight LRU table both services' weight-figure caches keep their values in."""

from __future__ import annotations

import asyncio

import pytest

from spikeglyph.singleflight import SingleFlightCache


def test_a_failure_reaches_every_waiter_and_is_not_kept() -> None:
    cache: SingleFlightCache[str, str] = SingleFlightCache(4)
    calls: list[str] = []

    async def failing() -> str:
        calls.append("fail")
        await asyncio.sleep(0.01)
        raise LookupError("no such version")

    async def succeeding() -> str:
        calls.append("ok")
        return "figures"

    async def run() -> tuple[list[BaseException | str], str]:
        waiters = [cache.get("v", failing) for _ in range(3)]
        outcomes = await asyncio.gather(*waiters, return_exceptions=True)
        return list(outcomes), await cache.get("v", succeeding)

    outcomes, after = asyncio.run(run())
    assert all(isinstance(o, LookupError) for o in outcomes)
    assert after == "figures" and calls == ["fail", "ok"]
    assert cache.total_cost == 1


def test_values_over_the_bound_or_refused_are_returned_but_not_kept() -> None:
    cache: SingleFlightCache[str, bytes] = SingleFlightCache(
        10, cost=len, keep=lambda value: not value.startswith(b"!")
    )
    made: list[str] = []

    values = {"big": b"x" * 11, "refused": b"!no", "small": b"yes"}

    async def run() -> None:
        for _ in range(2):
            for key, value in values.items():

                async def make(key: str = key, value: bytes = value) -> bytes:
                    made.append(key)
                    return value

                assert await cache.get(key, make) == value

    asyncio.run(run())
    assert made == ["big", "refused", "small", "big", "refused"]
    assert cache.total_cost == 3


@pytest.mark.parametrize("order", [("a", "b", "c"), ("a", "b", "a", "c")])
def test_the_least_recently_used_value_goes_first(order: tuple[str, ...]) -> None:
    cache: SingleFlightCache[str, str] = SingleFlightCache(2)
    made: list[str] = []

    async def get(key: str) -> None:
        async def make() -> str:
            made.append(key)
            return key

        await cache.get(key, make)

    async def run() -> None:
        for key in order:
            await get(key)
        made.clear()
        for key in ("c", "b" if order.count("a") == 1 else "a"):  # the two kept: no new work
            await get(key)

    asyncio.run(run())
    assert made == []
