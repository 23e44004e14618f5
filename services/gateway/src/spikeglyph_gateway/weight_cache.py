"""Weight figures relayed from the replicas and kept per version.

The replicas draw the figures (NumPy and Pillow live there, see
``spikeglyph_inference.weight_cache``); the gateway asks one of them and keeps each successful
answer, the JSON and every PNG, in a least-recently-used table bounded in bytes. A published
version never changes, so a figure crosses to the gateway about once and is served from memory
after that (the 400-tile STDP JSON included). Concurrent requests for the same answer wait for
the one fetch instead of repeating it. An error answer (404 for an unknown version, 503) is
passed on as the replica gave it, and not kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import quote

from spikeglyph_gateway.upstream import Upstream

MAX_CACHED_BYTES = 64 * 1024 * 1024  # answers kept (an STDP version's JSON and PNG: ~2 MB)


class ReplicaSender(Protocol):
    """What the cache needs of the replica pool."""

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes,
        headers: Mapping[str, str],
        params: Mapping[str, str],
    ) -> Upstream: ...


def figures_path(version: str, figure: str | None = None) -> str:
    """The replica's path of a version's figures (JSON), or of one figure's PNG."""
    path = f"/v1/models/{quote(version, safe='')}/weights"
    return path if figure is None else f"{path}/{figure}.png"


class WeightFigureCache:
    def __init__(self, replicas: ReplicaSender, max_bytes: int = MAX_CACHED_BYTES) -> None:
        self._replicas = replicas
        self._max_bytes = max_bytes
        self._size = 0
        self._entries: OrderedDict[tuple[str, bool], Upstream] = OrderedDict()
        self._pending: dict[tuple[str, bool], asyncio.Future[Upstream]] = {}

    async def figures(self, version: str, diff: bool, request_id: str) -> Upstream:
        """The replica's answer for the figures of ``version`` (``diff``: against its parent)."""
        return await self._answer(figures_path(version), diff, request_id)

    async def png(self, version: str, figure: str, diff: bool, request_id: str) -> Upstream:
        """The replica's answer for one figure's PNG."""
        return await self._answer(figures_path(version, figure), diff, request_id)

    async def _answer(self, path: str, diff: bool, request_id: str) -> Upstream:
        key = (path, diff)
        if (entry := self._entries.get(key)) is not None:
            self._entries.move_to_end(key)
            return entry
        if (pending := self._pending.get(key)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Upstream] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            answer = await self._replicas.send(
                "GET",
                path,
                content=b"",
                headers={"x-request-id": request_id},
                params={"diff": "true"} if diff else {},
            )
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure nobody else awaited is not logged
            raise
        finally:
            self._pending.pop(key, None)
        future.set_result(answer)
        if answer.status_code == 200:
            self._keep(key, answer)
        return answer

    def _keep(self, key: tuple[str, bool], answer: Upstream) -> None:
        if len(answer.content) > self._max_bytes:
            return
        self._entries[key] = answer
        self._size += len(answer.content)
        while self._size > self._max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped.content)

    @property
    def cached_bytes(self) -> int:
        return self._size
