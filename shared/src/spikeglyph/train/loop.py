"""The training loop: BPTT through the unrolled time steps with surrogate gradients.

AdamW with a linear warm-up and cosine decay (a pure function of the step, so resuming needs
no scheduler state), augmentation, an optional firing-rate penalty, AMP on CUDA, per-epoch
validation with best-epoch selection (the test split is never looked at), per-epoch
checkpoints, progress callbacks and cooperative cancellation.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from spikeglyph.errors import JobCancelled
from spikeglyph.recipe import Recipe
from spikeglyph.schemas import JobProgress
from spikeglyph.train import checkpoint
from spikeglyph.train.augment import augment
from spikeglyph.train.curriculum import Pacing, epoch_batches, pacing_of
from spikeglyph.train.evaluation import evaluate_net as evaluate_net
from spikeglyph.train.evaluation import pick_device as pick_device
from spikeglyph.train.evaluation import to_tensor as to_tensor
from spikeglyph.train.evaluation import val_sample
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.optim import build_optimizer, lr_at, seed_everything
from spikeglyph.train.tensorboard import (
    SAMPLE_IMAGES,
    TensorBoardLog,
    log_surrogate_epoch,
    open_log,
)

log = logging.getLogger(__name__)

ProgressFn = Callable[[JobProgress], None]
StopFn = Callable[[], bool]
CHECK_EVERY = 5  # batches between cancellation checks and progress reports


@dataclass
class FitResult:
    model: SpikingNet
    best_val: float
    best_epoch: int
    history: list[dict[str, Any]]
    seconds: float
    samples_per_s: float


@dataclass
class EpochStats:
    """Running training figures of one epoch."""

    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass
class _Run:
    """What one :func:`fit` call carries from batch to batch and epoch to epoch."""

    config: Recipe
    net: SpikingNet
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    dev: torch.device
    state: checkpoint.Checkpoint
    images: torch.Tensor
    labels: torch.Tensor
    steps_per_epoch: int
    progress: ProgressFn | None
    should_stop: StopFn | None
    best_weights: dict[str, torch.Tensor] | None = None
    pacing: Pacing | None = None  # the curriculum's, None in random order
    board: TensorBoardLog | None = None
    board_images: np.ndarray | None = None  # the fixed validation sample the board measures
    started: float = field(default_factory=time.monotonic)
    trained_samples: int = 0

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.config.epochs


def fit(
    config: Recipe,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    *,
    workdir: Path,
    device: str = "auto",
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    model: SpikingNet | None = None,
    select_best: bool = True,
    freeze_norm_stats: bool = False,
    tensorboard: Path | None = None,
) -> FitResult:
    """Train the recipe ``config`` (or continue ``model``) and return the best-validation
    network.

    Checkpoints go to ``workdir/checkpoints``; when one from the same config is there the run
    resumes after its last completed epoch. Metrics are appended to ``workdir/metrics.jsonl``.
    With ``select_best`` the weights of the best validation epoch are returned, else the last.
    With ``freeze_norm_stats`` batch-norm statistics stay as they are (fine-tuning on a skewed
    mix must not move them). With ``tensorboard`` each epoch is also logged there as
    TensorBoard event files (:mod:`spikeglyph.train.tensorboard`).
    """
    run = _start(config, train, workdir, pick_device(device), model, progress, should_stop)
    run.board = open_log(tensorboard)
    if run.board is not None:
        run.board_images = val_sample(val[0], SAMPLE_IMAGES)
    try:
        for epoch in range(run.state.epoch, config.epochs):
            stats = _train_epoch(run, epoch, freeze_norm_stats)
            _end_epoch(run, epoch, stats, val, workdir)
    finally:
        if run.board is not None:
            run.board.close()
    if select_best and run.best_weights is not None:
        run.net.load_state_dict(run.best_weights)
    seconds = time.monotonic() - run.started
    run.net.eval()
    return FitResult(
        model=run.net.cpu(),
        best_val=run.state.best_val,
        best_epoch=run.state.best_epoch,
        history=run.state.history,
        seconds=seconds,
        samples_per_s=run.trained_samples / seconds if seconds > 0 else 0.0,
    )


def _start(
    config: Recipe,
    train: tuple[np.ndarray, np.ndarray],
    workdir: Path,
    dev: torch.device,
    model: SpikingNet | None,
    progress: ProgressFn | None,
    should_stop: StopFn | None,
) -> _Run:
    """Seed, build (or take) the network and its optimizer, and restore the last checkpoint
    of this config. The order matters: the seed fixes the initial weights."""
    seed_everything(config.seed)
    net = (model or SpikingNet(config.arch, config.encoder, config.timesteps)).to(dev)
    optimizer = build_optimizer(net, config)
    images, labels = train
    if config.max_samples is not None:
        images, labels = images[: config.max_samples], labels[: config.max_samples]
    state = checkpoint.Checkpoint(0, 0, -1.0, -1, config.fingerprint(), [])
    best_weights: dict[str, torch.Tensor] | None = None
    restored = checkpoint.load(workdir / "checkpoints", net, optimizer, config.fingerprint())
    if restored is not None:
        state, best_weights = restored
        log.info("resuming after epoch %d (best val %.4f)", state.epoch, state.best_val)
    workdir.mkdir(parents=True, exist_ok=True)
    steps_per_epoch = max(1, math.ceil(len(images) / config.batch_size))
    return _Run(
        config=config,
        net=net,
        optimizer=optimizer,
        scaler=torch.amp.GradScaler("cuda", enabled=dev.type == "cuda"),
        dev=dev,
        state=state,
        images=to_tensor(images),
        labels=torch.from_numpy(labels.astype(np.int64)),
        steps_per_epoch=steps_per_epoch,
        progress=progress,
        should_stop=should_stop,
        best_weights=best_weights,
        pacing=pacing_of(config, images, labels, steps_per_epoch * config.epochs),
    )


def _train_epoch(run: _Run, epoch: int, freeze_norm_stats: bool) -> EpochStats:
    """One pass over the (augmented) training images in this epoch's seeded (or paced) order."""
    config, net = run.config, run.net
    net.train()
    if freeze_norm_stats:
        for module in net.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()
    generator = torch.Generator().manual_seed(config.seed * 1000 + epoch)
    batches = epoch_batches(len(run.images), config.batch_size, generator, run.pacing, epoch)
    stats = EpochStats()
    for batch_idx, idx in enumerate(batches):
        _train_step(run, idx, generator, stats)
        if batch_idx % CHECK_EVERY == 0 or batch_idx == run.steps_per_epoch - 1:
            if run.should_stop is not None and run.should_stop():
                raise JobCancelled("training cancelled")
            _report_batch(run, epoch, batch_idx, stats)
    return stats


def _train_step(
    run: _Run, idx: torch.Tensor, generator: torch.Generator, stats: EpochStats
) -> None:
    """One optimiser step on the images ``idx``: scheduled learning rate, mixed precision on
    CUDA, cross-entropy with label smoothing plus the firing-rate penalty."""
    config, dev = run.config, run.dev
    x = augment(run.images[idx], config.augment, generator).to(dev, non_blocking=True)
    y = run.labels[idx].to(dev, non_blocking=True)
    for group in run.optimizer.param_groups:
        group["lr"] = lr_at(run.state.step, run.total_steps, config.lr, config.warmup_frac)
    with torch.autocast(dev.type, dtype=torch.float16, enabled=dev.type == "cuda"):
        out = run.net(x)
        loss = F.cross_entropy(out.logits.float(), y, label_smoothing=config.label_smoothing)
        if config.rate_reg > 0 and out.rates:
            loss = loss + config.rate_reg * torch.stack(out.rates).mean()
    run.optimizer.zero_grad(set_to_none=True)
    run.scaler.scale(loss).backward()
    run.scaler.step(run.optimizer)
    run.scaler.update()
    run.state.step += 1
    stats.loss_sum += float(loss.detach()) * len(idx)
    stats.correct += int((out.logits.argmax(1) == y).sum())
    stats.seen += len(idx)
    run.trained_samples += len(idx)


def _report_batch(run: _Run, epoch: int, batch_idx: int, stats: EpochStats) -> None:
    if run.progress is None:
        return
    steps = run.steps_per_epoch
    done = epoch * steps + batch_idx + 1 - run.state.epoch * steps
    remaining = run.total_steps - (epoch * steps + batch_idx + 1)
    rate = done / max(1e-6, time.monotonic() - run.started)
    run.progress(
        JobProgress(
            phase="training",
            epoch=epoch + 1,
            epochs=run.config.epochs,
            step=batch_idx + 1,
            steps=steps,
            loss=stats.loss_sum / stats.seen,
            accuracy=stats.correct / stats.seen,
            eta_s=remaining / rate if rate > 0 else None,
        )
    )


def _end_epoch(
    run: _Run,
    epoch: int,
    stats: EpochStats,
    val: tuple[np.ndarray, np.ndarray],
    workdir: Path,
) -> None:
    """Validate, record the epoch, keep the best weights, checkpoint and report."""
    config = run.config
    if run.progress is not None:
        run.progress(JobProgress(phase="validating", epoch=epoch + 1, epochs=config.epochs))
    val_metrics = evaluate_net(run.net, val[0], val[1], run.dev, config.eval_batch_size)
    record = {
        "epoch": epoch + 1,
        "train_loss": stats.loss_sum / max(1, stats.seen),
        "train_accuracy": stats.correct / max(1, stats.seen),
        "val_accuracy": val_metrics["accuracy"],
        "val_firing_rate": val_metrics["firing_rate"],
        "lr": run.optimizer.param_groups[0]["lr"],
        "epoch_seconds": time.monotonic() - stats.started,
    }
    state = run.state
    state.history.append(record)
    with (workdir / "metrics.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    log.info("epoch %d: %s", epoch + 1, record)
    if run.board is not None and run.board_images is not None:
        log_surrogate_epoch(run.board, run.net, record, run.board_images)
    if val_metrics["accuracy"] > state.best_val:
        state.best_val, state.best_epoch = val_metrics["accuracy"], epoch + 1
        run.best_weights = {k: v.detach().clone().cpu() for k, v in run.net.state_dict().items()}
    state.epoch = epoch + 1
    checkpoint.save(workdir / "checkpoints", run.net, run.optimizer, state, run.best_weights)
    if run.progress is not None:
        run.progress(
            JobProgress(
                phase="training",
                epoch=epoch + 1,
                epochs=config.epochs,
                step=run.steps_per_epoch,
                steps=run.steps_per_epoch,
                loss=record["train_loss"],
                accuracy=val_metrics["accuracy"],
                message=f"epoch {epoch + 1}: validation accuracy {val_metrics['accuracy']:.4f}",
            )
        )
