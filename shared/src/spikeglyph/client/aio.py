"""``AsyncSpikeGlyphClient``: the asyncio twin of :class:`~spikeglyph.client.SpikeGlyphClient`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from spikeglyph.client import calls
from spikeglyph.client.errors import SpikeGlyphAPIError, SpikeGlyphConnectionError
from spikeglyph.client.events import EventFollower
from spikeglyph.client.images import ImageInput
from spikeglyph.schemas import (
    JobEvent,
    JobInfo,
    JobKind,
    ModelSummary,
    Prediction,
    RegistryEvent,
)

T = TypeVar("T")
DEFAULT_URL = "http://localhost:8000"


class AsyncSpikeGlyphClient:
    """Call SpikeGlyph from asyncio code; the same methods as the blocking client, awaited.

    >>> async with AsyncSpikeGlyphClient("http://localhost:8000") as sg:
    ...     (await sg.predict("seven.png")).digit

    Errors answered by the API raise :class:`SpikeGlyphAPIError` (``status``, ``code``,
    ``message``); an unreachable gateway raises :class:`SpikeGlyphConnectionError`.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_key = api_key
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )

    # --- plumbing -----------------------------------------------------------------------------
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

    def _request(self, call: calls.Call) -> httpx.Request:
        headers = dict(call.headers)
        if call.needs_key and self.api_key:
            headers["X-API-Key"] = self.api_key
        return self._http.build_request(
            call.method,
            call.path,
            params=call.params,
            json=call.json,
            files=call.files,
            data=call.data,
            headers=headers,
        )

    async def _call(self, call: calls.Call, adapter: TypeAdapter[T]) -> T:
        try:
            response = await self._http.send(self._request(call))
        except httpx.TransportError as exc:
            raise SpikeGlyphConnectionError(f"{type(exc).__name__}: {exc}") from exc
        return calls.parse(response, adapter)

    # --- predictions --------------------------------------------------------------------------
    async def predict(self, image: ImageInput, *, compact: bool = False) -> Prediction:
        """Recognise one image (path, encoded bytes, or an array PNG-encoded here)."""
        return await self._call(calls.predict(image, compact), calls.PREDICTION)

    async def predict_batch(
        self, images: Sequence[ImageInput], *, compact: bool = False
    ) -> list[Prediction]:
        return (await self._call(calls.predict_batch(images, compact), calls.BATCH)).results

    async def feedback(self, image: ImageInput, label: int) -> str:
        """Send a correction; returns its ``feedback_id``."""
        return (await self._call(calls.feedback(image, label), calls.FEEDBACK)).feedback_id

    # --- jobs ---------------------------------------------------------------------------------
    async def submit_job(
        self, kind: JobKind | str, params: Mapping[str, Any] | BaseModel | None = None
    ) -> str:
        """Queue a job (needs the API key); returns its ``job_id``."""
        return (await self._call(calls.submit_job(kind, params), calls.JOB_ACCEPTED)).job_id

    async def job(self, job_id: str) -> JobInfo:
        return await self._call(calls.job(job_id), calls.JOB)

    async def jobs(self) -> list[JobInfo]:
        return await self._call(calls.jobs(), calls.JOB_LIST)

    async def cancel_job(self, job_id: str) -> JobInfo:
        return await self._call(calls.cancel_job(job_id), calls.JOB)

    async def follow_job(
        self, job_id: str, *, timeout: float | None = None
    ) -> AsyncIterator[JobEvent]:
        """Yield the job's events (replayed from its start) until the final one.

        A dropped stream is resumed with ``Last-Event-ID``, so no event is lost or repeated.
        ``timeout`` bounds the whole wait (:class:`TimeoutError` past it).
        """
        follower = EventFollower(job_id, timeout)
        while not follower.done:
            request = self._request(calls.job_events(job_id, follower.last_event_id))
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                follower.connection_lost(exc)
                await asyncio.sleep(follower.backoff_s)
                continue
            try:
                if response.status_code >= 400:
                    await response.aread()
                    calls.parse(response, calls.JOB)  # raises the API's error
                async for event in follower.aconsume(response.aiter_lines()):
                    yield event
            except httpx.TransportError as exc:
                follower.connection_lost(exc)
                await asyncio.sleep(follower.backoff_s)
            finally:
                await response.aclose()

    async def wait_job(self, job_id: str, *, timeout: float | None = 3600.0) -> JobInfo:
        """Wait until the job finishes (following its events); return its final record."""
        async for _ in self.follow_job(job_id, timeout=timeout):
            pass
        return await self.job(job_id)

    # --- models -------------------------------------------------------------------------------
    async def models(self) -> list[ModelSummary]:
        return await self._call(calls.models(), calls.MODEL_LIST)

    async def active_model(self) -> ModelSummary:
        return await self._call(calls.active_model(), calls.MODEL)

    async def activate(self, version: str) -> RegistryEvent:
        """Switch every replica to ``version`` (needs the API key)."""
        return await self._call(calls.activate(version), calls.REGISTRY_EVENT)

    async def rollback(self) -> RegistryEvent:
        return await self._call(calls.rollback(), calls.REGISTRY_EVENT)


__all__ = ["AsyncSpikeGlyphClient", "SpikeGlyphAPIError"]
