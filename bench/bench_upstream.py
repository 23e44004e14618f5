"""CPU per keep-alive HTTP request of the Python clients the gateway could relay with.

The gateway spends most of its own work per prediction in its client to the inference replica,
and the benchmark load generators share the CPUs with what they measure; this compares httpx
(``AsyncClient``) and aiohttp (``ClientSession``) POSTing a digit-sized PNG body to a minimal
uvicorn app in another process, one request at a time over one kept-alive connection, and
reports the client process's CPU time per request (user + system) and the wall time.

    .venv/bin/python bench/bench_upstream.py [--requests 3000] [--out docs/bench/upstream.json]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time
from typing import Any

from _common import add_out_argument, emit

BODY = b"\x89PNG\r\n\x1a\n" + bytes(300)


async def tiny_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the body and answers a short JSON document, like a compact prediction."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b'{"digit": 7, "confidence": 0.99}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def with_httpx(url: str, count: int) -> tuple[float, float]:
    import httpx

    async with httpx.AsyncClient() as client:
        await client.post(url, content=BODY)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            (await client.post(url, content=BODY)).raise_for_status()
        return time.perf_counter() - wall, time.process_time() - cpu


async def with_aiohttp(url: str, count: int) -> tuple[float, float]:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=BODY) as response:
            await response.read()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            async with session.post(url, data=BODY) as response:
                response.raise_for_status()
                await response.read()
        return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    add_out_argument(parser, "upstream")
    args = parser.parse_args()
    if args.serve:
        import uvicorn

        uvicorn.run(tiny_app, host="127.0.0.1", port=args.serve, log_level="warning")
        return
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        results = {}
        for name, client in (("httpx", with_httpx), ("aiohttp", with_aiohttp)):
            wall, cpu = asyncio.run(client(url, args.requests))
            results[name] = {
                "client_cpu_ms_per_request": round(cpu * 1000 / args.requests, 3),
                "wall_ms_per_request": round(wall * 1000 / args.requests, 3),
            }
    finally:
        server.terminate()
        server.wait(10)
    emit("upstream", {"requests": args.requests, "body_bytes": len(BODY), **results}, args.out)


if __name__ == "__main__":
    main()
