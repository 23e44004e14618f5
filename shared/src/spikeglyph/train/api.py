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
from typing import Any, Unpack

import numpy as np
import torch

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidJobParams, JobCancelled
from spikeglyph.job_options import JobOptions
from spikeglyph.schemas import FinetuneParams, JobProgress, NeurogenesisParams, TrainParams
from spikeglyph.train.augment import default_augment
from spikeglyph.train.config import TrainConfig
from spikeglyph.train.jobdir import MODEL_SUBDIR, finished_model, load_val, validation_metrics
from spikeglyph.train.loop import evaluate_net, fit, pick_device, to_tensor
from spikeglyph.train.modelio import load_model, new_version, save_model, telemetry_summary
from spikeglyph.train.spec import EncoderSpec, default_arch

log = logging.getLogger(__name__)

ProgressFn = Callable[[JobProgress], None] | None
StopFn = Callable[[], bool] | None
# Energy-aware fine-tuning after pruning: a firing-rate penalty keeps the SOP savings.
NEUROGENESIS_RATE_REG = 0.2


def config_from_params(params: TrainParams) -> TrainConfig:
    if params.arch == "stdp":
        raise InvalidJobParams("stdp models are trained by train(), not from a TrainConfig")
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
        augment=default_augment(params.dataset),
    )


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
    if (done := finished_model(workdir)) is not None:
        return done
    train = load_split(data_dir, config.dataset, "train", val_size=config.val_size)
    val = load_val(data_dir, config.dataset, config.val_size, config.max_samples)
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
        **validation_metrics(val_metrics),
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


def train(params: TrainParams, **run: Unpack[JobOptions]) -> Path:
    """The ``train`` job: a new model from the job parameters (``arch="stdp"``: the
    unsupervised STDP family of :mod:`spikeglyph.train.stdp`), run as ``run`` says
    (``data_dir``, ``workdir``, ``device``, ``progress``, ``should_stop``, ``version``: see
    :class:`~spikeglyph.job_options.JobOptions`)."""
    if params.arch == "stdp":
        from spikeglyph.train.stdp import api as stdp_api

        return stdp_api.train_stdp(stdp_api.config_from_params(params), **run)
    return train_config(config_from_params(params), **run)


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
    if (done := finished_model(workdir)) is not None:
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
        **validation_metrics(val_metrics),
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


def neurogenesis(
    base_dir: Path,
    *,
    data_dir: Path,
    params: NeurogenesisParams,
    workdir: Path,
    device: str = "auto",
    progress: ProgressFn = None,
    should_stop: StopFn = None,
    version: str | None = None,
) -> Path:
    """Prune and grow the base model's hidden layers, fine-tune, and write the new version.

    The manifest records neuron counts, SOPs per inference and validation accuracy before and
    after under ``metrics.neurogenesis``.
    """
    from spikeglyph.train.plasticity import plan, rebuild, unit_stats

    if (done := finished_model(workdir)) is not None:
        return done
    net, manifest = load_model(base_dir)
    train_x, train_y = load_split(data_dir, manifest.dataset, "train")
    val_x, val_y = load_split(data_dir, manifest.dataset, "val")
    cpu = torch.device("cpu")
    if progress is not None:
        progress(JobProgress(phase="measuring", message="measuring firing and saliency"))
    probe = min(len(val_x), 2000)
    before = evaluate_net(net, val_x, val_y, cpu)
    before_sops = telemetry_summary(net, val_sample(val_x, 512))["sops_per_inference"]
    stats = unit_stats(net, val_x[:probe], val_y[:probe])
    plans = plan(stats, params.prune_fraction, params.grow_fraction)
    grown = rebuild(net, plans)
    if should_stop is not None and should_stop():
        raise JobCancelled("neurogenesis cancelled")
    base_cfg = (
        TrainConfig.from_dict(manifest.training["config"])
        if "config" in manifest.training
        else None
    )
    if params.finetune_epochs > 0:
        config = TrainConfig(
            dataset=manifest.dataset,
            arch=grown.arch,
            encoder=grown.encoder,
            timesteps=grown.timesteps,
            epochs=params.finetune_epochs,
            lr=(base_cfg.lr if base_cfg else 3e-3) / 5,
            warmup_frac=0.0,
            rate_reg=NEUROGENESIS_RATE_REG,
            max_samples=params.max_samples,
            seed=params.seed,
        )
        rng = np.random.default_rng(params.seed)
        order = rng.permutation(len(train_x))
        grown = fit(
            config,
            (train_x[order], train_y[order]),
            (val_x, val_y),
            workdir=workdir,
            device=device,
            progress=progress,
            should_stop=should_stop,
            model=grown,
        ).model
    after = evaluate_net(grown, val_x, val_y, cpu)
    after_sops = telemetry_summary(grown, val_sample(val_x, 512))["sops_per_inference"]
    report = {
        "neurons_before": net.neuron_counts(),
        "neurons_after": grown.neuron_counts(),
        "units_before": [len(s.spikes) for s in stats],
        "units_after": [len(p.keep) + p.grow for p in plans],
        "pruned": [len(s.spikes) - len(p.keep) for s, p in zip(stats, plans, strict=True)],
        "grown": [p.grow for p in plans],
        "val_accuracy_before": before["accuracy"],
        "val_accuracy_after": after["accuracy"],
        "sops_before": before_sops,
        "sops_after": after_sops,
        "sops_reduction": 1.0 - after_sops / before_sops if before_sops else 0.0,
    }
    metrics = {
        **validation_metrics(after),
        "neurogenesis": report,
    }
    training = {"neurogenesis": json.loads(params.model_dump_json()), "device": device}
    save_model(
        grown,
        workdir / MODEL_SUBDIR,
        dataset=manifest.dataset,
        version=version or new_version(manifest.dataset, f"{grown.arch.kind}-ng"),
        metrics=metrics,
        training=training,
        sample_images=val_sample(val_x),
        parent=manifest.version,
    )
    return workdir / MODEL_SUBDIR
