"""The optional automatic trigger of online retraining.

With ``SPIKEGLYPH_AUTO_FINETUNE_AFTER=N`` (N > 0) the worker's maintenance loop enqueues a
``finetune`` of the active model (or of the shipped default on a fresh install) once N feedback
items of its dataset have arrived since the last automatic trigger. The trigger keeps its own
feedback cursor (not the finetune's): a finetune refused by the gate leaves its feedback
pending, and the next trigger then waits for N *newer* items instead of retrying at every
round. A short Redis lock keeps several workers
from triggering the same round twice. The job is an ordinary job record, visible in the API.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis

from spikeglyph.job_queue import TASK_NAMES
from spikeglyph.modeldir import MANIFEST_NAME
from spikeglyph.schemas import JobKind
from spikeglyph.stores import FeedbackStore, JobStore, Keys, ModelRegistry
from spikeglyph_trainer.lease import SendTask
from spikeglyph_trainer.settings import TrainerSettings

log = logging.getLogger(__name__)


def trigger_cursor_name(dataset: str) -> str:
    return f"auto-finetune:{dataset}"


def maybe_enqueue_finetune(
    client: redis.Redis, settings: TrainerSettings, send_task: SendTask
) -> str | None:
    """Enqueue a finetune if enough new feedback arrived; return the new job id, if any."""
    registry = ModelRegistry.from_settings(client, settings)
    active = registry.active_version()
    if active is not None:
        dataset = registry.get(active).dataset
    elif (settings.models_dir / settings.default_dataset / MANIFEST_NAME).is_file():
        dataset = settings.default_dataset  # a fresh install serving the shipped default
    else:
        return None
    lock = f"{Keys().namespace}:trainer:auto-finetune:lock"
    if not client.set(lock, b"1", nx=True, ex=max(1, int(settings.maintenance_interval_s))):
        return None
    feedback = FeedbackStore(client)
    cursor = trigger_cursor_name(dataset)
    items = feedback.read(after=feedback.get_cursor(cursor), dataset=dataset)
    if len(items) < settings.auto_finetune_after:
        return None
    job_id = uuid.uuid4().hex
    params: dict[str, Any] = {"base_version": active} if active else {}
    JobStore(client).create(job_id, JobKind.finetune, params)
    send_task(TASK_NAMES[JobKind.finetune], {"job_id": job_id, "params": params}, job_id)
    feedback.set_cursor(cursor, items[-1][0].feedback_id)
    log.info("%d new %s feedback items: enqueued finetune job %s", len(items), dataset, job_id)
    return job_id
