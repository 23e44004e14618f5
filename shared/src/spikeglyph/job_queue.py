"""The job contract between the gateway (which enqueues by name) and the trainer worker.

The gateway never imports worker code: it sends ``TASK_NAMES[kind]`` to ``QUEUE`` with
``kwargs={"job_id": ..., "params": {...}}`` and the Celery task id equal to the job id. Both
sides build their Celery app from :func:`celery_config`, so broker options (the Redis
visibility timeout above all) always agree.
"""

from __future__ import annotations

from typing import Any

from spikeglyph.schemas import JobKind

QUEUE = "spikeglyph"
TASK_NAMES: dict[JobKind, str] = {kind: f"spikeglyph.{kind.value}" for kind in JobKind}

# Longest job we accept, and a Redis visibility timeout safely above it: a task that runs
# longer than the visibility timeout is delivered to a second worker while still running.
HARD_TIME_LIMIT_S = 4 * 3600
VISIBILITY_TIMEOUT_S = HARD_TIME_LIMIT_S + 3600


def celery_config(redis_url: str) -> dict[str, Any]:
    """Celery settings shared by every process that talks to the job queue."""
    return {
        "broker_url": redis_url,
        "result_backend": redis_url,
        "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT_S},
        "result_backend_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT_S},
        "broker_connection_retry_on_startup": True,
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 7 * 24 * 3600,
        "task_track_started": True,
    }
