"""Whole training jobs, as the CLI and the trainer worker run them: train, finetune,
neurogenesis (evaluation needs no torch: :mod:`spikeglyph.evaluation`).

Each function takes plain values, reports :class:`~spikeglyph.schemas.JobProgress` through an
optional callback, checks ``should_stop`` every few batches (raising
:class:`~spikeglyph.errors.JobCancelled`), keeps its resumable state in ``workdir`` and returns
a complete, verified model directory (``workdir/model``). Reusing the same ``workdir`` resumes
an interrupted job; a job that already finished returns its model again. Every model's
manifest records the full recipe that trained it (``training.recipe``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Unpack

from spikeglyph.data import load_split
from spikeglyph.recipe import Recipe, StdpRecipe
from spikeglyph.recipe.records import training_record
from spikeglyph.run_options import JobOptions, TrainOptions
from spikeglyph.schemas import JobProgress, TrainParams
from spikeglyph.train.evaluation import evaluate_net, pick_device, val_sample
from spikeglyph.train.finetune import finetune, loop_options
from spikeglyph.train.jobdir import MODEL_SUBDIR, finished_model, load_val, validation_metrics
from spikeglyph.train.loop import fit
from spikeglyph.train.modelio import new_version, save_model
from spikeglyph.train.neurogenesis import neurogenesis

__all__ = [
    "finetune",
    "neurogenesis",
    "train",
    "train_config",
    "val_sample",
]

log = logging.getLogger(__name__)


def train_config(config: Recipe, **run: Unpack[TrainOptions]) -> Path:
    """Train the recipe ``config`` from scratch (or resume it) and write ``workdir/model``."""
    data_dir, workdir, progress = run["data_dir"], run["workdir"], run.get("progress")
    if (done := finished_model(workdir)) is not None:
        return done
    train_split = load_split(data_dir, config.dataset, "train", val_size=config.val_size)
    val = load_val(data_dir, config.dataset, config.val_size, config.max_samples)
    result = fit(config, train_split, val, **loop_options(run))
    if progress is not None:
        progress(JobProgress(phase="exporting", message="exporting to ONNX and checking parity"))
    cpu = pick_device("cpu")
    val_metrics = evaluate_net(result.model, *val, cpu)
    metrics: dict[str, Any] = {
        **validation_metrics(val_metrics),
        "val_firing_rate": val_metrics["firing_rate"],
        "best_epoch": result.best_epoch,
        "train_seconds": round(result.seconds, 1),
        "train_samples_per_s": round(result.samples_per_s, 1),
    }
    if run.get("report_test"):  # reported, never used for selection
        test = load_split(data_dir, config.dataset, "test")
        metrics["test_accuracy"] = evaluate_net(result.model, *test, cpu)["accuracy"]
    save_model(
        result.model,
        workdir / MODEL_SUBDIR,
        dataset=config.dataset,
        version=run.get("version") or new_version(config.dataset, config.arch.kind),
        metrics=metrics,
        training=training_record(config, device=run.get("device", "auto"), history=result.history),
        sample_images=val_sample(val[0]),
    )
    return workdir / MODEL_SUBDIR


def train(params: TrainParams, **run: Unpack[JobOptions]) -> Path:
    """The ``train`` job: a new model from the recipe the job's parameters resolve to
    (``arch="stdp"``: the unsupervised STDP family of :mod:`spikeglyph.train.stdp`), run as
    ``run`` says (``data_dir``, ``workdir``, ``device``, ``progress``, ``should_stop``,
    ``version``: see :class:`~spikeglyph.run_options.JobOptions`)."""
    recipe = params.recipe()
    if isinstance(recipe, StdpRecipe):
        from spikeglyph.train.stdp import api as stdp_api

        return stdp_api.train_stdp(recipe, **run)
    return train_config(recipe, **run)
