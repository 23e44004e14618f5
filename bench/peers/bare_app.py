"""The ceiling: an ASGI app that reads the whole request body and answers a constant JSON.

No decoding, no model, no framework: what uvicorn itself costs per request on this machine,
served with the same settings as the SpikeGlyph services (one process, uvloop, httptools,
access log off). Run by ``bench/bench_peers.py`` with the product's own uvicorn:
``python bench/peers/bare_app.py PORT``.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

ANSWER = b'{"digit":7,"confidence":1.0}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # the whole multipart body, as a real service must read it
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_config=None,
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
