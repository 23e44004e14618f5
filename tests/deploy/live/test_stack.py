"""The Compose stack, live: healthy, predicting, training, scaling, surviving faults, keeping data.

The checks run in file order on one stack (the `stack` fixture): each builds on what the one
before left (two replicas, a trained version, a job record).
"""

from __future__ import annotations

import base64
import subprocess
import time
from typing import Any

import pytest

from tests.deploy.live.stack import SEVEN, SEVEN_DATA_URL, LiveStack

pytestmark = pytest.mark.live
TINY_TRAIN = {"dataset": "mnist", "arch": "fc", "epochs": 1, "max_samples": 200, "activate": True}


def _poll(check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        time.sleep(1)


def test_every_container_reports_healthy(stack: LiveStack) -> None:
    states = {c["Service"]: c.get("Health") for c in stack.containers()}
    assert states == {
        "redis": "healthy",
        "inference": "healthy",
        "trainer": "healthy",
        "gateway": "healthy",
    }


def test_inference_answers_only_with_the_internal_token(stack: LiveStack) -> None:
    gateway = next(c["Name"] for c in stack.containers() if c["Service"] == "gateway")
    model = "http://inference:8001/v1/model"
    token = stack.env["SPIKEGLYPH_INTERNAL_TOKEN"]
    assert stack.exec_status(gateway, model) == 401
    assert stack.exec_status(gateway, model, token="wrong-" + token) == 401
    assert stack.exec_status(gateway, model, token=token) == 200
    assert stack.exec_status(gateway, "http://inference:8001/readyz") == 200  # probes stay open


def test_the_four_predict_forms_recognise_a_drawn_seven(stack: LiveStack) -> None:
    with stack.http() as http:
        answers = [
            http.post("/api/v1/predict", files={"file": ("seven.png", SEVEN, "image/png")}),
            http.post("/api/v1/predict", content=SEVEN, headers={"Content-Type": "image/png"}),
            http.post("/api/v1/predict", json={"image": SEVEN_DATA_URL}),
            http.post("/api/v1/predict", json={"image": base64.b64encode(SEVEN).decode()}),
        ]
        batch = http.post(
            "/api/v1/predict/batch",
            files=[("files", ("a.png", SEVEN)), ("files", ("b.png", SEVEN))],
        )
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.json()["digit"] == 7
    assert batch.status_code == 200, batch.text
    assert [result["digit"] for result in batch.json()["results"]] == [7, 7]


def test_a_second_replica_joins_and_the_gateway_uses_both(stack: LiveStack) -> None:
    stack.compose("up", "--detach", "--no-build", "--no-recreate", "--scale", "inference=2")
    stack.wait_healthy(5)

    def both_ready() -> bool:
        with stack.http() as http:
            replicas = http.get("/readyz").json().get("replicas", {})
        return len(replicas) == 2 and all(replicas.values())

    _poll(both_ready, 60, "the gateway sees two ready replicas")


def test_a_tiny_train_job_is_published_activated_and_served_by_every_replica(
    stack: LiveStack,
) -> None:
    with stack.http() as http:
        submitted = http.post(
            "/api/v1/jobs", json={"kind": "train", "params": TINY_TRAIN}, headers=stack.key
        )
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["job_id"]

        def finished() -> dict[str, Any] | None:
            job: dict[str, Any] = http.get(f"/api/v1/jobs/{job_id}").json()
            return job if job["state"] in ("succeeded", "failed", "cancelled") else None

        job = _poll(finished, 600, "the train job finishes")
        assert job["state"] == "succeeded", job
        version = job["result"]["version"]
        active = [m["version"] for m in http.get("/api/v1/models").json() if m["active"]]
        assert active == [version]
    stack.env["LIVE_JOB_ID"] = job_id

    def served_everywhere() -> bool:
        versions = [
            stack.exec_json(c, "http://127.0.0.1:8001/readyz").get("model_version")
            for c in stack.container_ids("inference")
        ]
        return len(versions) == 2 and set(versions) == {version}

    _poll(served_everywhere, 60, f"both replicas serve {version}")


def test_a_replica_killed_under_load_fails_no_request(stack: LiveStack) -> None:
    victim = stack.container_ids("inference")[0]
    with stack.under_load() as load:
        subprocess.run(["docker", "kill", victim], capture_output=True, check=True, timeout=60)
        time.sleep(5)
    assert load.sent > 20
    assert load.failures == []


def test_redis_restarted_under_load_fails_no_request_and_keeps_the_jobs(stack: LiveStack) -> None:
    with stack.under_load() as load:
        stack.compose("restart", "redis", timeout=120)
        stack.wait_healthy(4)
    assert load.sent > 20
    assert load.failures == []

    # The gateway's Redis client answers 503 until its next reconnect attempt succeeds.
    def job_state() -> str | None:
        with stack.http() as http:
            job = http.get(f"/api/v1/jobs/{stack.env['LIVE_JOB_ID']}")
        return str(job.json()["state"]) if job.status_code == 200 else None

    assert _poll(job_state, 30, "the job record is read again") == "succeeded"


def test_down_keeps_the_volumes(stack: LiveStack) -> None:
    stack.compose("down", "--timeout", "10", timeout=300)
    names = subprocess.run(
        ["docker", "volume", "ls", "--format", "{{.Name}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for volume in ("redis-data", "artifacts", "jobs"):
        assert f"{stack.project}_{volume}" in names
