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

from collections.abc import Mapping
from typing import Protocol
from urllib.parse import quote

from spikeglyph.singleflight import SingleFlightCache
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
        self._answers: SingleFlightCache[tuple[str, bool], Upstream] = SingleFlightCache(
            max_bytes,
            cost=lambda answer: len(answer.content),
            keep=lambda answer: answer.status_code == 200,
        )

    async def figures(self, version: str, diff: bool, request_id: str) -> Upstream:
        """The replica's answer for the figures of ``version`` (``diff``: against its parent)."""
        return await self._answer(figures_path(version), diff, request_id)

    async def png(self, version: str, figure: str, diff: bool, request_id: str) -> Upstream:
        """The replica's answer for one figure's PNG."""
        return await self._answer(figures_path(version, figure), diff, request_id)

    async def _answer(self, path: str, diff: bool, request_id: str) -> Upstream:
        async def fetch() -> Upstream:
            return await self._replicas.send(
                "GET",
                path,
                content=b"",
                headers={"x-request-id": request_id},
                params={"diff": "true"} if diff else {},
            )

        return await self._answers.get((path, diff), fetch)

    @property
    def cached_bytes(self) -> int:
        return self._answers.total_cost
