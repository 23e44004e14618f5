"""Operations: health, readiness, metrics, the OpenAPI document, docs and the frontend."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import schemathesis

from tests.integration.gateway.stack import API_KEY, Gateway

pytestmark = pytest.mark.integration


def test_health_and_readiness(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["redis"] is True and all(ready.json()["replicas"].values())


def test_metrics_count_requests_by_route(http: httpx.Client) -> None:
    http.get("/api/v1/jobs")
    text = http.get("/metrics").text
    assert (
        'spikeglyph_gateway_requests_total{method="GET",route="/api/v1/jobs",status="200"}' in text
    )
    assert "spikeglyph_gateway_replicas_ready 2.0" in text


def test_metric_labels_stay_bounded_whatever_paths_are_requested(http: httpx.Client) -> None:
    """Unknown paths fall through to the frontend's mount: they must share one route label,
    or anyone could grow /metrics (and the gateway's memory) without limit."""
    for n in range(3):
        http.get(f"/no-such-page-{n}")
        http.get(f"/api/v1/no-such-route-{n}")
    http.get("/css/app.css")
    text = http.get("/metrics").text
    assert "no-such" not in text
    assert "/css/app.css" not in text
    assert 'route="unmatched"' in text or 'route="frontend"' in text


def test_openapi_document_is_valid_and_every_route_has_an_example(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    schemathesis.openapi.from_dict(document).validate()  # raises on an invalid document
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            contents = success.get("content", {}).values()
            assert any("example" in c or "examples" in c for c in contents), (method, path)


def test_every_schema_reference_resolves(http: httpx.Client) -> None:
    text = http.get("/openapi.json").text
    schemas = http.get("/openapi.json").json()["components"]["schemas"]
    for name in re.findall(r'"#/components/schemas/([^"]+)"', text):
        assert name in schemas, name


def test_docs_page_is_served(http: httpx.Client) -> None:
    response = http.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()


def test_frontend_is_served_with_caching_headers(http: httpx.Client) -> None:
    index = http.get("/")
    script = http.get("/app.js")
    icon = http.get("/icon.svg")
    assert index.status_code == 200 and "SpikeGlyph" in index.text
    # Code is revalidated on every load (a new release never runs half old); media is cached.
    assert index.headers["cache-control"] == script.headers["cache-control"] == "no-cache"
    assert icon.status_code == 200 and "max-age" in icon.headers["cache-control"]
    again = http.get("/app.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    assert http.get("/api/v1/models").headers["content-type"] == "application/json"


@pytest.mark.slow
def test_generated_requests_never_cause_a_server_error(stack: Gateway) -> None:
    """Property-based requests from the OpenAPI document (schemathesis), with a valid key."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{stack.url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "3",
            "--phases",
            "fuzzing",
            "--exclude-path-regex",
            "/events$",
            "-H",
            f"X-API-Key: {API_KEY}",
            "--seed",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:]
