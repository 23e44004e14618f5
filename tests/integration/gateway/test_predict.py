"""Predictions through the gateway: every body form, errors passed through, limits, latency."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.integration.gateway.stack import Gateway

pytestmark = pytest.mark.integration

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAATUlEQVR42s3QMQ4AIAhDUcr974wTiQXKjJPx52HU7NhCbmI49"
    "ZHEFlHGEtvGpnB1n5KQ8X+SL7BF+gtfYI0Eu4SMDJuEjAVWCRnDrq8HgOgKI18J0GgAAAAASUVORK5CYII="
)


def test_multipart_upload_is_answered_with_gateway_latency(http: httpx.Client) -> None:
    response = http.post("/api/v1/predict", files={"file": ("d.png", PNG, "image/png")})
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "multipart" and body["digit"] == 7
    latency = body["latency_ms"]
    assert latency["gateway"] >= 0
    assert latency["total"] == pytest.approx(1.0 + latency["gateway"], abs=1e-3)


def test_server_timing_adds_the_gateway_s_own_time_to_the_replica_s(http: httpx.Client) -> None:
    response = http.post("/api/v1/predict?compact=true", content=PNG,
                         headers={"Content-Type": "image/png"})  # fmt: skip
    entries = dict(
        (part.split(";dur=")[0].strip(), float(part.split(";dur=")[1]))
        for part in response.headers["server-timing"].split(",")
    )
    assert list(entries)[:3] == ["gw-read", "gw-upstream", "gw-json"]
    assert entries["compute"] == 0.002 and entries["app"] == 0.01  # the replica's, relayed
    # the replica's time is inside the gateway's wait for it (the fake claims 10 µs, less than
    # any real round trip, so the check holds on any machine)
    assert entries["gw-upstream"] >= entries["app"] - 1e-6
    assert all(value >= 0 for value in entries.values())


def test_raw_image_body_and_json_data_url_reach_the_replica(http: httpx.Client) -> None:
    raw = http.post("/api/v1/predict", content=PNG, headers={"Content-Type": "image/png"})
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    as_json = http.post("/api/v1/predict", json={"image": data_url})
    assert raw.status_code == 200 and raw.json()["label"] == "raw"
    assert as_json.status_code == 200 and as_json.json()["label"] == "json"


def test_compact_flag_is_forwarded(http: httpx.Client) -> None:
    full = http.post("/api/v1/predict", content=PNG, headers={"Content-Type": "image/png"})
    compact = http.post(
        "/api/v1/predict?compact=true", content=PNG, headers={"Content-Type": "image/png"}
    )
    assert full.json()["input"] is not None
    assert compact.json()["input"] is None


def test_batch_keeps_one_result_per_file(http: httpx.Client) -> None:
    files = [("files", (f"{i}.png", PNG, "image/png")) for i in range(3)]
    response = http.post("/api/v1/predict/batch", files=files)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    assert all(result["latency_ms"]["gateway"] is not None for result in results)


def test_replica_errors_come_back_unchanged(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/predict", content=b"NOT-AN-IMAGE", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_request_id_travels_to_the_replica_and_back(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/predict",
        content=PNG,
        headers={"Content-Type": "image/png", "X-Request-ID": "trace-abc-123"},
    )
    assert response.headers["x-request-id"] == "trace-abc-123"


def test_upload_over_the_limit_is_refused_with_413(http: httpx.Client) -> None:
    too_big = b"\0" * (1024 * 1024 + 1)
    declared = http.post("/api/v1/predict", content=too_big, headers={"Content-Type": "image/png"})
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit must trip while the bytes stream in
        for _ in range(20):
            yield b"\0" * (128 * 1024)

    streamed = http.post("/api/v1/predict", content=chunks(), headers={"Content-Type": "image/png"})
    assert streamed.status_code == 413


def test_predict_is_not_rate_limited_by_default(http: httpx.Client) -> None:
    statuses = {
        http.post("/api/v1/predict", content=PNG, headers={"Content-Type": "image/png"}).status_code
        for _ in range(150)
    }
    assert statuses == {200}


def test_both_replicas_share_the_load(http: httpx.Client) -> None:
    versions = {
        http.post("/api/v1/predict", content=PNG, headers={"Content-Type": "image/png"}).json()[
            "model_version"
        ]
        for _ in range(20)
    }
    assert versions == {"replica-a", "replica-b"}


def test_all_replicas_down_is_a_503_with_retry_after(stack: Gateway, tmp_path) -> None:
    from tests.integration.gateway.stack import start_gateway
    from tests.support.procs import free_port

    dead = [f"http://127.0.0.1:{free_port()}"]
    gateway = start_gateway(tmp_path, stack.redis_url, [], inference_urls=dead)
    try:
        response = httpx.post(
            f"{gateway.url}/api/v1/predict", content=PNG, headers={"Content-Type": "image/png"}
        )
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "inference_unavailable"
        assert int(response.headers["retry-after"]) >= 1
        assert httpx.get(f"{gateway.url}/readyz").status_code == 503
    finally:
        gateway.stop()
