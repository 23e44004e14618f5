"""Replica choice and failover, against in-memory transports (no sockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Unpack
from urllib.parse import urlsplit

import pytest

from spikeglyph_gateway.errors import NoReplicaAvailable
from spikeglyph_gateway.replicas import ReplicaPool
from spikeglyph_gateway.upstream import (
    RequestOptions,
    Upstream,
    UpstreamBusy,
    UpstreamUnreachable,
)


def answer(status: int, body: Any = None) -> Upstream:
    content = b"" if body is None else json.dumps(body).encode()
    return Upstream(status, {"content-type": "application/json"}, content)


class FakeTransport:
    """Calls ``handler(host)`` for every request; it returns an answer or raises."""

    def __init__(self, handler: Callable[[str], Upstream]) -> None:
        self.handler = handler

    async def request(self, method: str, url: str, **options: Unpack[RequestOptions]) -> Upstream:
        return self.handler(urlsplit(url).hostname or "")

    async def aclose(self) -> None:
        return None


def pool_with(handler: Callable[[str], Upstream], urls: list[str]) -> ReplicaPool:
    return ReplicaPool(urls, FakeTransport(handler))


def send(pool: ReplicaPool) -> Upstream:
    return asyncio.run(pool.send("POST", "/v1/predict", content=b"img", headers={}, params={}))


def test_a_dead_replica_is_skipped_and_the_request_still_answered() -> None:
    seen: list[str] = []

    def handler(host: str) -> Upstream:
        seen.append(host)
        if host == "dead":
            raise UpstreamUnreachable("connection refused")
        return answer(200, {"ok": True})

    pool = pool_with(handler, ["http://dead", "http://alive"])
    assert all(send(pool).status_code == 200 for _ in range(4))
    assert not pool.replicas[0].ready  # later requests go to the live one first
    assert seen.count("dead") == 1


def test_a_replica_answering_503_is_retried_elsewhere() -> None:
    def handler(host: str) -> Upstream:
        if host == "busy":
            return answer(503, {"error": {"code": "overloaded", "message": "x"}})
        return answer(200, {"ok": True})

    pool = pool_with(handler, ["http://busy", "http://free"])
    assert [send(pool).status_code for _ in range(3)] == [200, 200, 200]


def test_client_errors_are_not_retried() -> None:
    calls: list[str] = []

    def handler(host: str) -> Upstream:
        calls.append(host)
        return answer(415, {"error": {"code": "unsupported_media_type"}})

    pool = pool_with(handler, ["http://a", "http://b"])
    assert send(pool).status_code == 415
    assert len(calls) == 1


def test_every_replica_down_raises_503_with_retry_after() -> None:
    def handler(host: str) -> Upstream:
        raise UpstreamUnreachable("refused")

    pool = pool_with(handler, ["http://a", "http://b"])
    with pytest.raises(NoReplicaAvailable) as caught:
        send(pool)
    assert caught.value.status == 503 and caught.value.headers["Retry-After"] == "1"


def test_every_replica_failing_passes_the_last_answer_through() -> None:
    def handler(host: str) -> Upstream:
        return answer(500, {"error": {"code": "internal_error", "message": "x"}})

    pool = pool_with(handler, ["http://a", "http://b"])
    assert send(pool).status_code == 500


def test_ready_least_loaded_replicas_come_first_and_ties_rotate() -> None:
    pool = pool_with(lambda host: answer(200), ["http://a", "http://b", "http://c"])
    pool.replicas[2].ready = False
    firsts = {pool.order()[0].url for _ in range(6)}
    assert firsts == {"http://a", "http://b"}
    pool.replicas[0].inflight = 5
    assert pool.order()[0].url == "http://b"
    assert pool.order()[-1].url == "http://c"


def test_probe_marks_replicas_by_their_readyz() -> None:
    def handler(host: str) -> Upstream:
        return answer(200 if host == "up" else 503)

    pool = pool_with(handler, ["http://up", "http://down"])
    asyncio.run(pool.probe_all())
    assert [r.ready for r in pool.replicas] == [True, False]
    assert pool.any_ready()


def test_an_exhausted_connection_pool_does_not_blame_the_replicas() -> None:
    def handler(host: str) -> Upstream:
        raise UpstreamBusy("no connection available")

    pool = pool_with(handler, ["http://a", "http://b"])
    with pytest.raises(NoReplicaAvailable):
        send(pool)
    assert all(replica.ready for replica in pool.replicas)
