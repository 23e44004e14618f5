"""Publishing a job's model into the registry, exactly once per job, then pruning old ones.

Before a version is published it gains its lab variants (the what-if graph and the reference
activity, :mod:`spikeglyph.train.whatif_export`), so the page's knobs and activity panes keep
working after a fine-tune. They are optional: a model they cannot be made for is published
without them, and the page says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

from spikeglyph.errors import SpikeGlyphError
from spikeglyph.modeldir import Manifest, read_manifest
from spikeglyph_trainer.jobs.context import JobContext

log = logging.getLogger(__name__)


def publish_model(ctx: JobContext, model_dir: Path, *, activate: bool) -> Manifest:
    """Publish ``model_dir`` with the job id as idempotency key, then apply retention.

    A job redelivered after a crash that happened after its publish gets the same version back
    instead of a second one.
    """
    ctx.reporter.phase("publishing")
    add_lab_variants_if_missing(ctx, model_dir)
    manifest = ctx.registry.publish(model_dir, idempotency_key=ctx.job_id, activate=activate)
    removed = ctx.registry.apply_retention(keep=ctx.settings.retention_keep)
    if removed:
        log.info("retention removed %d old version(s): %s", len(removed), ", ".join(removed))
    return manifest


def add_lab_variants_if_missing(ctx: JobContext, model_dir: Path) -> None:
    """Add the what-if graph and the reference activity unless the directory has them."""
    from spikeglyph.train.whatif_export import add_lab_variants

    if "activity" in read_manifest(model_dir).variants:
        return  # a redelivered job: added before the crash
    try:
        add_lab_variants(model_dir, data_dir=ctx.settings.data_dir)
    except (SpikeGlyphError, OSError, ValueError) as exc:
        log.warning("%s: published without its lab variants: %s", model_dir.name, exc)
