"""Job records for asyncio code (the gateway, which serves job events as SSE).

Same keys, rules and transactions as :class:`~spikeglyph.registry.jobs.JobStore`.
"""

from __future__ import annotations

import builtins
import logging
from typing import Any

import redis.asyncio as aioredis

from spikeglyph.registry.connection import (
    atransact,
    connect_async,
    redis_guard,
    require_binary,
    texts,
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


class AsyncJobStore:
    """The asyncio twin of :class:`~spikeglyph.registry.jobs.JobStore`."""

    def __init__(
        self, redis: aioredis.Redis, namespace: str = DEFAULT_NAMESPACE, *, ttl_s: int = JOB_TTL_S
    ) -> None:
        require_binary(redis)
        self.redis = redis
        self.keys = Keys(namespace)
        self.ttl_s = ttl_s

    @classmethod
    def from_url(cls, url: str, namespace: str = DEFAULT_NAMESPACE) -> AsyncJobStore:
        return cls(connect_async(url), namespace)

    async def create(
        self, job_id: str, kind: JobKind | str, params: dict[str, Any] | None = None
    ) -> JobInfo:
        """Record a new queued job; if ``job_id`` exists already, return it unchanged."""
        info = new_job(job_id, kind, params)
        key = self.keys.job(job_id)

        async def apply(pipe: Any) -> JobInfo:
            existing = await pipe.get(key)
            if existing is not None:
                return parse_info(existing, job_id)
            pipe.multi()
            queue_write(pipe, self.keys, info, created_event(info), self.ttl_s)
            queue_index(pipe, self.keys, info, self.ttl_s)
            return info

        with redis_guard("create a job"):
            return await atransact(self.redis, apply, key)

    async def get(self, job_id: str) -> JobInfo:
        check_job_id(job_id)
        with redis_guard("read a job"):
            raw = await self.redis.get(self.keys.job(job_id))
        return parse_info(raw, job_id)

    async def update(
        self,
        job_id: str,
        *,
        state: JobState | None = None,
        progress: JobProgress | None = None,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> JobInfo:
        """Change a job and announce the change (e.g. cancel a job no worker has started)."""
        check_job_id(job_id)
        key = self.keys.job(job_id)

        async def apply(pipe: Any) -> JobInfo:
            current = parse_info(await pipe.get(key), job_id)
            updated, event = apply_update(
                current, state=state, progress=progress, result=result, error=error
            )
            if event is not None:
                pipe.multi()
                queue_write(pipe, self.keys, updated, event, self.ttl_s)
            return updated

        with redis_guard("update a job"):
            return await atransact(self.redis, apply, key)

    async def events(
        self, job_id: str, *, last_id: str = "0", block_ms: int = 0
    ) -> builtins.list[tuple[str, JobEvent]]:
        """Events after ``last_id``; with ``block_ms > 0`` waits that long for a first one."""
        check_job_id(job_id)
        with redis_guard("read job events"):
            if not await self.redis.exists(self.keys.job(job_id)):
                parse_info(None, job_id)
            reply = await self.redis.xread(
                {self.keys.job_events(job_id): last_id}, block=block_ms if block_ms > 0 else None
            )
        return parse_xread(reply)

    async def request_cancel(self, job_id: str) -> JobInfo:
        """Raise the cooperative cancel flag the worker checks every few batches."""
        info = await self.get(job_id)
        with redis_guard("request a job cancellation"):
            await self.redis.set(self.keys.job_cancel(job_id), b"1", ex=self.ttl_s)
        log.info("cancel requested for job %s (%s)", job_id, info.state.value)
        return info

    async def cancel_requested(self, job_id: str) -> bool:
        check_job_id(job_id)
        with redis_guard("read a job's cancel flag"):
            return bool(await self.redis.exists(self.keys.job_cancel(job_id)))

    async def list(self, limit: int = 50) -> builtins.list[JobInfo]:
        """The newest ``limit`` jobs, newest first (expired records are skipped)."""
        if limit < 1:
            return []
        with redis_guard("list jobs"):
            ids = texts(await self.redis.zrevrange(self.keys.job_index, 0, limit - 1))
            raws = await self.redis.mget([self.keys.job(i) for i in ids]) if ids else []
        return [JobInfo.model_validate_json(raw) for raw in raws if raw is not None]
