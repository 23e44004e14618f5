"""A least-recently-used table whose values are each computed once.

Concurrent requests for a missing key wait for the one computation instead of repeating it,
which bounds the work any burst of requests causes; a failed computation is raised to every
waiter and not kept. The table is bounded by a cost per value (1 each, or bytes); a value that
alone costs more than the bound, or that ``keep`` refuses, is returned but not kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(_: object) -> int:
    return 1


def _always(_: object) -> bool:
    return True


class SingleFlightCache(Generic[K, V]):
    def __init__(
        self,
        max_cost: int,
        cost: Callable[[V], int] = _one,
        keep: Callable[[V], bool] = _always,
    ) -> None:
        self._max_cost = max_cost
        self._cost = cost
        self._keep = keep
        self._total = 0
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._pending: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The value kept for ``key``, or the one ``compute`` makes (once for all waiters)."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        if (pending := self._pending.get(key)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure nobody else awaited is not logged
            raise
        finally:
            self._pending.pop(key, None)
        future.set_result(value)
        self._put(key, value)
        return value

    def _put(self, key: K, value: V) -> None:
        cost = self._cost(value)
        if cost > self._max_cost or not self._keep(value):
            return
        self._entries[key] = value
        self._total += cost
        while self._total > self._max_cost:
            _, dropped = self._entries.popitem(last=False)
            self._total -= self._cost(dropped)

    @property
    def total_cost(self) -> int:
        """What the kept values cost together (their count, or their bytes)."""
        return self._total
