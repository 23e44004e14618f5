"""Job records: the gateway creates them, the trainer worker moves them through their states.

The gateway creates a record when it enqueues a job; the worker moves it through its states and
reports progress; anyone can read it, replay its events and follow new ones. Records expire
after :data:`~spikeglyph.stores.job_transitions.JOB_TTL_S`. Every change is one MULTI/EXEC
transaction that stores the record, appends the event to the job's stream and publishes it.

Each operation is written once (see :mod:`.driver`): :class:`JobStore` runs them blocking (the
trainer worker), :class:`AsyncJobStore` as coroutines (the gateway, which serves job events as
Server-Sent Events).
"""

from __future__ import annotations

import builtins
import logging
from typing import Any

from spikeglyph.schemas import JobEvent, JobInfo, JobKind, JobProgress, JobState
from spikeglyph.stores.connection import texts
from spikeglyph.stores.driver import (
    AsyncStore,
    Op,
    Store,
    SyncStore,
    Transaction,
    call,
    operation,
)
from spikeglyph.stores.job_transitions import (
    JOB_TTL_S,
    apply_update,
    check_job_id,
    created_event,
    new_job,
    parse_info,
    parse_xread,
    queue_index,
    queue_write,
)
from spikeglyph.stores.keys import DEFAULT_NAMESPACE

log = logging.getLogger(__name__)


class JobOps(Store):
    """Create, update, read and follow job records."""

    def __init__(
        self, client: Any, namespace: str = DEFAULT_NAMESPACE, *, ttl_s: int = JOB_TTL_S
    ) -> None:
        super().__init__(client, namespace)
        self.ttl_s = ttl_s

    @operation("create a job")
    def create(
        self, job_id: str, kind: JobKind | str, params: dict[str, Any] | None = None
    ) -> Op[JobInfo]:
        """Record a new queued job; if ``job_id`` exists already, return it unchanged."""
        info = new_job(job_id, kind, params)
        key = self.keys.job(job_id)

        def record(pipe: Any) -> Op[JobInfo]:
            existing = yield call("get", key)
            if existing is not None:
                return parse_info(existing, job_id)
            pipe.multi()
            queue_write(pipe, self.keys, info, created_event(info), self.ttl_s)
            queue_index(pipe, self.keys, info, self.ttl_s)
            return info

        created: JobInfo = yield Transaction((key,), record)
        return created

    @operation("read a job")
    def get(self, job_id: str) -> Op[JobInfo]:
        check_job_id(job_id)
        raw = yield call("get", self.keys.job(job_id))
        return parse_info(raw, job_id)

    @operation("update a job")
    def update(
        self,
        job_id: str,
        *,
        state: JobState | None = None,
        progress: JobProgress | None = None,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> Op[JobInfo]:
        """Change a job and announce the change (see :func:`~.job_transitions.apply_update`).

        Raises :class:`~spikeglyph.errors.InvalidJobTransition` when a finished job would change.
        """
        check_job_id(job_id)
        key = self.keys.job(job_id)

        def change(pipe: Any) -> Op[JobInfo]:
            current = parse_info((yield call("get", key)), job_id)
            updated, event = apply_update(
                current, state=state, progress=progress, result=result, error=error
            )
            if event is not None:
                pipe.multi()
                queue_write(pipe, self.keys, updated, event, self.ttl_s)
            return updated

        updated: JobInfo = yield Transaction((key,), change)
        return updated

    @operation("read job events")
    def events(
        self, job_id: str, *, last_id: str = "0", block_ms: int = 0
    ) -> Op[builtins.list[tuple[str, JobEvent]]]:
        """Events after ``last_id`` (``"0"``: from the start), oldest first.

        With ``block_ms > 0`` waits up to that long for the next event when there is none yet
        (keep it below the client's socket timeout); ``0`` never waits.
        """
        check_job_id(job_id)
        if not (yield call("exists", self.keys.job(job_id))):
            parse_info(None, job_id)
        reply = yield call(
            "xread",
            {self.keys.job_events(job_id): last_id},
            block=block_ms if block_ms > 0 else None,
        )
        return parse_xread(reply)

    @operation("request a job cancellation")
    def request_cancel(self, job_id: str) -> Op[JobInfo]:
        """Raise the cooperative cancel flag the worker checks every few batches."""
        check_job_id(job_id)
        info = parse_info((yield call("get", self.keys.job(job_id))), job_id)
        yield call("set", self.keys.job_cancel(job_id), b"1", ex=self.ttl_s)
        log.info("cancel requested for job %s (%s)", job_id, info.state.value)
        return info

    @operation("read a job's cancel flag")
    def cancel_requested(self, job_id: str) -> Op[bool]:
        check_job_id(job_id)
        return bool((yield call("exists", self.keys.job_cancel(job_id))))

    @operation("list jobs")
    def list(self, limit: int = 50) -> Op[builtins.list[JobInfo]]:
        """The newest ``limit`` jobs, newest first (expired records are skipped)."""
        if limit < 1:
            return []
        ids = texts((yield call("zrevrange", self.keys.job_index, 0, limit - 1)))
        raws = (yield call("mget", [self.keys.job(i) for i in ids])) if ids else []
        return [JobInfo.model_validate_json(raw) for raw in raws if raw is not None]


class JobStore(JobOps, SyncStore):
    """Job records for blocking code (the trainer worker)."""


class AsyncJobStore(JobOps, AsyncStore):
    """Job records for an event loop (the gateway)."""
