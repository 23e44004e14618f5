"""The gateway's HTTP client for its inference replicas.

Every prediction crosses it, so it is chosen for CPU cost: aiohttp's client spends a fraction
of what httpx does per keep-alive request on loopback (measured by ``bench/bench_upstream.py``,
figures in docs/BENCHMARKS.md), and the client was the largest share of the gateway's own work
per prediction.
httpx stays the client of :mod:`spikeglyph.client`, where a person's convenience matters more.

The transport answers an :class:`Upstream` (status, lower-case headers, the whole body) or
raises :class:`UpstreamUnreachable` (refused, reset, timed out: try another replica) or
:class:`UpstreamBusy` (this gateway's own connection budget is spent: no replica is to blame).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, Unpack

import aiohttp


@dataclass(frozen=True)
class Upstream:
    """A replica's whole answer."""

    status_code: int
    headers: Mapping[str, str]  # lower-case names
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class UpstreamUnreachable(Exception):
    """The replica could not be reached or dropped the connection (worth another replica)."""


class UpstreamBusy(Exception):
    """Every connection this gateway may open is in use for longer than the request timeout."""


class RequestOptions(TypedDict, total=False):
    """``content`` (the body), ``headers``, ``params`` (the query), ``timeout_s`` (None: the
    transport's request timeout)."""

    content: bytes
    headers: Mapping[str, str] | None
    params: Mapping[str, str] | None
    timeout_s: float | None


class Transport(Protocol):
    async def request(
        self, method: str, url: str, **options: Unpack[RequestOptions]
    ) -> Upstream: ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """Pooled keep-alive connections to every replica, at most ``max_connections`` at once.

    ``headers`` go with every request, probes included: the internal token lives here once
    rather than in each route that calls a replica.

    The connection budget is a semaphore of our own: waiting for it longer than the request
    timeout is :class:`UpstreamBusy`, distinct from a replica failing to accept a connection.
    """

    def __init__(
        self,
        *,
        request_timeout_s: float,
        connect_timeout_s: float,
        max_connections: int,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._headers = dict(headers or {})  # sent with every request (the internal token)
        self._request_timeout_s = request_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._slots = asyncio.Semaphore(max_connections)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made lazily, inside the running loop (aiohttp binds a session to its loop).
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections, force_close=False),
                auto_decompress=False,
                headers=self._headers,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return self._session

    async def request(self, method: str, url: str, **options: Unpack[RequestOptions]) -> Upstream:
        timeout_s = options.get("timeout_s")
        total = timeout_s if timeout_s is not None else self._request_timeout_s
        content = options.get("content", b"")
        try:
            async with asyncio.timeout(total):
                await self._slots.acquire()
        except TimeoutError:
            raise UpstreamBusy("no upstream connection became free in time") from None
        try:
            timeout = aiohttp.ClientTimeout(total=total, sock_connect=self._connect_timeout_s)
            async with self._open().request(
                method,
                url,
                data=content if content else None,
                headers=dict(options.get("headers") or {}),
                params=dict(options.get("params") or {}),
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return Upstream(
                    response.status,
                    {name.lower(): value for name, value in response.headers.items()},
                    body,
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamUnreachable(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
