"""API keys, rate limits, security headers, CORS, the uniform error body, weak-key refusal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.gateway.stack import Gateway, start_gateway
from tests.integration.gateway.test_predict import PNG
from tests.support.procs import RedisServer

pytestmark = pytest.mark.integration

TRAIN = {"kind": "train", "params": {"epochs": 1, "max_samples": 1000}}


def protected_calls(http: httpx.Client, key: dict[str, str]) -> list[tuple[str, httpx.Request]]:
    job_id = http.post("/api/v1/jobs", json=TRAIN, headers=key).json()["job_id"]
    return [
        ("submit", http.build_request("POST", "/api/v1/jobs", json=TRAIN)),
        ("cancel", http.build_request("DELETE", f"/api/v1/jobs/{job_id}")),
        ("activate", http.build_request("POST", "/api/v1/models/some-version/activate")),
        ("rollback", http.build_request("POST", "/api/v1/models/rollback")),
    ]


def test_every_protected_route_wants_the_right_key(http: httpx.Client, key: dict[str, str]) -> None:
    for name, request in protected_calls(http, key):
        missing = http.send(request)
        assert missing.status_code == 401, name
        assert missing.json()["error"]["code"] == "missing_api_key"
        request.headers["X-API-Key"] = "k3y-for-tests-0123456789abcdeX"
        wrong = http.send(request)
        assert wrong.status_code == 403, name
        assert wrong.json()["error"]["code"] == "invalid_api_key"
        request.headers["X-API-Key"] = key["X-API-Key"]
        right = http.send(request)
        # Past the key check: what is left is the route's own answer.
        assert right.status_code in {200, 202, 404}, (name, right.text)


def test_the_second_configured_key_works_too(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/jobs", json=TRAIN, headers={"X-API-Key": "second-key-abcdef0123456789"}
    )
    assert response.status_code == 202


def test_answers_carry_security_headers_and_a_request_id(http: httpx.Client) -> None:
    for response in (http.get("/healthz"), http.get("/nope"), http.get("/")):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer"
        assert len(headers["x-request-id"]) >= 16


def test_unknown_route_answers_the_uniform_error_body(http: httpx.Client) -> None:
    response = http.get("/api/v1/nothing-here")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["request_id"] == response.headers["x-request-id"]


def test_validation_errors_are_uniform_422(http: httpx.Client, key: dict[str, str]) -> None:
    response = http.post("/api/v1/jobs", json={"kind": "dance"}, headers=key)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert "Traceback" not in response.text


def test_cors_allows_only_the_configured_origins(http: httpx.Client) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = http.options(
        "/api/v1/predict", headers={"Origin": "http://allowed.example", **preflight}
    )
    refused = http.options(
        "/api/v1/predict", headers={"Origin": "http://evil.example", **preflight}
    )
    assert allowed.headers["access-control-allow-origin"] == "http://allowed.example"
    assert "access-control-allow-origin" not in refused.headers


def test_rate_limits_trip_with_429_and_retry_after(
    tmp_path: Path, redis_server: RedisServer, stack: Gateway
) -> None:
    gateway = start_gateway(
        tmp_path,
        redis_server.url,
        stack.replicas,
        env={
            "SPIKEGLYPH_RATE_LIMIT_FEEDBACK": json.dumps({"per_minute": 6, "burst": 2}),
            "SPIKEGLYPH_RATE_LIMIT_JOBS": json.dumps({"per_minute": 6, "burst": 2}),
            "SPIKEGLYPH_RATE_LIMIT_PREDICT": json.dumps({"per_minute": 60, "burst": 3}),
        },
    )
    key = {"X-API-Key": "k3y-for-tests-0123456789abcdef"}
    try:
        with httpx.Client(base_url=gateway.url, timeout=10) as http:
            jobs = [http.post("/api/v1/jobs", json=TRAIN, headers=key) for _ in range(3)]
            feedback = [
                http.post(
                    "/api/v1/feedback",
                    files={"file": ("d.png", PNG, "image/png")},
                    data={"label": "7"},
                )
                for _ in range(3)
            ]
            predictions = [
                http.post("/api/v1/predict", content=PNG, headers={"Content-Type": "image/png"})
                for _ in range(4)
            ]
    finally:
        gateway.process.stop()
    for responses in (jobs, feedback, predictions):
        *allowed, refused = responses
        assert all(r.status_code in (200, 202) for r in allowed), [r.text for r in allowed]
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1


def test_weak_keys_stop_a_production_gateway(redis_server: RedisServer) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SPIKEGLYPH_ENVIRONMENT": "production",
        "SPIKEGLYPH_API_KEYS": "changeme",
        "SPIKEGLYPH_REDIS_URL": redis_server.url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "spikeglyph_gateway.main", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "weak key" in result.stderr
