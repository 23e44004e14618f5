"""What a job record may become, shared by the sync and async job stores.

A job record is the :class:`~spikeglyph.schemas.JobInfo` JSON under one key; every change also
yields a :class:`~spikeglyph.schemas.JobEvent` that is appended to the job's capped event stream
(for replay by a late SSE subscriber) and published on its channel (for live followers).
Finished states are terminal: a redelivered Celery task must not resurrect a job that already
succeeded, failed or was cancelled.
"""

from __future__ import annotations

import re
from typing import Any

from spikeglyph.errors import InvalidJobParams, InvalidJobTransition, JobNotFound
from spikeglyph.schemas import JobEvent, JobInfo, JobKind, JobProgress, JobState, utcnow
from spikeglyph.stores.connection import text
from spikeglyph.stores.keys import Keys

JOB_TTL_S = 7 * 24 * 3600
EVENTS_MAXLEN = 1000
EVENT_FIELD = "event"
_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def check_job_id(job_id: str) -> str:
    """Job ids become part of Redis keys: accept only plain ids (Celery's UUIDs fit)."""
    if not _JOB_ID.fullmatch(job_id):
        raise JobNotFound(f"no job {job_id!r}")
    return job_id


def new_job(job_id: str, kind: JobKind | str, params: dict[str, Any] | None) -> JobInfo:
    if not _JOB_ID.fullmatch(job_id):
        raise InvalidJobParams(
            f"invalid job id {job_id!r}: use letters, digits, '.', '_', ':', '-'"
        )
    now = utcnow()
    return JobInfo(
        job_id=job_id,
        kind=JobKind(kind),
        state=JobState.queued,
        params=dict(params or {}),
        created_at=now,
        updated_at=now,
    )


def created_event(info: JobInfo) -> JobEvent:
    return JobEvent(job_id=info.job_id, type="state", state=info.state, progress=info.progress)


def apply_update(
    info: JobInfo,
    *,
    state: JobState | None = None,
    progress: JobProgress | None = None,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> tuple[JobInfo, JobEvent | None]:
    """The updated record and the event announcing it (``None`` when nothing changes).

    Event type: ``final`` when the new state is finished, ``state`` on any other state change,
    ``progress`` otherwise. ``running → running`` is allowed (a resumed job reports again).
    """
    if state is not None:
        state = JobState(state)
    no_op = progress is None and result is None and error is None
    if info.state.finished:
        if no_op and state in (None, info.state):
            return info, None
        raise InvalidJobTransition(
            f"job {info.job_id} already {info.state.value}; it cannot change any more"
        )
    if state is JobState.queued and info.state is not JobState.queued:
        raise InvalidJobTransition(f"job {info.job_id} is {info.state.value}; it cannot requeue")
    if no_op and state is None:
        return info, None
    changes: dict[str, Any] = {"updated_at": utcnow()}
    if state is not None:
        changes["state"] = state
    if progress is not None:
        changes["progress"] = progress
    if result is not None:
        changes["result"] = result
    if error is not None:
        changes["error"] = error
    updated = info.model_copy(update=changes)
    if updated.state.finished:
        kind = "final"
    elif updated.state is not info.state:
        kind = "state"
    else:
        kind = "progress"
    event = JobEvent(
        job_id=info.job_id,
        type=kind,
        state=updated.state,
        progress=updated.progress,
        result=updated.result,
        error=updated.error,
    )
    return updated, event


def queue_write(pipe: Any, keys: Keys, info: JobInfo, event: JobEvent, ttl_s: int) -> None:
    """Queue (inside MULTI) the commands that persist ``info`` and emit ``event``."""
    payload = event.model_dump_json()
    pipe.set(keys.job(info.job_id), info.model_dump_json(), ex=ttl_s)
    pipe.xadd(
        keys.job_events(info.job_id), {EVENT_FIELD: payload}, maxlen=EVENTS_MAXLEN, approximate=True
    )
    pipe.expire(keys.job_events(info.job_id), ttl_s)
    pipe.publish(keys.job_channel(info.job_id), payload)


def queue_index(pipe: Any, keys: Keys, info: JobInfo, ttl_s: int) -> None:
    """Queue the index entry of a new job, dropping entries whose records have expired."""
    created = (info.created_at or utcnow()).timestamp()
    pipe.zadd(keys.job_index, {info.job_id: created})
    pipe.zremrangebyscore(keys.job_index, "-inf", created - ttl_s)


def parse_info(raw: bytes | str | None, job_id: str) -> JobInfo:
    if raw is None:
        raise JobNotFound(f"no job {job_id!r}")
    return JobInfo.model_validate_json(raw)


def parse_xread(reply: Any) -> list[tuple[str, JobEvent]]:
    """Decode the XREAD reply for one stream (``[[name, entries]]``, or a dict in RESP3)."""
    if not reply:
        return []
    streams = reply.values() if isinstance(reply, dict) else [entries for _, entries in reply]
    return [event for entries in streams for event in parse_entries(entries)]


def parse_entries(entries: Any) -> list[tuple[str, JobEvent]]:
    """Decode stream entries ``[(id, {field: value})]`` into ``(event id, event)`` pairs."""
    events: list[tuple[str, JobEvent]] = []
    for raw_id, fields in entries:
        payload = fields.get(EVENT_FIELD.encode(), fields.get(EVENT_FIELD))
        events.append((text(raw_id) or "", JobEvent.model_validate_json(payload)))
    return events
