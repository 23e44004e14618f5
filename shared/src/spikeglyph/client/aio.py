"""``AsyncSpikeGlyphClient``: the asyncio twin of :class:`~spikeglyph.client.SpikeGlyphClient`.

Its API methods come from :class:`~spikeglyph.client.base.ClientBase`; this class only sends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from types import TracebackType
from typing import TypeVar

import httpx

from spikeglyph.client.base import ClientBase
from spikeglyph.client.calls import Call
from spikeglyph.client.errors import SpikeGlyphAPIError, connection_errors
from spikeglyph.client.events import EventFollower
from spikeglyph.schemas import JobEvent, JobInfo

T = TypeVar("T")


class AsyncSpikeGlyphClient(ClientBase[httpx.AsyncClient, httpx.AsyncBaseTransport]):
    """Call SpikeGlyph from asyncio code; the same methods as the blocking client, awaited.

    >>> async with AsyncSpikeGlyphClient("http://localhost:8000") as sg:
    ...     (await sg.predict("seven.png")).digit

    Errors and retries are the same for both clients: see :class:`ClientBase`.
    """

    def _open(
        self, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def __aenter__(self) -> AsyncSpikeGlyphClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def _run(self, call: Call[T]) -> T:
        async for attempt in self.retry.attempts_for(call.idempotent):
            with attempt, connection_errors():
                return call.parse(await self._http.send(self._request(call)))
        raise AssertionError("unreachable: stamina re-raises the last failure")

    async def follow_job(
        self, job_id: str, *, timeout: float | None = None
    ) -> AsyncIterator[JobEvent]:
        """Yield the job's events (replayed from its start) until the final one.

        A dropped stream is resumed with ``Last-Event-ID``, so no event is lost or repeated.
        ``timeout`` bounds the whole wait (:class:`TimeoutError` past it).
        """
        follower = EventFollower(job_id, timeout, self.retry)
        async for attempt in follower.reconnecting():
            with attempt, connection_errors():
                request = self._request(follower.request())
                async with aclosing(await self._http.send(request, stream=True)) as response:
                    if response.is_error:
                        await response.aread()
                    follower.opened(response)
                    async for line in response.aiter_lines():
                        if (event := follower.take(line)) is not None:
                            yield event
                        if follower.done:
                            return
                raise follower.closed_early()

    async def wait_job(self, job_id: str, *, timeout: float | None = 3600.0) -> JobInfo:
        """Wait until the job finishes (following its events); return its final record."""
        async for _ in self.follow_job(job_id, timeout=timeout):
            pass
        return await self.job(job_id)


__all__ = ["AsyncSpikeGlyphClient", "SpikeGlyphAPIError"]
