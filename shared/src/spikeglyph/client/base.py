"""What the blocking and the asyncio client share: settings, the request builder and the
API's methods, each listed once (their logic lives in :mod:`spikeglyph.client.calls`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

import httpx

from spikeglyph.client import calls
from spikeglyph.client.endpoints import Endpoint
from spikeglyph.client.retries import RetryPolicy

DEFAULT_URL = "http://localhost:8000"
DEFAULT_RETRY = RetryPolicy()

Http = TypeVar("Http", httpx.Client, httpx.AsyncClient)
Transport = TypeVar("Transport", httpx.BaseTransport, httpx.AsyncBaseTransport)


class ClientBase(ABC, Generic[Http, Transport]):
    """A SpikeGlyph client, whichever way it sends.

    Errors answered by the API raise :class:`~spikeglyph.client.SpikeGlyphAPIError`
    (``status``, ``code``, ``message``); an unreachable gateway raises
    :class:`~spikeglyph.client.SpikeGlyphConnectionError`. ``retry`` says how the calls that may
    safely be repeated are retried on 429, 503 and lost connections
    (:class:`~spikeglyph.client.RetryPolicy`); ``transport`` replaces
    httpx's network transport (a mock in tests, say).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: Transport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.api_key = api_key
        self.retry = retry
        self._http: Http = self._open(base_url.rstrip("/"), timeout, transport)

    @abstractmethod
    def _open(self, base_url: str, timeout: float, transport: Transport | None) -> Http:
        """The httpx client this one sends through."""

    def _request(self, call: calls.Call[Any]) -> httpx.Request:
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

    # --- predictions --------------------------------------------------------------------------
    predict = Endpoint(calls.predict)
    predict_batch = Endpoint(calls.predict_batch)
    predict_whatif = Endpoint(calls.predict_whatif)
    feedback = Endpoint(calls.feedback)
    # --- jobs ---------------------------------------------------------------------------------
    submit_job = Endpoint(calls.submit_job)
    job = Endpoint(calls.job)
    jobs = Endpoint(calls.jobs)
    cancel_job = Endpoint(calls.cancel_job)
    # --- models -------------------------------------------------------------------------------
    models = Endpoint(calls.models)
    active_model = Endpoint(calls.active_model)
    activate = Endpoint(calls.activate)
    rollback = Endpoint(calls.rollback)
    publish = Endpoint(calls.publish)
