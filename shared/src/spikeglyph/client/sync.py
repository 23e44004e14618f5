"""``SpikeGlyphClient``: the blocking Python client of the gateway's API.

Its API methods come from :class:`~spikeglyph.client.base.ClientBase`; this class only sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from types import TracebackType
from typing import TypeVar

import httpx

from spikeglyph.client.base import ClientBase
from spikeglyph.client.calls import Call
from spikeglyph.client.errors import SpikeGlyphAPIError, connection_errors
from spikeglyph.client.events import EventFollower
from spikeglyph.schemas import JobEvent, JobInfo

T = TypeVar("T")


class SpikeGlyphClient(ClientBase[httpx.Client, httpx.BaseTransport]):
    """Call SpikeGlyph the way another service would.

    >>> with SpikeGlyphClient("http://localhost:8000", api_key="...") as sg:
    ...     sg.predict("seven.png").digit

    Errors and retries are the same for both clients: see :class:`ClientBase`.
    """

    def _open(
        self, base_url: str, timeout: float, transport: httpx.BaseTransport | None
    ) -> httpx.Client:
        return httpx.Client(base_url=base_url, timeout=timeout, transport=transport)

    def __enter__(self) -> SpikeGlyphClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _run(self, call: Call[T]) -> T:
        for attempt in self.retry.attempts_for(call.idempotent):
            with attempt, connection_errors():
                return call.parse(self._http.send(self._request(call)))
        raise AssertionError("unreachable: stamina re-raises the last failure")

    def follow_job(self, job_id: str, *, timeout: float | None = None) -> Iterator[JobEvent]:
        """Yield the job's events (replayed from its start) until the final one.

        A dropped stream is resumed with ``Last-Event-ID``, so no event is lost or repeated.
        ``timeout`` bounds the whole wait (:class:`TimeoutError` past it).
        """
        follower = EventFollower(job_id, timeout, self.retry)
        for attempt in follower.reconnecting():
            with attempt, connection_errors():
                request = self._request(follower.request())
                with closing(self._http.send(request, stream=True)) as response:
                    if response.is_error:
                        response.read()
                    follower.opened(response)
                    for line in response.iter_lines():
                        if (event := follower.take(line)) is not None:
                            yield event
                        if follower.done:
                            return
                raise follower.closed_early()

    def wait_job(self, job_id: str, *, timeout: float | None = 3600.0) -> JobInfo:
        """Block until the job finishes (following its events); return its final record."""
        for _ in self.follow_job(job_id, timeout=timeout):
            pass
        return self.job(job_id)


__all__ = ["SpikeGlyphAPIError", "SpikeGlyphClient"]
