"""``finetune``: online retraining from user feedback, behind a promotion gate.

The job reads the feedback that arrived since the last promoted finetune of the base model's
dataset, holds a deterministic quarter of it out, finetunes on the rest mixed with replayed
training data (so the model does not forget), evaluates base and new model on the validation
split and on the held-out feedback, and activates the new version only if the gate agrees.
A refused model is still published, as a candidate, with the reason in its manifest.

The feedback cursor moves only when a model is promoted: refused feedback stays pending and is
used again, together with newer corrections, by the next finetune.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spikeglyph.errors import InvalidJobParams
from spikeglyph.modeldir import load_manifest, write_model_dir
from spikeglyph.schemas import FinetuneParams
from spikeglyph_trainer.jobs.context import JobContext
from spikeglyph_trainer.jobs.feedback_split import Images, Labels, split_feedback
from spikeglyph_trainer.jobs.gate import GateDecision, GateInputs, decide_promotion
from spikeglyph_trainer.jobs.publishing import publish_model
from spikeglyph_trainer.jobs.versions import resolve_model


def feedback_cursor_name(dataset: str) -> str:
    """The feedback cursor of promoted finetunes of ``dataset``."""
    return f"finetune:{dataset}"


def run_finetune(ctx: JobContext, params: FinetuneParams) -> dict[str, Any]:
    base_dir, base_manifest = resolve_model(ctx, params.base_version)
    base = base_manifest.version
    dataset = base_manifest.dataset
    cursor = feedback_cursor_name(dataset)
    ctx.reporter.phase("reading feedback")
    items = ctx.feedback.read(after=ctx.feedback.get_cursor(cursor), dataset=dataset)
    if not items:
        raise InvalidJobParams(
            f"no new {dataset} feedback since the last finetune: nothing to learn from"
        )
    split = split_feedback(items, seed=params.seed)
    new_dir = ctx.engine.finetune(
        base_dir, split.train_images, split.train_labels, params=params, **ctx.job_options()
    )
    ctx.reporter.phase("evaluating", "validation split and held-out feedback")
    decision, scores = _judge(
        ctx, params, base_dir, new_dir, dataset, split.holdout_images, split.holdout_labels
    )
    gate = {
        "promoted": decision.promote,
        "reason": decision.reason,
        "tolerance_points": params.tolerance_points,
        "val_drop_points": decision.val_drop_points,
        "feedback_gain_points": decision.feedback_gain_points,
        "feedback_used": len(split.train_labels),
        "feedback_held_out": len(split.holdout_labels),
        **scores,
    }
    _record_gate(new_dir, gate)
    manifest = publish_model(ctx, new_dir, activate=decision.promote)
    if decision.promote:
        ctx.feedback.set_cursor(cursor, items[-1][0].feedback_id)
    return {
        "version": manifest.version,
        "parent": base,
        "activated": decision.promote,
        "promoted": decision.promote,
        "reason": decision.reason,
        "metrics": manifest.metrics,
        "gate": gate,
    }


def _judge(
    ctx: JobContext,
    params: FinetuneParams,
    base_dir: Path,
    new_dir: Path,
    dataset: str,
    holdout_images: Images,
    holdout_labels: Labels,
) -> tuple[GateDecision, dict[str, float]]:
    def val_accuracy(model_dir: Path) -> float:
        metrics = ctx.evaluator.evaluate(
            model_dir,
            data_dir=ctx.settings.data_dir,
            dataset=dataset,
            split="val",
            max_samples=params.max_val_samples,
        )
        return float(metrics["accuracy"])

    def feedback_accuracy(model_dir: Path) -> float:
        return ctx.evaluator.accuracy_on(model_dir, holdout_images, holdout_labels)

    scores = {
        "base_val_accuracy": val_accuracy(base_dir),
        "new_val_accuracy": val_accuracy(new_dir),
        "base_feedback_accuracy": feedback_accuracy(base_dir),
        "new_feedback_accuracy": feedback_accuracy(new_dir),
    }
    decision = decide_promotion(
        GateInputs(
            base_val=scores["base_val_accuracy"],
            new_val=scores["new_val_accuracy"],
            base_feedback=scores["base_feedback_accuracy"],
            new_feedback=scores["new_feedback_accuracy"],
            tolerance_points=params.tolerance_points,
        )
    )
    return decision, scores


def _record_gate(model_dir: Path, gate: dict[str, Any]) -> None:
    """Store the gate's verdict in the model's manifest (the other files are unchanged)."""
    manifest = load_manifest(model_dir)
    metrics = {**manifest.metrics, "finetune_gate": gate}
    files = {name: model_dir / name for name in manifest.files}
    write_model_dir(
        model_dir, manifest.model_copy(update={"metrics": metrics}), files, overwrite=True
    )
