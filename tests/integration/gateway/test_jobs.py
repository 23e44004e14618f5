"""Jobs through the gateway: submission lands on the Celery queue, records, cancel, SSE."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
import redis

from spikeglyph.job_queue import QUEUE
from spikeglyph.schemas import JobProgress, JobState
from spikeglyph.stores import JobStore, connect
from tests.integration.gateway.stack import Gateway

pytestmark = pytest.mark.integration


def submit(http: httpx.Client, key: dict[str, str], **params: object) -> str:
    response = http.post("/api/v1/jobs", json={"kind": "train", "params": params}, headers=key)
    assert response.status_code == 202, response.text
    assert response.headers["location"].endswith(response.json()["job_id"])
    return str(response.json()["job_id"])


def queued_tasks(redis_url: str) -> list[dict[str, object]]:
    client = redis.Redis.from_url(redis_url)
    try:
        return [json.loads(raw)["headers"] for raw in client.lrange(QUEUE, 0, -1)]
    finally:
        client.close()


def test_submitted_job_is_recorded_and_queued_by_task_name(
    stack: Gateway, http: httpx.Client, key: dict[str, str]
) -> None:
    job_id = submit(http, key, dataset="mnist", epochs=2, max_samples=1000, seed=3)
    job = http.get(f"/api/v1/jobs/{job_id}").json()
    assert job["state"] == "queued" and job["kind"] == "train"
    assert job["params"]["epochs"] == 2 and job["params"]["seed"] == 3
    tasks = {task["id"]: task["task"] for task in queued_tasks(stack.redis_url)}
    assert tasks[job_id] == "spikeglyph.train"
    assert job_id in [j["job_id"] for j in http.get("/api/v1/jobs").json()]


def test_bad_params_are_a_422_and_queue_nothing(
    stack: Gateway, http: httpx.Client, key: dict[str, str]
) -> None:
    before = len(queued_tasks(stack.redis_url))
    response = http.post(
        "/api/v1/jobs", json={"kind": "train", "params": {"epochs": 0}}, headers=key
    )
    assert response.status_code == 422
    assert "params.epochs" in response.json()["error"]["message"]
    unknown = http.post(
        "/api/v1/jobs", json={"kind": "evaluate", "params": {"bogus": 1}}, headers=key
    )
    assert unknown.status_code == 422
    assert len(queued_tasks(stack.redis_url)) == before


def test_unknown_job_is_404(http: httpx.Client, key: dict[str, str]) -> None:
    for response in (
        http.get("/api/v1/jobs/no-such-job"),
        http.get("/api/v1/jobs/no-such-job/events"),
        http.delete("/api/v1/jobs/no-such-job", headers=key),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "job_not_found"


def test_cancelling_a_queued_job_cancels_it_at_once(
    http: httpx.Client, key: dict[str, str]
) -> None:
    job_id = submit(http, key)
    response = http.delete(f"/api/v1/jobs/{job_id}", headers=key)
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    again = http.delete(f"/api/v1/jobs/{job_id}", headers=key)
    assert again.status_code == 200 and again.json()["state"] == "cancelled"


def test_cancelling_a_running_job_raises_its_cancel_flag(
    stack: Gateway, http: httpx.Client, key: dict[str, str]
) -> None:
    job_id = submit(http, key)
    store = JobStore(connect(stack.redis_url))
    store.update(job_id, state=JobState.running)
    response = http.delete(f"/api/v1/jobs/{job_id}", headers=key)
    assert response.status_code == 202
    assert store.cancel_requested(job_id)


def read_events(response: httpx.Response) -> list[tuple[str | None, str, dict[str, object]]]:
    events: list[tuple[str | None, str, dict[str, object]]] = []
    event_id, name, data = None, "message", ""
    for line in response.iter_lines():
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and data:
            events.append((event_id, name, json.loads(data)))
            event_id, name, data = None, "message", ""
    return events


def test_events_replay_then_follow_a_job_to_its_final_event(
    stack: Gateway, http: httpx.Client, key: dict[str, str]
) -> None:
    job_id = submit(http, key)
    store = JobStore(connect(stack.redis_url))
    store.update(job_id, state=JobState.running)

    def worker() -> None:  # what the trainer does, a little later
        for step in (1, 2, 3):
            time.sleep(0.3)
            store.update(job_id, progress=JobProgress(phase="training", step=step, steps=3))
        store.update(job_id, state=JobState.succeeded, result={"version": "mnist-test-1"})

    thread = threading.Thread(target=worker)
    thread.start()
    with http.stream("GET", f"/api/v1/jobs/{job_id}/events", timeout=20) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = read_events(response)
    thread.join()
    names = [name for _, name, _ in events]
    assert names[:2] == ["state", "state"]  # queued (replayed), running (replayed)
    assert names[2:] == ["progress", "progress", "progress", "final"]
    assert [data["progress"]["step"] for _, name, data in events if name == "progress"] == [1, 2, 3]
    assert events[-1][2]["result"] == {"version": "mnist-test-1"}

    # A client that lost the stream after the second progress event resumes from there.
    resume_from = events[3][0]
    with http.stream(
        "GET", f"/api/v1/jobs/{job_id}/events", headers={"Last-Event-ID": resume_from}
    ) as response:
        resumed = read_events(response)
    assert [name for _, name, _ in resumed] == ["progress", "final"]
    assert resumed[0][2]["progress"]["step"] == 3


def test_a_quiet_job_gets_heartbeats(
    stack: Gateway, http: httpx.Client, key: dict[str, str]
) -> None:
    job_id = submit(http, key)
    heartbeats = 0
    with http.stream("GET", f"/api/v1/jobs/{job_id}/events") as response:
        for line in response.iter_lines():
            heartbeats += line.startswith(":")
            if heartbeats == 2:
                break
    assert heartbeats == 2


def test_bad_last_event_id_is_refused(http: httpx.Client, key: dict[str, str]) -> None:
    job_id = submit(http, key)
    response = http.get(f"/api/v1/jobs/{job_id}/events", headers={"Last-Event-ID": "x; DROP"})
    assert response.status_code == 422
