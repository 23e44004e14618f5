"""``neurogenesis``: prune silent or low-saliency neurons, grow new ones, fine-tune, publish.

The result is published as a candidate (not activated): the manifest records neuron counts,
SOPs per inference and accuracy before and after, so an operator can compare and activate it.
"""

from __future__ import annotations

from typing import Any

from spikeglyph.schemas import NeurogenesisParams
from spikeglyph_trainer.jobs.context import JobContext
from spikeglyph_trainer.jobs.publishing import publish_model
from spikeglyph_trainer.jobs.versions import resolve_model


def run_neurogenesis(ctx: JobContext, params: NeurogenesisParams) -> dict[str, Any]:
    base_dir, base_manifest = resolve_model(ctx, params.base_version)
    base = base_manifest.version
    model_dir = ctx.engine.neurogenesis(base_dir, params=params, **ctx.job_options())
    manifest = publish_model(ctx, model_dir, activate=False)
    return {
        "version": manifest.version,
        "parent": base,
        "activated": False,
        "neurons_before": base_manifest.neurons,
        "neurons_after": manifest.neurons,
        "sops_before": base_manifest.sops_per_inference,
        "sops_after": manifest.sops_per_inference,
        "metrics": manifest.metrics,
    }
