"""A job's events as Server-Sent Events: replay from the job's stream, then follow it.

Each event carries its Redis stream id as the SSE ``id``, so a client that reconnects with
``Last-Event-ID`` resumes exactly after the last event it saw. A comment line goes out every
heartbeat period, so proxies keep the connection and clients can tell a quiet job from a dead
link. The stream ends after the ``final`` event.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator

from spikeglyph.schemas import JobEvent
from spikeglyph.stores import AsyncJobStore

STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
RECONNECT_DELAY_MS = 2000


def format_event(event: JobEvent, event_id: str | None) -> str:
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines += [f"event: {event.type}", f"data: {event.model_dump_json()}", "", ""]
    return "\n".join(lines)


async def job_event_stream(
    jobs: AsyncJobStore,
    job_id: str,
    *,
    last_id: str,
    heartbeat_s: float,
    max_duration_s: float,
) -> AsyncIterator[str]:
    """Yield SSE frames until the job's final event (or ``max_duration_s``; clients resume)."""
    yield f"retry: {RECONNECT_DELAY_MS}\n\n"
    deadline = time.monotonic() + max_duration_s
    block_ms = max(1, int(heartbeat_s * 1000))
    while time.monotonic() < deadline:
        batch = await jobs.events(job_id, last_id=last_id, block_ms=block_ms)
        for entry_id, event in batch:
            last_id = entry_id
            yield format_event(event, entry_id)
            if event.type == "final":
                return
        if batch:
            continue
        info = await jobs.get(job_id)
        if info.state.finished:
            # The final event is gone (trimmed or expired) but the record says it is over:
            # say so rather than keep a follower waiting for ever.
            final = JobEvent(
                job_id=job_id,
                type="final",
                state=info.state,
                progress=info.progress,
                result=info.result,
                error=info.error,
            )
            yield format_event(final, None)
            return
        yield ": keepalive\n\n"
