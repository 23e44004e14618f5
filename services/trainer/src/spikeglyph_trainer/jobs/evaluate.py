"""``evaluate``: accuracy of a published version on a dataset split.

Measured with ONNX Runtime, the way the version is served, so every family that can be
activated (surrogate-gradient, STDP, fixed-point) is evaluated the same way.
"""

from __future__ import annotations

from typing import Any

from spikeglyph.schemas import EvaluateParams
from spikeglyph_trainer.jobs.context import JobContext
from spikeglyph_trainer.jobs.versions import resolve_model


def run_evaluate(ctx: JobContext, params: EvaluateParams) -> dict[str, Any]:
    model_dir, manifest = resolve_model(ctx, params.version)
    version = manifest.version
    dataset = params.dataset or manifest.dataset
    ctx.reporter.phase("evaluating", f"{version} on {dataset}/{params.split}")
    metrics = ctx.evaluator.evaluate(
        model_dir,
        data_dir=ctx.settings.data_dir,
        dataset=dataset,
        split=params.split,
        max_samples=params.max_samples,
    )
    return {
        "version": version,
        "dataset": dataset,
        "split": params.split,
        "accuracy": metrics["accuracy"],
        "n": metrics["n"],
        "metrics": metrics,
    }
