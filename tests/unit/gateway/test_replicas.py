"""Replica choice and failover, against in-memory transports (no sockets)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from spikeglyph_gateway.errors import NoReplicaAvailable
from spikeglyph_gateway.replicas import ReplicaPool


def pool_with(handler: httpx.MockTransport, urls: list[str]) -> ReplicaPool:
    return ReplicaPool(urls, httpx.AsyncClient(transport=handler))


def send(pool: ReplicaPool) -> httpx.Response:
    return asyncio.run(pool.send("POST", "/v1/predict", content=b"img", headers={}, params={}))


def test_a_dead_replica_is_skipped_and_the_request_still_answered() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "dead":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"ok": True})

    pool = pool_with(httpx.MockTransport(handler), ["http://dead", "http://alive"])
    assert all(send(pool).status_code == 200 for _ in range(4))
    assert not pool.replicas[0].ready  # later requests go to the live one first
    assert seen.count("dead") == 1


def test_a_replica_answering_503_is_retried_elsewhere() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "busy":
            return httpx.Response(503, json={"error": {"code": "overloaded", "message": "x"}})
        return httpx.Response(200, json={"ok": True})

    pool = pool_with(httpx.MockTransport(handler), ["http://busy", "http://free"])
    assert [send(pool).status_code for _ in range(3)] == [200, 200, 200]


def test_client_errors_are_not_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        return httpx.Response(415, json={"error": {"code": "unsupported_media_type"}})

    pool = pool_with(httpx.MockTransport(handler), ["http://a", "http://b"])
    assert send(pool).status_code == 415
    assert len(calls) == 1


def test_every_replica_down_raises_503_with_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    pool = pool_with(httpx.MockTransport(handler), ["http://a", "http://b"])
    with pytest.raises(NoReplicaAvailable) as caught:
        send(pool)
    assert caught.value.status == 503 and caught.value.headers["Retry-After"] == "1"


def test_every_replica_failing_passes_the_last_answer_through() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": {"code": "internal_error", "message": "x"}})

    pool = pool_with(httpx.MockTransport(handler), ["http://a", "http://b"])
    assert send(pool).status_code == 500


def test_ready_least_loaded_replicas_come_first_and_ties_rotate() -> None:
    pool = ReplicaPool(["http://a", "http://b", "http://c"], httpx.AsyncClient())
    pool.replicas[2].ready = False
    firsts = {pool.order()[0].url for _ in range(6)}
    assert firsts == {"http://a", "http://b"}
    pool.replicas[0].inflight = 5
    assert pool.order()[0].url == "http://b"
    assert pool.order()[-1].url == "http://c"


def test_probe_marks_replicas_by_their_readyz() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.host == "up" else 503)

    pool = pool_with(httpx.MockTransport(handler), ["http://up", "http://down"])
    asyncio.run(pool.probe_all())
    assert [r.ready for r in pool.replicas] == [True, False]
    assert pool.any_ready()


def test_an_exhausted_connection_pool_does_not_blame_the_replicas() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.PoolTimeout("no connection available", request=request)

    pool = pool_with(httpx.MockTransport(handler), ["http://a", "http://b"])
    with pytest.raises(NoReplicaAvailable):
        send(pool)
    assert all(replica.ready for replica in pool.replicas)
