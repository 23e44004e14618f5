"""Job records for the gateway and the trainer worker (synchronous client).

The gateway creates a record when it enqueues a job; the worker moves it through its states and
reports progress; anyone can read it, replay its events and follow new ones. Records expire
after :data:`~spikeglyph.registry.job_records.JOB_TTL_S`. Every change is one MULTI/EXEC
transaction that stores the record, appends the event to the job's stream and publishes it.
"""

from __future__ import annotations

import builtins
import logging
from typing import Any

import redis
from redis.client import Pipeline

from spikeglyph.registry.connection import (
    connect,
    redis_guard,
    require_binary,
    texts,
    transact,
)
from spikeglyph.registry.job_records import (
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
from spikeglyph.registry.keys import DEFAULT_NAMESPACE, Keys
from spikeglyph.schemas import JobEvent, JobInfo, JobKind, JobProgress, JobState

log = logging.getLogger(__name__)


class JobStore:
    """Create, update, read and follow job records."""

    def __init__(
        self, redis: redis.Redis, namespace: str = DEFAULT_NAMESPACE, *, ttl_s: int = JOB_TTL_S
    ) -> None:
        require_binary(redis)
        self.redis = redis
        self.keys = Keys(namespace)
        self.ttl_s = ttl_s

    @classmethod
    def from_url(cls, url: str, namespace: str = DEFAULT_NAMESPACE) -> JobStore:
        return cls(connect(url), namespace)

    def create(
        self, job_id: str, kind: JobKind | str, params: dict[str, Any] | None = None
    ) -> JobInfo:
        """Record a new queued job; if ``job_id`` exists already, return it unchanged."""
        info = new_job(job_id, kind, params)
        key = self.keys.job(job_id)

        def apply(pipe: Pipeline) -> JobInfo:
            existing = pipe.get(key)
            if existing is not None:
                return parse_info(existing, job_id)
            pipe.multi()
            queue_write(pipe, self.keys, info, created_event(info), self.ttl_s)
            queue_index(pipe, self.keys, info, self.ttl_s)
            return info

        with redis_guard("create a job"):
            return transact(self.redis, apply, key)

    def get(self, job_id: str) -> JobInfo:
        check_job_id(job_id)
        with redis_guard("read a job"):
            raw = self.redis.get(self.keys.job(job_id))
        return parse_info(raw, job_id)

    def update(
        self,
        job_id: str,
        *,
        state: JobState | None = None,
        progress: JobProgress | None = None,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> JobInfo:
        """Change a job and announce the change (see :func:`~.job_records.apply_update`).

        Raises :class:`~spikeglyph.errors.InvalidJobTransition` when a finished job would change.
        """
        check_job_id(job_id)
        key = self.keys.job(job_id)

        def apply(pipe: Pipeline) -> JobInfo:
            current = parse_info(pipe.get(key), job_id)
            updated, event = apply_update(
                current, state=state, progress=progress, result=result, error=error
            )
            if event is not None:
                pipe.multi()
                queue_write(pipe, self.keys, updated, event, self.ttl_s)
            return updated

        with redis_guard("update a job"):
            return transact(self.redis, apply, key)

    def events(
        self, job_id: str, *, last_id: str = "0", block_ms: int = 0
    ) -> builtins.list[tuple[str, JobEvent]]:
        """Events after ``last_id`` (``"0"``: from the start), oldest first.

        With ``block_ms > 0`` waits up to that long for the next event when there is none yet
        (keep it below the client's socket timeout); ``0`` never waits.
        """
        check_job_id(job_id)
        with redis_guard("read job events"):
            if not self.redis.exists(self.keys.job(job_id)):
                parse_info(None, job_id)
            reply = self.redis.xread(
                {self.keys.job_events(job_id): last_id}, block=block_ms if block_ms > 0 else None
            )
        return parse_xread(reply)

    def request_cancel(self, job_id: str) -> JobInfo:
        """Raise the cooperative cancel flag the worker checks every few batches."""
        info = self.get(job_id)
        with redis_guard("request a job cancellation"):
            self.redis.set(self.keys.job_cancel(job_id), b"1", ex=self.ttl_s)
        log.info("cancel requested for job %s (%s)", job_id, info.state.value)
        return info

    def cancel_requested(self, job_id: str) -> bool:
        check_job_id(job_id)
        with redis_guard("read a job's cancel flag"):
            return bool(self.redis.exists(self.keys.job_cancel(job_id)))

    def list(self, limit: int = 50) -> builtins.list[JobInfo]:
        """The newest ``limit`` jobs, newest first (expired records are skipped)."""
        if limit < 1:
            return []
        with redis_guard("list jobs"):
            ids = texts(self.redis.zrevrange(self.keys.job_index, 0, limit - 1))
            raws = self.redis.mget([self.keys.job(i) for i in ids]) if ids else []
        return [JobInfo.model_validate_json(raw) for raw in raws if raw is not None]
