"""The job event stream: replay, heartbeats, and an end even when the final event is gone."""

from __future__ import annotations

import asyncio
from typing import Any

from spikeglyph.schemas import JobEvent, JobInfo, JobKind, JobProgress, JobState
from spikeglyph_gateway.sse import job_event_stream


class FakeJobs:
    """Serves queued batches of events, then nothing; the record says ``state``."""

    def __init__(self, batches: list[list[tuple[str, JobEvent]]], state: JobState) -> None:
        self.batches = batches
        self.state = state
        self.asked_after: list[str] = []

    async def events(self, job_id: str, *, last_id: str, block_ms: int) -> Any:
        self.asked_after.append(last_id)
        return self.batches.pop(0) if self.batches else []

    async def get(self, job_id: str) -> JobInfo:
        return JobInfo(job_id=job_id, kind=JobKind.train, state=self.state, result={"v": 1})


def collect(jobs: FakeJobs, last_id: str = "0") -> list[str]:
    async def run() -> list[str]:
        stream = job_event_stream(
            jobs,  # type: ignore[arg-type]
            "j1",
            last_id=last_id,
            heartbeat_s=0.01,
            max_duration_s=5,
        )
        return [frame async for frame in stream]

    return asyncio.run(run())


def progress(step: int) -> JobEvent:
    return JobEvent(
        job_id="j1", type="progress", state=JobState.running, progress=JobProgress(step=step)
    )


def test_events_carry_their_stream_ids_and_the_stream_ends_after_final() -> None:
    final = JobEvent(job_id="j1", type="final", state=JobState.succeeded)
    jobs = FakeJobs(
        [[("1-0", progress(1))], [("2-0", progress(2)), ("3-0", final)]], JobState.running
    )
    frames = collect(jobs, last_id="0-5")
    assert frames[0].startswith("retry:")
    assert frames[1].startswith("id: 1-0\nevent: progress\ndata: ")
    assert frames[-1].startswith("id: 3-0\nevent: final\n")
    assert jobs.asked_after == ["0-5", "1-0"]


def test_a_quiet_running_job_gets_heartbeats_then_a_final_from_its_record() -> None:
    jobs = FakeJobs([], JobState.running)

    async def first_frames() -> list[str]:
        stream = job_event_stream(
            jobs,  # type: ignore[arg-type]
            "j1",
            last_id="0",
            heartbeat_s=0.01,
            max_duration_s=5,
        )
        frames = [await anext(stream) for _ in range(3)]
        jobs.state = JobState.succeeded  # finished while its final event was trimmed away
        frames += [frame async for frame in stream]
        return frames

    frames = asyncio.run(first_frames())
    assert frames[1] == frames[2] == ": keepalive\n\n"
    assert "event: final" in frames[-1] and '"result":{"v":1}' in frames[-1]
