"""With SPIKEGLYPH_INTERNAL_TOKEN set, a replica answers only callers that carry it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from spikeglyph.server.internal_token import bearer_header, token_matches

from .conftest import AppBuilder

TOKEN = "5b2f0c9e8a7d41f3b6c2e9a0d4f7b1c8"


@pytest.fixture()
def client(build_app: AppBuilder) -> TestClient:
    app, _ = build_app(internal_token=TOKEN)
    return TestClient(app)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"X-API-Key": TOKEN},
    ],
    ids=["none", "empty", "short", "long", "basic", "bare", "api-key-header"],
)
def test_a_call_without_the_right_token_is_refused_with_the_uniform_body(
    client: TestClient, headers: dict[str, str]
) -> None:
    with client:
        answer = client.get("/v1/model", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_internal_token"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in answer.text


def test_the_right_token_is_served(client: TestClient) -> None:
    with client:
        answer = client.get("/v1/model", headers=bearer_header(TOKEN))
    assert answer.status_code == 200
    assert answer.json()["version"] == "default"


def test_an_oversized_upload_without_the_token_is_refused_before_it_is_read(
    client: TestClient,
) -> None:
    with client:
        answer = client.post(
            "/v1/predict", content=b"\0" * (11 * 1024 * 1024), headers={"content-type": "image/png"}
        )
    assert answer.status_code == 401


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_metrics_stay_open_for_kubelet_and_prometheus(
    client: TestClient, path: str
) -> None:
    with client:
        assert client.get(path).status_code == 200


def test_without_a_token_configured_the_replica_is_open(build_app: AppBuilder) -> None:
    app, _ = build_app()
    with TestClient(app) as open_client:
        assert open_client.get("/v1/model").status_code == 200


def test_a_blank_variable_means_no_token(build_app: AppBuilder) -> None:
    app, _ = build_app(internal_token="  ")
    with TestClient(app) as open_client:
        assert open_client.get("/v1/model").status_code == 200


def test_token_comparison_needs_the_whole_bearer_value() -> None:
    assert token_matches(f"Bearer {TOKEN}", TOKEN)
    assert not token_matches(None, TOKEN)
    assert not token_matches(f"bearer{TOKEN}", TOKEN)


def test_a_websocket_without_the_token_is_closed_before_any_route_sees_it() -> None:
    import asyncio

    from spikeglyph.server.internal_token import InternalTokenMiddleware

    reached: list[str] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        reached.append(str(scope["type"]))

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "websocket.connect"}

    middleware = InternalTokenMiddleware(app, token=TOKEN)  # type: ignore[arg-type]
    scope = {"type": "websocket", "path": "/v1/stream", "headers": []}
    asyncio.run(middleware(scope, receive, send))  # type: ignore[arg-type]
    assert reached == [] and sent == [{"type": "websocket.close", "code": 1008}]
    asyncio.run(middleware({"type": "lifespan"}, receive, send))  # type: ignore[arg-type]
    assert reached == ["lifespan"]
