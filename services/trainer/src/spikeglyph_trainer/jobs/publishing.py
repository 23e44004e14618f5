"""Publishing a job's model into the registry, exactly once per job, then pruning old ones."""

from __future__ import annotations

import logging
from pathlib import Path

from spikeglyph.modeldir import Manifest
from spikeglyph_trainer.jobs.context import JobContext

log = logging.getLogger(__name__)


def publish_model(ctx: JobContext, model_dir: Path, *, activate: bool) -> Manifest:
    """Publish ``model_dir`` with the job id as idempotency key, then apply retention.

    A job redelivered after a crash that happened after its publish gets the same version back
    instead of a second one.
    """
    ctx.reporter.phase("publishing")
    manifest = ctx.registry.publish(model_dir, idempotency_key=ctx.job_id, activate=activate)
    removed = ctx.registry.apply_retention(keep=ctx.settings.retention_keep)
    if removed:
        log.info("retention removed %d old version(s): %s", len(removed), ", ".join(removed))
    return manifest
