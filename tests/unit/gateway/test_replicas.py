"""Replica choice and failover, against in-memory transports (no sockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Unpack
from urllib.parse import urlsplit

import pytest

from spikeglyph.errors import NoReplicaAvailable
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


class FakeDns:
    """``names[host]`` → addresses; a missing name fails like an unknown host."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host not in self.names:
            raise OSError(f"unknown host {host}")
        return self.names[host]


def dns_pool(urls: list[str], dns: FakeDns) -> ReplicaPool:
    return ReplicaPool(urls, FakeTransport(lambda host: answer(200)), resolve=dns)


def test_a_scaled_service_name_becomes_one_replica_per_address() -> None:
    dns = FakeDns({"inference": ["10.0.0.2", "10.0.0.3"]})
    pool = dns_pool(["http://inference:8001", "http://127.0.0.1:9000"], dns)
    asyncio.run(pool.refresh())
    assert [r.url for r in pool.replicas] == [
        "http://10.0.0.2:8001",
        "http://10.0.0.3:8001",
        "http://127.0.0.1:9000",
    ]
    assert dns.asked == ["inference"]  # addresses are never resolved
    busy = pool.replicas[1]
    busy.inflight, busy.ready = 3, False

    dns.names["inference"] = ["10.0.0.3", "10.0.0.4", "10.0.0.5"]  # scaled: one gone, two new
    asyncio.run(pool.refresh())
    urls = [r.url for r in pool.replicas]
    assert urls == [
        "http://10.0.0.3:8001",
        "http://10.0.0.4:8001",
        "http://10.0.0.5:8001",
        "http://127.0.0.1:9000",
    ]
    assert pool.replicas[0] is busy and busy.inflight == 3 and not busy.ready  # state kept


def test_an_unresolvable_name_keeps_its_last_replicas_or_itself() -> None:
    dns = FakeDns({})
    pool = dns_pool(["http://inference:8001"], dns)
    asyncio.run(pool.refresh())
    assert [r.url for r in pool.replicas] == ["http://inference:8001"]
    dns.names["inference"] = ["10.0.0.7"]
    asyncio.run(pool.refresh())
    assert [r.url for r in pool.replicas] == ["http://10.0.0.7:8001"]
    del dns.names["inference"]  # the DNS server hiccups: keep what was known
    asyncio.run(pool.refresh())
    assert [r.url for r in pool.replicas] == ["http://10.0.0.7:8001"]


def test_only_plain_http_names_are_expanded() -> None:
    dns = FakeDns({"inference": ["10.0.0.2"], "gpu-box": ["10.0.0.9"], "localhost": ["127.0.0.1"]})
    urls = ["https://gpu-box:8443", "http://localhost:8001", "http://[::1]:8001"]
    pool = dns_pool(urls, dns)
    asyncio.run(pool.refresh())
    assert [r.url for r in pool.replicas] == urls
    assert dns.asked == []


def test_two_names_for_one_address_make_one_replica() -> None:
    dns = FakeDns({"a": ["10.0.0.2"], "b": ["10.0.0.2"]})
    pool = dns_pool(["http://a:8001", "http://b:8001"], dns)
    asyncio.run(pool.refresh())
    assert [r.url for r in pool.replicas] == ["http://10.0.0.2:8001"]


def test_the_real_resolver_finds_this_machine() -> None:
    from spikeglyph_gateway.replicas import resolve_ipv4

    assert "127.0.0.1" in asyncio.run(resolve_ipv4("localhost"))


def test_a_replica_refusing_the_internal_token_is_skipped_and_never_relayed() -> None:
    def handler(host: str) -> Upstream:
        if host == "other-token":
            return answer(401, {"error": {"code": "invalid_internal_token", "message": "no"}})
        return answer(200, {"ok": True})

    pool = pool_with(handler, ["http://other-token", "http://right-token"])
    assert all(send(pool).status_code == 200 for _ in range(4))
    assert pool.replicas[0].failures >= 1


def test_when_every_replica_refuses_the_token_the_caller_gets_a_503() -> None:
    pool = pool_with(lambda host: answer(401, {}), ["http://a", "http://b"])
    with pytest.raises(NoReplicaAvailable) as caught:
        send(pool)
    assert "internal token" in caught.value.message
