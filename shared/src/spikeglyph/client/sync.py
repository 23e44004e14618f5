"""``SpikeGlyphClient``: the blocking Python client of the gateway's API."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
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


class SpikeGlyphClient:
    """Call SpikeGlyph the way another service would.

    >>> with SpikeGlyphClient("http://localhost:8000", api_key="...") as sg:
    ...     sg.predict("seven.png").digit

    Errors answered by the API raise :class:`SpikeGlyphAPIError` (``status``, ``code``,
    ``message``); an unreachable gateway raises :class:`SpikeGlyphConnectionError`.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_key = api_key
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )

    # --- plumbing -----------------------------------------------------------------------------
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

    def _call(self, call: calls.Call, adapter: TypeAdapter[T]) -> T:
        try:
            response = self._http.send(self._request(call))
        except httpx.TransportError as exc:
            raise SpikeGlyphConnectionError(f"{type(exc).__name__}: {exc}") from exc
        return calls.parse(response, adapter)

    # --- predictions --------------------------------------------------------------------------
    def predict(self, image: ImageInput, *, compact: bool = False) -> Prediction:
        """Recognise one image (path, encoded bytes, or an array PNG-encoded here)."""
        return self._call(calls.predict(image, compact), calls.PREDICTION)

    def predict_batch(
        self, images: Sequence[ImageInput], *, compact: bool = False
    ) -> list[Prediction]:
        return self._call(calls.predict_batch(images, compact), calls.BATCH).results

    def feedback(self, image: ImageInput, label: int) -> str:
        """Send a correction; returns its ``feedback_id``."""
        return self._call(calls.feedback(image, label), calls.FEEDBACK).feedback_id

    # --- jobs ---------------------------------------------------------------------------------
    def submit_job(
        self, kind: JobKind | str, params: Mapping[str, Any] | BaseModel | None = None
    ) -> str:
        """Queue a job (needs the API key); returns its ``job_id``."""
        return self._call(calls.submit_job(kind, params), calls.JOB_ACCEPTED).job_id

    def job(self, job_id: str) -> JobInfo:
        return self._call(calls.job(job_id), calls.JOB)

    def jobs(self) -> list[JobInfo]:
        return self._call(calls.jobs(), calls.JOB_LIST)

    def cancel_job(self, job_id: str) -> JobInfo:
        return self._call(calls.cancel_job(job_id), calls.JOB)

    def follow_job(self, job_id: str, *, timeout: float | None = None) -> Iterator[JobEvent]:
        """Yield the job's events (replayed from its start) until the final one.

        A dropped stream is resumed with ``Last-Event-ID``, so no event is lost or repeated.
        ``timeout`` bounds the whole wait (:class:`TimeoutError` past it).
        """
        follower = EventFollower(job_id, timeout)
        while not follower.done:
            request = self._request(calls.job_events(job_id, follower.last_event_id))
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                follower.connection_lost(exc)
                time.sleep(follower.backoff_s)
                continue
            try:
                if response.status_code >= 400:
                    response.read()
                    calls.parse(response, calls.JOB)  # raises the API's error
                yield from follower.consume(response.iter_lines())
            except httpx.TransportError as exc:
                follower.connection_lost(exc)
                time.sleep(follower.backoff_s)
            finally:
                response.close()

    def wait_job(self, job_id: str, *, timeout: float | None = 3600.0) -> JobInfo:
        """Block until the job finishes (following its events); return its final record."""
        for _ in self.follow_job(job_id, timeout=timeout):
            pass
        return self.job(job_id)

    # --- models -------------------------------------------------------------------------------
    def models(self) -> list[ModelSummary]:
        return self._call(calls.models(), calls.MODEL_LIST)

    def active_model(self) -> ModelSummary:
        return self._call(calls.active_model(), calls.MODEL)

    def activate(self, version: str) -> RegistryEvent:
        """Switch every replica to ``version`` (needs the API key)."""
        return self._call(calls.activate(version), calls.REGISTRY_EVENT)

    def rollback(self) -> RegistryEvent:
        return self._call(calls.rollback(), calls.REGISTRY_EVENT)


__all__ = ["SpikeGlyphAPIError", "SpikeGlyphClient"]
