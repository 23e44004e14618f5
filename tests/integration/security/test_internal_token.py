"""Service-to-service security: the internal token between gateway and inference, and Redis
behind a password that every client takes from SPIKEGLYPH_REDIS_URL."""

from __future__ import annotations

import httpx
import pytest
import redis as redis_lib
from PIL import Image

from tests.integration.security.conftest import INTERNAL_TOKEN
from tests.support.hostile_images import digit_array, encode
from tests.support.procs import ServiceProcess, free_port, wait_http_ok, wait_until
from tests.support.stack import API_KEY, BIN, Stack

pytestmark = pytest.mark.integration

DIGIT = encode(Image.fromarray(digit_array()), "PNG")
PNG = {"content-type": "image/png"}


def test_predictions_through_the_gateway_carry_the_token(http: httpx.Client) -> None:
    answer = http.post("/api/v1/predict", content=DIGIT, headers=PNG)
    assert answer.status_code == 200, answer.text
    assert answer.json()["digit"] in range(10)


@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {INTERNAL_TOKEN[:-1]}", f"Bearer {INTERNAL_TOKEN.upper()}"],
    ids=["none", "short", "other"],
)
def test_a_replica_refuses_a_caller_without_the_token(
    secured: Stack, authorization: str | None
) -> None:
    headers = {**PNG, **({"Authorization": authorization} if authorization else {})}
    answer = httpx.post(f"{secured.replicas[0].url}/v1/predict", content=DIGIT, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_internal_token"


def test_a_replica_serves_the_token_and_keeps_probes_open(secured: Stack) -> None:
    replica = secured.replicas[0].url
    headers = {**PNG, "Authorization": f"Bearer {INTERNAL_TOKEN}"}
    answer = httpx.post(f"{replica}/v1/predict", content=DIGIT, headers=headers)
    assert answer.status_code == 200, answer.text
    for path in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(f"{replica}{path}").status_code == 200, path


def test_a_gateway_with_another_token_answers_503_and_never_relays_the_401(
    secured: Stack,
) -> None:
    port = free_port()
    env = {
        "SPIKEGLYPH_REDIS_URL": secured.redis_url,
        "SPIKEGLYPH_ARTIFACTS_DIR": str(secured.artifacts_dir),
        "SPIKEGLYPH_ENVIRONMENT": "test",
        "SPIKEGLYPH_INFERENCE_URLS": secured.replicas[0].url,
        "SPIKEGLYPH_API_KEYS": API_KEY,
        "SPIKEGLYPH_INTERNAL_TOKEN": "f" * 32,
    }
    gateway = ServiceProcess(
        [str(BIN / "spikeglyph-gateway"), "--host", "127.0.0.1", "--port", str(port)],
        env,
        secured.root / "logs" / "gateway-other-token.log",
    ).start()
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", timeout=60)
        answer = httpx.post(f"http://127.0.0.1:{port}/api/v1/predict", content=DIGIT, headers=PNG)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "inference_unavailable"
        assert "Retry-After" in answer.headers
        assert "refused the internal token" in gateway.log()
    finally:
        gateway.stop()


def test_redis_refuses_a_client_without_the_password(secured: Stack) -> None:
    assert secured.redis is not None
    anonymous = redis_lib.Redis(host="127.0.0.1", port=secured.redis.port)
    with pytest.raises(redis_lib.AuthenticationError):
        anonymous.ping()
    anonymous.close()


def test_worker_and_gateway_reach_the_queue_through_the_password_in_the_url(
    secured: Stack, http: httpx.Client
) -> None:
    secured.start_worker()
    params = {"kind": "evaluate", "params": {"max_samples": 10}}
    job = http.post("/api/v1/jobs", json=params, headers={"X-API-Key": API_KEY})
    assert job.status_code == 202, job.text
    job_id = job.json()["job_id"]

    def finished() -> bool:
        state = http.get(f"/api/v1/jobs/{job_id}").json()["state"]
        return state in ("succeeded", "failed")

    wait_until(finished, 120, "the worker to run the evaluation", interval=0.5)
    record = http.get(f"/api/v1/jobs/{job_id}").json()
    assert record["state"] == "succeeded", record
    assert 0.0 <= record["result"]["accuracy"] <= 1.0
