"""The ``finetune`` job: online retraining of a model on user feedback, with rehearsal.

The recipe is the base model's (:func:`spikeglyph.recipe.finetune_recipe`): same dataset,
augmentation, regularisation and validation split, with the few changes fine-tuning needs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Unpack

import numpy as np

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidJobParams
from spikeglyph.modeldir import Manifest, read_manifest
from spikeglyph.recipe import finetune_recipe
from spikeglyph.recipe.records import derived_from, surrogate_recipe_of, training_record
from spikeglyph.run_options import JobOptions
from spikeglyph.schemas import FinetuneParams
from spikeglyph.train.evaluation import evaluate_net, pick_device, val_sample
from spikeglyph.train.jobdir import MODEL_SUBDIR, finished_model, validation_metrics
from spikeglyph.train.loop import fit
from spikeglyph.train.modelio import load_model, new_version, save_model
from spikeglyph.train.network import SpikingNet

Images = np.ndarray
Labels = np.ndarray
# Replayed training images per fine-tuning run, at the least.
MIN_REPLAY = 256


def rehearsal_mix(
    feedback: tuple[Images, Labels], train: tuple[Images, Labels], params: FinetuneParams
) -> tuple[Images, Labels, int]:
    """The feedback plus ``rehearsal_ratio`` × as many replayed training images (at least
    :data:`MIN_REPLAY`), shuffled with the job's seed; and how many were replayed."""
    images, labels = feedback
    train_x, train_y = train
    rng = np.random.default_rng(params.seed)
    n_replay = max(MIN_REPLAY, round(params.rehearsal_ratio * len(images)))
    replay = rng.choice(len(train_x), size=min(n_replay, len(train_x)), replace=False)
    mix_x = np.concatenate([np.asarray(images, np.uint8), train_x[replay]])
    mix_y = np.concatenate([np.asarray(labels, np.uint8), train_y[replay]])
    order = rng.permutation(len(mix_x))
    return mix_x[order], mix_y[order], len(replay)


def finetune(
    base_dir: Path,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    params: FinetuneParams,
    **run: Unpack[JobOptions],
) -> Path:
    """Train the base model on feedback mixed with replayed training data (rehearsal).

    Each epoch sees every feedback image plus ``rehearsal_ratio`` × as many replayed training
    images, with batch-norm statistics frozen, so the model learns the corrections without
    forgetting. No gate here: the caller evaluates and decides whether to promote. ``run``:
    where and how (:class:`~spikeglyph.run_options.JobOptions`). An R-STDP model learns from
    the feedback as reward instead (:mod:`spikeglyph.train.rstdp.finetune`).
    """
    if read_manifest(base_dir).family == "rstdp":
        from spikeglyph.train.rstdp.finetune import reward_finetune

        return reward_finetune(base_dir, images, labels, params=params, **run)
    return surrogate_finetune(base_dir, images, labels, params=params, **run)


def surrogate_finetune(
    base_dir: Path,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    params: FinetuneParams,
    **run: Unpack[JobOptions],
) -> Path:
    """:func:`finetune` of a surrogate-gradient model."""
    data_dir, workdir, device = run["data_dir"], run["workdir"], run.get("device", "auto")
    if (done := finished_model(workdir)) is not None:
        return done
    if len(images) == 0:
        raise InvalidJobParams("no feedback to fine-tune on")
    net, manifest = load_model(base_dir)
    base = surrogate_recipe_of(manifest)
    train_split = load_split(data_dir, manifest.dataset, "train", val_size=base.val_size)
    val_x, val_y = load_split(data_dir, manifest.dataset, "val", val_size=base.val_size)
    val_x, val_y = val_x[: params.max_val_samples], val_y[: params.max_val_samples]
    mix_x, mix_y, replayed = rehearsal_mix((images, labels), train_split, params)
    recipe = finetune_recipe(
        base,
        epochs=params.epochs,
        lr_factor=params.lr_factor,
        seed=params.seed,
        examples=len(mix_x),
    )
    result = fit(
        recipe,
        (mix_x, mix_y),
        (val_x, val_y),
        **loop_options(run),
        model=net,
        select_best=False,
        freeze_norm_stats=True,
    )
    metrics = validation_metrics(evaluate_net(result.model, val_x, val_y, pick_device("cpu")))
    training = training_record(
        recipe,
        device=device,
        history=result.history,
        derived_from=derived_from(manifest.version, "finetune", base, recipe),
        finetune=json.loads(params.model_dump_json()),
    )
    return save_derived(
        result.model,
        workdir,
        manifest,
        version=run.get("version") or new_version(manifest.dataset, f"{net.arch.kind}-ft"),
        metrics={**metrics, "feedback_trained": len(images), "replayed": replayed},
        training=training,
        val_images=val_x,
    )


def loop_options(run: JobOptions) -> dict[str, Any]:
    """The part of a job's options the training loop takes."""
    return {
        "workdir": run["workdir"],
        "device": run.get("device", "auto"),
        "progress": run.get("progress"),
        "should_stop": run.get("should_stop"),
        "tensorboard": run.get("tensorboard"),
    }


def save_derived(
    net: SpikingNet,
    workdir: Path,
    base: Manifest,
    *,
    version: str,
    metrics: dict[str, Any],
    training: dict[str, Any],
    val_images: np.ndarray,
) -> Path:
    """Write a model a job derived from ``base`` as ``workdir/model`` (its parent: ``base``)."""
    save_model(
        net,
        workdir / MODEL_SUBDIR,
        dataset=base.dataset,
        version=version,
        metrics=metrics,
        training=training,
        sample_images=val_sample(val_images),
        parent=base.version,
    )
    return workdir / MODEL_SUBDIR
