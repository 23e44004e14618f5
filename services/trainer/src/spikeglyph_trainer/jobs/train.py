"""``train``: a new model from scratch, checkpointed each epoch, published once."""

from __future__ import annotations

from typing import Any

from spikeglyph.schemas import TrainParams
from spikeglyph_trainer.jobs.context import JobContext
from spikeglyph_trainer.jobs.publishing import publish_model


def run_train(ctx: JobContext, params: TrainParams) -> dict[str, Any]:
    """Train (resuming from ``ctx.workdir/checkpoints`` when present) and publish."""
    model_dir = ctx.engine.train(params, **ctx.job_options())
    manifest = publish_model(ctx, model_dir, activate=params.activate)
    return {
        "version": manifest.version,
        "activated": params.activate,
        "dataset": manifest.dataset,
        "metrics": manifest.metrics,
    }
