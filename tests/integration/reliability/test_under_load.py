"""Faults while clients keep predicting through the gateway: none of them may see a failure.

One stack (Redis, two real inference replicas, the gateway) serves the three scenarios in
order: a hot swap, a Redis restart, then the loss of a replica.
"""

from __future__ import annotations

import signal

import httpx
import pytest
import redis as redis_lib

from spikeglyph.job_queue import QUEUE
from tests.integration.reliability.conftest import Stream, wait_for_more
from tests.support.procs import wait_until
from tests.support.stack import API_KEY, Stack

pytestmark = pytest.mark.integration
KEY = {"X-API-Key": API_KEY}


def test_activating_a_version_under_load_loses_no_request(two_replicas: Stack) -> None:
    two_replicas.publish_copy("swap-v2")
    with Stream(two_replicas.gateway_url) as stream:
        wait_for_more(stream, 20)
        answer = httpx.post(
            f"{two_replicas.gateway_url}/api/v1/models/swap-v2/activate", headers=KEY
        )
        assert answer.status_code == 200, answer.text
        switched = stream.count()
        wait_until(
            lambda: any(v == "swap-v2" for _, v in stream.snapshot()[switched:]), 30, "the swap"
        )
        wait_for_more(stream, 40)
    answers = stream.snapshot()
    assert stream.failures() == []
    # once both replicas have switched, no answer comes from the old version any more
    assert {v for _, v in answers[-20:]} == {"swap-v2"}


def test_a_redis_restart_keeps_predictions_and_queued_jobs(two_replicas: Stack) -> None:
    gateway = two_replicas.gateway_url
    job = httpx.post(f"{gateway}/api/v1/jobs", headers=KEY, json={"kind": "evaluate", "params": {}})
    assert job.status_code == 202, job.text
    job_id = job.json()["job_id"]
    broker = redis_lib.Redis.from_url(two_replicas.redis_url)
    queued = broker.llen(QUEUE)
    broker.close()
    assert queued >= 1
    assert two_replicas.redis is not None

    with Stream(gateway) as stream:
        wait_for_more(stream, 10)
        two_replicas.redis.stop(signal.SIGKILL)  # no shutdown save: only the append-only file
        wait_for_more(stream, 30)  # Redis is down: predictions go on
        refused = httpx.post(
            f"{gateway}/api/v1/jobs", headers=KEY, json={"kind": "evaluate", "params": {}}
        )
        assert refused.status_code == 503 and "Retry-After" in refused.headers, refused.text
        listing = httpx.get(f"{gateway}/api/v1/models")
        assert listing.status_code == 503 and "Retry-After" in listing.headers, listing.text
        two_replicas.redis.start()  # same port, same directory
        wait_until(lambda: httpx.get(f"{gateway}/readyz").status_code == 200, 15, "readiness")
        assert httpx.get(f"{gateway}/api/v1/jobs/{job_id}").json()["state"] == "queued"
        broker = redis_lib.Redis.from_url(two_replicas.redis_url)
        assert broker.llen(QUEUE) == queued, "the queued job's broker message was lost"
        broker.close()

        # the replicas' registry subscriptions reconnected: a new activation reaches them
        two_replicas.publish_copy("after-restart")
        answer = httpx.post(f"{gateway}/api/v1/models/after-restart/activate", headers=KEY)
        assert answer.status_code == 200, answer.text
        mark = stream.count()
        wait_until(
            lambda: {v for _, v in stream.snapshot()[mark:][-8:]} == {"after-restart"},
            30,
            "both replicas to follow the activation made after the restart",
        )
    assert stream.failures() == []


def test_killing_a_replica_under_load_loses_no_request(two_replicas: Stack) -> None:
    with Stream(two_replicas.gateway_url) as stream:
        wait_for_more(stream, 20)
        two_replicas.replicas[0].process.kill()  # SIGKILL, mid-stream
        wait_for_more(stream, 60)
    assert stream.failures() == []
    ready = httpx.get(f"{two_replicas.gateway_url}/readyz")
    assert ready.status_code == 200  # one replica left is enough to be ready
