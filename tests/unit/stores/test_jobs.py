"""Job records as the gateway and the worker see them (sync and asyncio clients)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import redis

from spikeglyph.errors import InvalidJobTransition, JobNotFound
from spikeglyph.schemas import JobKind, JobProgress, JobState
from spikeglyph.stores import AsyncJobStore, JobStore, connect_async
from tests.support.procs import RedisServer
from tests.unit.stores.conftest import NAMESPACE


def test_create_get_and_list_newest_first(jobs: JobStore) -> None:
    first = jobs.create("job-a", JobKind.train, {"epochs": 1})
    assert (first.state, first.params) == (JobState.queued, {"epochs": 1})
    time.sleep(0.01)
    jobs.create("job-b", "evaluate")
    assert jobs.get("job-a") == first
    assert [j.job_id for j in jobs.list()] == ["job-b", "job-a"]
    assert [j.job_id for j in jobs.list(limit=1)] == ["job-b"]


def test_creating_an_existing_job_returns_it_unchanged(jobs: JobStore) -> None:
    jobs.create("job-a", JobKind.train, {"epochs": 1})
    jobs.update("job-a", state=JobState.running)
    again = jobs.create("job-a", JobKind.train, {"epochs": 9})
    assert again.state is JobState.running and again.params == {"epochs": 1}


def test_unknown_jobs_are_not_found(jobs: JobStore) -> None:
    for call in (jobs.get, jobs.events, jobs.request_cancel):
        with pytest.raises(JobNotFound):
            call("missing")
    with pytest.raises(JobNotFound):
        jobs.update("missing", state=JobState.running)


def test_events_replay_in_order_and_end_with_the_final_event(jobs: JobStore) -> None:
    jobs.create("job-a", JobKind.train)
    jobs.update("job-a", state=JobState.running)
    for epoch in (1, 2):
        jobs.update("job-a", progress=JobProgress(phase="training", epoch=epoch, epochs=2))
    jobs.update("job-a", state=JobState.succeeded, result={"version": "v7"})
    events = jobs.events("job-a")
    assert [e.type for _, e in events] == ["state", "state", "progress", "progress", "final"]
    assert [e.progress.epoch for _, e in events[2:4] if e.progress] == [1, 2]
    assert events[-1][1].result == {"version": "v7"}
    assert jobs.get("job-a").result == {"version": "v7"}
    # A subscriber that saw the first three resumes after them.
    assert [e.type for _, e in jobs.events("job-a", last_id=events[2][0])] == ["progress", "final"]
    assert jobs.events("job-a", last_id=events[-1][0]) == []


def test_a_finished_job_cannot_be_resurrected_by_a_redelivery(jobs: JobStore) -> None:
    jobs.create("job-a", JobKind.train)
    jobs.update("job-a", state=JobState.running)
    jobs.update("job-a", state=JobState.running)  # the redelivered task resumes
    jobs.update("job-a", state=JobState.failed, error="out of memory")
    with pytest.raises(InvalidJobTransition):
        jobs.update("job-a", state=JobState.running)
    info = jobs.get("job-a")
    assert (info.state, info.error) == (JobState.failed, "out of memory")
    assert [e.type for _, e in jobs.events("job-a")][-1] == "final"


def test_cancel_flag(jobs: JobStore) -> None:
    jobs.create("job-a", JobKind.train)
    assert not jobs.cancel_requested("job-a")
    assert jobs.request_cancel("job-a").state is JobState.queued
    assert jobs.cancel_requested("job-a")
    assert not jobs.cancel_requested("job-b")


def test_blocking_events_wake_up_on_the_next_update(jobs: JobStore) -> None:
    jobs.create("job-a", JobKind.train)
    [(last_id, _)] = jobs.events("job-a")
    timer = threading.Timer(0.3, jobs.update, args=("job-a",), kwargs={"state": JobState.running})
    timer.start()
    started = time.monotonic()
    events = jobs.events("job-a", last_id=last_id, block_ms=5000)
    timer.join()
    assert [e.state for _, e in events] == [JobState.running]
    assert time.monotonic() - started < 4


def test_updates_are_also_published_live(jobs: JobStore, client: redis.Redis) -> None:
    jobs.create("job-a", JobKind.train)
    pubsub = client.pubsub()
    pubsub.subscribe(jobs.keys.job_channel("job-a"))
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"
    jobs.update("job-a", state=JobState.cancelled)
    message = pubsub.get_message(timeout=2)
    assert message is not None and b'"final"' in message["data"]
    pubsub.close()


def test_async_store_shares_records_with_the_sync_store(
    jobs: JobStore, redis_server: RedisServer
) -> None:
    async def scenario() -> None:
        client = connect_async(redis_server.url)
        store = AsyncJobStore(client, namespace=NAMESPACE)
        try:
            created = await store.create("job-x", JobKind.finetune, {"epochs": 2})
            assert jobs.get("job-x") == created
            jobs.update("job-x", state=JobState.running)
            assert (await store.get("job-x")).state is JobState.running
            assert [j.job_id for j in await store.list()] == ["job-x"]
            await store.request_cancel("job-x")
            assert jobs.cancel_requested("job-x") and await store.cancel_requested("job-x")
            events = await store.events("job-x")
            follow = asyncio.create_task(
                store.events("job-x", last_id=events[-1][0], block_ms=5000)
            )
            await asyncio.sleep(0.2)
            await store.update("job-x", state=JobState.cancelled)
            assert [e.type for _, e in await follow] == ["final"]
            with pytest.raises(InvalidJobTransition):
                await store.update("job-x", state=JobState.running)
            with pytest.raises(JobNotFound):
                await store.get("missing")
        finally:
            await client.aclose()

    asyncio.run(scenario())
