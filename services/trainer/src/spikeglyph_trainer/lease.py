"""Job leases: which worker runs a job right now, and recovery of jobs whose worker died.

Celery's Redis transport hands an unacknowledged task back only after the visibility timeout,
which must stay above the longest job (hours). A worker that is SIGKILLed mid-job would leave
its job stuck that long. So a running job also holds a short lease in Redis that a heartbeat
thread renews; the job is listed in an in-flight hash with the task name and arguments. The
maintenance loop of any worker re-enqueues an in-flight job whose lease has lapsed, under the
same task id; the redelivered job finds its checkpoints in its work directory and resumes.

The lease also stops duplicates: a second delivery of a job that a live worker is running (the
visibility-timeout redelivery of celery #7009, or the stale original message after a recovery)
waits at most one lease period, sees the lease still renewed, and steps aside.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis

log = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "spikeglyph"


def lease_key(job_id: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """String: the token of the worker running ``job_id``, expiring unless renewed."""
    return f"{namespace}:trainer:lease:{job_id}"


def inflight_key(namespace: str = DEFAULT_NAMESPACE) -> str:
    """Hash: job id → JSON ``{"task", "kwargs"}`` of every job a worker is running."""
    return f"{namespace}:trainer:inflight"


_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"  # noqa: E501
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"  # noqa: E501
# Claim an orphan atomically: only if nobody holds its lease, and only one claimer wins.
_CLAIM = """
if redis.call('exists', KEYS[1]) == 1 then return false end
local payload = redis.call('hget', KEYS[2], ARGV[1])
if not payload then return false end
redis.call('hdel', KEYS[2], ARGV[1])
return payload
"""

SendTask = Callable[[str, dict[str, Any], str], None]
GiveUp = Callable[[str, str], None]
RECOVERY_COUNT_TTL_S = 7 * 24 * 3600


class JobLease:
    """The right to run one job, renewed in the background while the job runs."""

    def __init__(
        self, client: redis.Redis, job_id: str, ttl_s: float, namespace: str = DEFAULT_NAMESPACE
    ) -> None:
        self._client = client
        self._key = lease_key(job_id, namespace)
        self._token = uuid.uuid4().hex
        self._ttl_ms = int(ttl_s * 1000)
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def lost(self) -> bool:
        """True once another worker took the job over (our lease had lapsed)."""
        return self._lost.is_set()

    def acquire(self, wait_s: float, poll_s: float = 0.5) -> bool:
        """Take the lease, waiting up to ``wait_s`` for a dead holder's lease to lapse."""
        deadline = time.monotonic() + wait_s
        while True:
            if self._client.set(self._key, self._token, nx=True, px=self._ttl_ms):
                self._start_heartbeat()
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self._client.eval(_RELEASE, 1, self._key, self._token)
        except redis.RedisError:
            log.warning("could not release lease %s; it lapses on its own", self._key)

    def _start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._renew_loop, name="job-lease", daemon=True)
        self._thread.start()

    def _renew_loop(self) -> None:
        interval = self._ttl_ms / 3000
        while not self._stop.wait(interval):
            try:
                renewed = self._client.eval(_RENEW, 1, self._key, self._token, self._ttl_ms)
            except redis.RedisError:
                log.warning("lease renewal of %s failed; retrying", self._key)
                continue
            if not renewed:
                log.error("lease %s was lost: another worker has taken this job over", self._key)
                self._lost.set()
                return


def mark_inflight(
    client: redis.Redis,
    job_id: str,
    task_name: str,
    kwargs: dict[str, Any],
    namespace: str = DEFAULT_NAMESPACE,
) -> None:
    """Record what is needed to enqueue the job again if its worker dies."""
    payload = json.dumps({"task": task_name, "kwargs": kwargs})
    client.hset(inflight_key(namespace), job_id, payload)


def clear_inflight(client: redis.Redis, job_id: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    client.hdel(inflight_key(namespace), job_id)


def recoveries_key(job_id: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """Counter: how many times ``job_id`` was recovered from a dead worker."""
    return f"{namespace}:trainer:recoveries:{job_id}"


def recover_orphans(
    client: redis.Redis,
    send_task: SendTask,
    give_up: GiveUp,
    *,
    max_recoveries: int,
    namespace: str = DEFAULT_NAMESPACE,
) -> list[str]:
    """Enqueue again every in-flight job whose lease lapsed; return their ids.

    A job that kills its worker every time (out of memory, a native crash, the hard time
    limit) is not retried forever: after ``max_recoveries`` recoveries ``give_up(job_id,
    reason)`` records it as failed instead.
    """
    recovered: list[str] = []
    hash_key = inflight_key(namespace)
    for raw_id in client.hkeys(hash_key):
        job_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
        payload = client.eval(_CLAIM, 2, lease_key(job_id, namespace), hash_key, job_id)
        if payload is None:
            continue
        counter = recoveries_key(job_id, namespace)
        attempt = int(client.incr(counter))
        client.expire(counter, RECOVERY_COUNT_TTL_S)
        if attempt > max_recoveries:
            log.error("job %s lost its worker %d times; giving up", job_id, attempt)
            give_up(job_id, f"worker_lost: the worker running this job died {attempt} times")
            continue
        entry = json.loads(payload)
        try:
            send_task(entry["task"], entry["kwargs"], job_id)
        except Exception:
            # Put it back so the next round tries again rather than losing the job.
            client.hset(hash_key, job_id, payload)
            client.decr(counter)
            raise
        log.warning("job %s lost its worker; enqueued again to resume (%d)", job_id, attempt)
        recovered.append(job_id)
    return recovered
