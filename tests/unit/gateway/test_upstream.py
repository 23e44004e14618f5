"""The gateway's replica client against a real loopback server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from spikeglyph_gateway.upstream import AiohttpTransport, UpstreamBusy, UpstreamUnreachable

Case = Callable[[str, list[int]], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _serve(case: Case) -> None:
    peers: list[int] = []

    async def echo(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])  # type: ignore[union-attr]
        body = await request.read()
        return web.Response(
            status=201,
            body=body + b"|" + request.query_string.encode(),
            headers={"X-Seen-Type": request.content_type, "Retry-After": "3"},
        )

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await case(f"http://127.0.0.1:{port}", peers)
    finally:
        await runner.cleanup()


def run(case: Case) -> None:
    asyncio.run(_serve(case))


def transport(**overrides: Any) -> AiohttpTransport:
    settings = {"request_timeout_s": 5.0, "connect_timeout_s": 1.0, "max_connections": 4}
    return AiohttpTransport(**{**settings, **overrides})


def test_status_headers_body_and_query_are_relayed_over_one_kept_alive_connection() -> None:
    async def case(url: str, peers: list[int]) -> None:
        client = transport()
        try:
            for _ in range(3):
                answer = await client.request(
                    "POST",
                    f"{url}/echo",
                    content=b"png-bytes",
                    headers={"content-type": "image/png"},
                    params={"compact": "true"},
                )
                assert answer.status_code == 201
                assert answer.content == b"png-bytes|compact=true"
                assert answer.headers["x-seen-type"] == "image/png"
                assert answer.headers["retry-after"] == "3"
        finally:
            await client.aclose()
        assert len(peers) == 3 and len(set(peers)) == 1

    run(case)


def test_a_refused_connection_is_unreachable() -> None:
    async def main() -> None:
        client = transport()
        try:
            with pytest.raises(UpstreamUnreachable):
                await client.request("GET", f"http://127.0.0.1:{free_port()}/readyz")
        finally:
            await client.aclose()

    asyncio.run(main())


def test_a_replica_slower_than_the_timeout_is_unreachable() -> None:
    async def case(url: str, peers: list[int]) -> None:
        client = transport()
        try:
            with pytest.raises(UpstreamUnreachable):
                await client.request("GET", f"{url}/slow", timeout_s=0.1)
        finally:
            await client.aclose()

    run(case)


def test_a_spent_connection_budget_is_busy_not_unreachable() -> None:
    async def case(url: str, peers: list[int]) -> None:
        client = transport(max_connections=1, request_timeout_s=0.3)
        try:
            first = asyncio.ensure_future(client.request("GET", f"{url}/slow", timeout_s=2.0))
            await asyncio.sleep(0.05)
            with pytest.raises(UpstreamBusy):
                await client.request("GET", f"{url}/slow")
            assert (await first).content == b"late"
        finally:
            await client.aclose()

    run(case)
