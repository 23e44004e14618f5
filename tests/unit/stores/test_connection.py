"""Outages and misconfigured clients surface as clear errors, not as crashes deep inside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import redis

from spikeglyph.errors import RegistryUnavailable
from spikeglyph.schemas import JobKind
from spikeglyph.stores import FeedbackStore, JobStore, ModelRegistry
from tests.support.procs import RedisServer


def test_a_decoding_client_is_refused_up_front(redis_server: RedisServer, tmp_path: Path) -> None:
    decoding = redis.Redis.from_url(redis_server.url, decode_responses=True)
    for build in (
        lambda: FeedbackStore(decoding),
        lambda: JobStore(decoding),
        lambda: ModelRegistry(decoding, tmp_path),
    ):
        with pytest.raises(ValueError, match="decode_responses"):
            build()
    decoding.close()


def test_stores_report_a_redis_outage_as_registry_unavailable(
    feedback: FeedbackStore, jobs: JobStore, redis_server: RedisServer
) -> None:
    redis_server.stop()
    with pytest.raises(RegistryUnavailable):
        feedback.add(np.zeros((28, 28)), 1, model_version=None, dataset="mnist")
    with pytest.raises(RegistryUnavailable):
        feedback.read()
    with pytest.raises(RegistryUnavailable):
        jobs.create("job-a", JobKind.train)
    with pytest.raises(RegistryUnavailable):
        jobs.list()


def test_stores_work_again_once_redis_is_back(jobs: JobStore, redis_server: RedisServer) -> None:
    jobs.create("job-a", JobKind.train)
    redis_server.restart()
    assert jobs.get("job-a").job_id == "job-a"


def test_outage_message_does_not_leak_the_redis_address() -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    from spikeglyph.stores.connection import redis_guard

    with pytest.raises(RegistryUnavailable) as caught, redis_guard("read the active version"):
        raise RedisConnectionError("Error 111 connecting to 10.1.2.3:6379. Connection refused.")
    assert "10.1.2.3" not in caught.value.message
    assert "read the active version" in caught.value.message
