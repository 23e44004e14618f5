"""The ``neurogenesis`` job: prune and grow a model's hidden layers, fine-tune, and write the
new version.

Where new units go is the job's ``growth`` parameter: ``saturation`` grows layers that fire near
their limit with random weights (:func:`spikeglyph.train.plasticity.plan`); ``errors`` grows
the one hidden layer where the gradient of the training errors concentrates, each new unit
started from a misclassified training image
(:func:`spikeglyph.train.growth.widen_where_errors`, fully-connected models only).

Fine-tuning follows the base model's recipe (:func:`spikeglyph.recipe.neurogenesis_recipe`):
same dataset, augmentation and regularisation, with the rebuilt architecture, a lower learning
rate and the energy-aware firing penalty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import torch

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidJobParams, InvalidModel, JobCancelled
from spikeglyph.recipe import neurogenesis_recipe
from spikeglyph.recipe.records import derived_from, surrogate_recipe_of, training_record
from spikeglyph.run_options import JobOptions
from spikeglyph.schemas import JobProgress, NeurogenesisParams
from spikeglyph.train.evaluation import evaluate_net, val_sample
from spikeglyph.train.finetune import loop_options, save_derived
from spikeglyph.train.growth import Widening, widen_where_errors
from spikeglyph.train.jobdir import finished_model, validation_metrics
from spikeglyph.train.loop import fit
from spikeglyph.train.modelio import load_model, new_version, telemetry_summary
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.plasticity import LayerPlan, UnitStats, plan, rebuild, unit_stats

ProgressFn = Callable[[JobProgress], None] | None
StopFn = Callable[[], bool] | None
PROBE_IMAGES = 2000  # validation images that measure firing and saliency
SOP_IMAGES = 512  # validation images that measure synaptic operations per inference


def neurogenesis(base_dir: Path, *, params: NeurogenesisParams, **run: Unpack[JobOptions]) -> Path:
    """Prune and grow the base model's hidden layers, fine-tune, and write the new version.

    The manifest records neuron counts, SOPs per inference and validation accuracy before and
    after under ``metrics.neurogenesis``, and the fine-tuning recipe under ``training``.
    """
    data_dir, workdir, should_stop = run["data_dir"], run["workdir"], run.get("should_stop")
    if (done := finished_model(workdir)) is not None:
        return done
    net, manifest = load_model(base_dir)
    if net.arch.residual:
        raise InvalidModel(
            "neurogenesis resizes feed-forward layers; this model has residual blocks"
        )
    if params.growth == "errors" and net.arch.kind != "fc":
        raise InvalidJobParams(
            f"growth='errors' widens fully-connected networks; {manifest.version} is a "
            f"{net.arch.kind} model (use growth='saturation')"
        )
    base = surrogate_recipe_of(manifest)
    train_split = load_split(data_dir, manifest.dataset, "train", val_size=base.val_size)
    val = load_split(data_dir, manifest.dataset, "val", val_size=base.val_size)
    stats, plans, grown = _prune_and_grow(net, val, params, run.get("progress"))
    widening = None
    if params.growth == "errors":
        grown, plans, widening = _grow_where_errors(grown, plans, train_split, params)
    if should_stop is not None and should_stop():
        raise JobCancelled("neurogenesis cancelled")
    recipe = neurogenesis_recipe(
        base,
        arch=grown.arch,
        epochs=params.finetune_epochs,
        lr_factor=params.lr_factor,
        seed=params.seed,
        max_samples=params.max_samples,
    )
    if recipe.epochs > 0:
        order = np.random.default_rng(params.seed).permutation(len(train_split[0]))
        shuffled = (train_split[0][order], train_split[1][order])
        grown = fit(recipe, shuffled, val, **loop_options(run), model=grown).model
    training = training_record(
        recipe,
        device=run.get("device", "auto"),
        derived_from=derived_from(manifest.version, "neurogenesis", base, recipe),
        neurogenesis=json.loads(params.model_dump_json()),
    )
    return save_derived(
        grown,
        workdir,
        manifest,
        version=run.get("version") or new_version(manifest.dataset, f"{grown.arch.kind}-ng"),
        metrics=_metrics(net, grown, stats, plans, val, widening),
        training=training,
        val_images=val[0],
    )


def _prune_and_grow(
    net: SpikingNet,
    val: tuple[np.ndarray, np.ndarray],
    params: NeurogenesisParams,
    progress: ProgressFn,
) -> tuple[list[UnitStats], list[LayerPlan], SpikingNet]:
    """Measure each hidden unit's firing and saliency, plan, and rebuild the network (with
    ``growth='errors'`` this only prunes: the caller grows)."""
    if progress is not None:
        progress(JobProgress(phase="measuring", message="measuring firing and saliency"))
    stats = unit_stats(net, val[0][:PROBE_IMAGES], val[1][:PROBE_IMAGES])
    saturated = params.grow_fraction if params.growth == "saturation" else 0.0
    plans = plan(stats, params.prune_fraction, saturated)
    torch.manual_seed(params.seed)  # grown units start from random weights: seeded, reproducible
    return stats, plans, rebuild(net, plans)


def _grow_where_errors(
    pruned: SpikingNet,
    plans: list[LayerPlan],
    train: tuple[np.ndarray, np.ndarray],
    params: NeurogenesisParams,
) -> tuple[SpikingNet, list[LayerPlan], Widening]:
    """``growth='errors'``: widen the pruned network where its errors on a seeded probe of
    training images point, by ``grow_fraction`` of its hidden units; the plans then say so."""
    probe = np.random.default_rng(params.seed).permutation(len(train[0]))[:PROBE_IMAGES]
    units = round(params.grow_fraction * sum(len(p.keep) for p in plans))
    grown, widening = widen_where_errors(
        pruned, train[0][probe], train[1][probe], units, params.seed
    )
    plans = [
        LayerPlan(p.keep, widening.added if i == widening.layer else 0) for i, p in enumerate(plans)
    ]
    return grown, plans, widening


def _metrics(
    before: SpikingNet,
    after: SpikingNet,
    stats: list[UnitStats],
    plans: list[LayerPlan],
    val: tuple[np.ndarray, np.ndarray],
    widening: Widening | None = None,
) -> dict[str, Any]:
    """Validation figures of the new model, and ``neurogenesis``: what changed."""
    cpu = torch.device("cpu")
    acc_before = evaluate_net(before, *val, cpu)
    acc_after = evaluate_net(after, *val, cpu)
    sample = val_sample(val[0], SOP_IMAGES)
    sops_before = telemetry_summary(before, sample)["sops_per_inference"]
    sops_after = telemetry_summary(after, sample)["sops_per_inference"]
    report = {
        "neurons_before": before.neuron_counts(),
        "neurons_after": after.neuron_counts(),
        "units_before": [len(s.spikes) for s in stats],
        "units_after": [len(p.keep) + p.grow for p in plans],
        "pruned": [len(s.spikes) - len(p.keep) for s, p in zip(stats, plans, strict=True)],
        "grown": [p.grow for p in plans],
        # which of the base's units each layer kept (the grown ones follow them), so the
        # weight figures can show what changed, unit by unit
        "kept": [p.keep.tolist() for p in plans],
        "val_accuracy_before": acc_before["accuracy"],
        "val_accuracy_after": acc_after["accuracy"],
        "sops_before": sops_before,
        "sops_after": sops_after,
        "sops_reduction": 1.0 - sops_after / sops_before if sops_before else 0.0,
        "growth": "saturation" if widening is None else "errors",
    }
    if widening is not None:  # the errors' mean saliency per unit, per layer, and the pick
        report["error_signal"] = widening.signal
        report["grown_layer"] = widening.layer
    return {**validation_metrics(acc_after), "neurogenesis": report}
