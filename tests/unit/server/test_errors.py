"""The uniform error body (spikeglyph.server) on a small app of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from spikeglyph.errors import (
    BlankImage,
    ChecksumMismatch,
    InvalidModel,
    ModelNotFound,
    RegistryUnavailable,
    ServiceOverloaded,
)
from spikeglyph.server.body_limit import BodySizeLimitMiddleware
from spikeglyph.server.errors import install_error_handlers


class Item(BaseModel):
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=1000)

    @app.get("/missing")
    async def missing() -> None:
        raise ModelNotFound("no model v9")

    @app.get("/busy")
    async def busy() -> None:
        raise ServiceOverloaded("queue full", retry_after_s=3)

    @app.get("/redis-down")
    async def redis_down() -> None:
        raise RegistryUnavailable("redis is down")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals at /srv/app.py line 42")

    @app.post("/items")
    async def items(item: Item) -> Item:
        return item

    @app.post("/form")
    async def form(request: Request) -> dict[str, int]:
        data = await request.form()
        return {"fields": len(data)}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return app


def _call(method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(main())


def test_domain_errors_map_to_status_and_code() -> None:
    response = _call("GET", "/missing", headers={"X-Request-ID": "abc-1"})
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "model_not_found", "message": "no model v9", "request_id": "abc-1"}
    }
    # a subclass that declares no status answers like its parent
    assert ChecksumMismatch("x").status == InvalidModel("x").status == 422
    assert BlankImage("x").status == 400


def test_overload_carries_retry_after() -> None:
    response = _call("GET", "/busy")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"
    assert response.json()["error"]["code"] == "overloaded"


def test_a_domain_503_carries_retry_after_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="spikeglyph.server.errors"):
        response = _call("GET", "/redis-down")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "registry_unavailable"
    assert "registry_unavailable: redis is down" in caplog.text


def test_an_overload_refusal_is_not_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="spikeglyph.server.errors"):
        _call("GET", "/busy")
    assert not caplog.records


def test_unknown_route_and_wrong_method_use_the_uniform_body() -> None:
    unknown = _call("GET", "/nowhere")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    wrong = _call("DELETE", "/missing")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_validation_errors_are_422_without_echoing_input() -> None:
    response = _call("POST", "/items", json={"name": {"password": "hunter2"}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "body.name" in error["message"]
    assert "hunter2" not in response.text


def test_unexpected_errors_are_500_without_a_stack_trace() -> None:
    response = _call("GET", "/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text


def test_body_over_the_limit_is_413_declared_or_streamed() -> None:
    async def stream() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 300

    declared = _call("POST", "/echo", content=b"x" * 1001)
    streamed = _call("POST", "/echo", content=stream())
    # the multipart parser would turn the limit into a generic 400: the 413 must win
    form = _call("POST", "/form", files={"f": ("f.bin", b"y" * 3000)})
    small = _call("POST", "/echo", content=b"x" * 1000)
    for response in (declared, streamed, form):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"
    assert small.json() == {"size": 1000}
