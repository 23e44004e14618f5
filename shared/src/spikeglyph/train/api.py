"""Whole jobs, as the CLI and the trainer worker run them: train, evaluate, finetune.

Each function takes plain values, reports :class:`~spikeglyph.schemas.JobProgress` through an
optional callback, checks ``should_stop`` every few batches (raising
:class:`~spikeglyph.errors.JobCancelled`), keeps its resumable state in ``workdir`` and returns
a complete, verified model directory (``workdir/model``). Reusing the same ``workdir`` resumes
an interrupted job; a job that already finished returns its model directory again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidJobParams
from spikeglyph.modeldir import load_manifest
from spikeglyph.schemas import FinetuneParams, JobProgress, TrainParams
from spikeglyph.train.config import TrainConfig
from spikeglyph.train.loop import evaluate_net, fit, pick_device, to_tensor
from spikeglyph.train.modelio import load_model, new_version, save_model
from spikeglyph.train.spec import EncoderSpec, default_arch

log = logging.getLogger(__name__)

ProgressFn = Callable[[JobProgress], None] | None
StopFn = Callable[[], bool] | None
MODEL_SUBDIR = "model"


def config_from_params(params: TrainParams) -> TrainConfig:
    if params.arch == "stdp":
        raise InvalidJobParams("the stdp family is trained with `spikeglyph train --arch stdp`")
    return TrainConfig(
        dataset=params.dataset,
        arch=default_arch(params.arch),
        encoder=EncoderSpec(kind=params.encoder, seed=params.seed),
        timesteps=params.timesteps,
        epochs=params.epochs,
        batch_size=params.batch_size,
        lr=params.lr,
        max_samples=params.max_samples,
        seed=params.seed,
    )


def _finished(workdir: Path) -> Path | None:
    target = workdir / MODEL_SUBDIR
    if (target / "manifest.json").is_file():
        load_manifest(target)  # verified: a complete model from an earlier attempt
        return target
    return None


def val_sample(images: np.ndarray, n: int = 256) -> np.ndarray:
    return to_tensor(images[:n]).numpy()


def train_config(
    config: TrainConfig,
    *,
    data_dir: Path,
    workdir: Path,
    device: str = "auto",
    progress: ProgressFn = None,
    should_stop: StopFn = None,
    version: str | None = None,
    report_test: bool = False,
) -> Path:
    """Train ``config`` from scratch (or resume it) and write ``workdir/model``."""
    if (done := _finished(workdir)) is not None:
        return done
    train = load_split(data_dir, config.dataset, "train", val_size=config.val_size)
    val = load_split(data_dir, config.dataset, "val", val_size=config.val_size)
    result = fit(
        config,
        train,
        val,
        workdir=workdir,
        device=device,
        progress=progress,
        should_stop=should_stop,
    )
    if progress is not None:
        progress(JobProgress(phase="exporting", message="exporting to ONNX and checking parity"))
    dev = pick_device("cpu")
    val_metrics = evaluate_net(result.model, *val, dev)
    metrics: dict[str, Any] = {
        "val_accuracy": val_metrics["accuracy"],
        "val_n": val_metrics["n"],
        "per_class_accuracy": val_metrics["per_class"],
        "val_firing_rate": val_metrics["firing_rate"],
        "best_epoch": result.best_epoch,
        "train_seconds": round(result.seconds, 1),
        "train_samples_per_s": round(result.samples_per_s, 1),
    }
    if report_test:  # reported, never used for selection
        test = load_split(data_dir, config.dataset, "test")
        metrics["test_accuracy"] = evaluate_net(result.model, *test, dev)["accuracy"]
    training = {"config": config.to_dict(), "history": result.history, "device": device}
    save_model(
        result.model,
        workdir / MODEL_SUBDIR,
        dataset=config.dataset,
        version=version or new_version(config.dataset, config.arch.kind),
        metrics=metrics,
        training=training,
        sample_images=val_sample(val[0]),
    )
    return workdir / MODEL_SUBDIR


def train(
    params: TrainParams,
    *,
    data_dir: Path,
    workdir: Path,
    device: str = "auto",
    progress: ProgressFn = None,
    should_stop: StopFn = None,
    version: str | None = None,
) -> Path:
    """The ``train`` job: a new model from the job parameters."""
    return train_config(
        config_from_params(params),
        data_dir=data_dir,
        workdir=workdir,
        device=device,
        progress=progress,
        should_stop=should_stop,
        version=version,
    )


def evaluate(
    model_dir: Path,
    *,
    data_dir: Path,
    dataset: str | None = None,
    split: str = "test",
    max_samples: int | None = None,
    device: str = "auto",
) -> dict[str, Any]:
    """Accuracy (0..1), n and per-class accuracy of a model directory on a dataset split."""
    net, manifest = load_model(model_dir)
    name = dataset or manifest.dataset
    images, labels = load_split(data_dir, name, split)
    if max_samples is not None:
        images, labels = images[:max_samples], labels[:max_samples]
    dev = pick_device(device)
    metrics = evaluate_net(net.to(dev), images, labels, dev)
    return {"version": manifest.version, "dataset": name, "split": split, **metrics}


def finetune(
    base_dir: Path,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    data_dir: Path,
    params: FinetuneParams,
    workdir: Path,
    device: str = "auto",
    progress: ProgressFn = None,
    should_stop: StopFn = None,
    version: str | None = None,
) -> Path:
    """Train the base model on feedback mixed with replayed training data (rehearsal).

    Each epoch sees every feedback image plus ``rehearsal_ratio`` × as many original training
    images (at least 256), at a tenth of the base learning rate with batch-norm statistics
    frozen, so the model learns the corrections without forgetting. No gate here: the caller
    evaluates and decides whether to promote.
    """
    if (done := _finished(workdir)) is not None:
        return done
    if len(images) == 0:
        raise InvalidJobParams("no feedback to fine-tune on")
    net, manifest = load_model(base_dir)
    base_cfg = (
        TrainConfig.from_dict(manifest.training["config"])
        if "config" in manifest.training
        else None
    )
    train_x, train_y = load_split(data_dir, manifest.dataset, "train")
    val_x, val_y = load_split(data_dir, manifest.dataset, "val")
    if params.max_val_samples is not None:
        val_x, val_y = val_x[: params.max_val_samples], val_y[: params.max_val_samples]
    rng = np.random.default_rng(params.seed)
    n_replay = max(256, round(params.rehearsal_ratio * len(images)))
    replay = rng.choice(len(train_x), size=min(n_replay, len(train_x)), replace=False)
    mix_x = np.concatenate([np.asarray(images, np.uint8), train_x[replay]])
    mix_y = np.concatenate([np.asarray(labels, np.uint8), train_y[replay]])
    order = rng.permutation(len(mix_x))
    base_lr = base_cfg.lr if base_cfg else 3e-3
    config = TrainConfig(
        dataset=manifest.dataset,
        arch=net.arch,
        encoder=net.encoder,
        timesteps=net.timesteps,
        epochs=params.epochs,
        batch_size=min(64, len(mix_x)),
        lr=base_lr / 10,
        warmup_frac=0.0,
        seed=params.seed,
    )
    result = fit(
        config,
        (mix_x[order], mix_y[order]),
        (val_x, val_y),
        workdir=workdir,
        device=device,
        progress=progress,
        should_stop=should_stop,
        model=net,
        select_best=False,
        freeze_norm_stats=True,
    )
    dev = pick_device("cpu")
    val_metrics = evaluate_net(result.model, val_x, val_y, dev)
    metrics = {
        "val_accuracy": val_metrics["accuracy"],
        "val_n": val_metrics["n"],
        "per_class_accuracy": val_metrics["per_class"],
        "feedback_trained": len(images),
        "replayed": len(replay),
    }
    training = {
        "config": config.to_dict(),
        "history": result.history,
        "finetune": json.loads(params.model_dump_json()),
        "device": device,
    }
    save_model(
        result.model,
        workdir / MODEL_SUBDIR,
        dataset=manifest.dataset,
        version=version or new_version(manifest.dataset, f"{net.arch.kind}-ft"),
        metrics=metrics,
        training=training,
        sample_images=val_sample(val_x),
        parent=manifest.version,
    )
    return workdir / MODEL_SUBDIR


def accuracy_on(model_dir: Path, images: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of a model directory on given uint8 images (e.g. held-out feedback)."""
    net, _ = load_model(model_dir)
    return float(evaluate_net(net, images, labels, torch.device("cpu"))["accuracy"])
