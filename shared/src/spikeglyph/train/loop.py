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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from spikeglyph.errors import JobCancelled
from spikeglyph.schemas import JobProgress
from spikeglyph.train import checkpoint
from spikeglyph.train.augment import augment
from spikeglyph.train.config import TrainConfig
from spikeglyph.train.network import SpikingNet

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


def pick_device(device: str) -> torch.device:
    if device == "cuda" and not torch.cuda.is_available():
        from spikeglyph.errors import DeviceUnavailable

        raise DeviceUnavailable("--device cuda, but torch sees no CUDA device")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def lr_at(step: int, total: int, base: float, warmup_frac: float) -> float:
    warmup = max(1, int(total * warmup_frac))
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 [N, 28, 28] → float [N, 1, 28, 28] in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).float().div_(255.0)


@torch.no_grad()
def evaluate_net(
    model: SpikingNet,
    images: np.ndarray,
    labels: np.ndarray,
    device: torch.device,
    batch: int = 500,
) -> dict[str, Any]:
    """Accuracy, per-class accuracy and mean firing rate of ``model`` on uint8 images."""
    model.eval()
    correct = np.zeros(model.arch.classes, dtype=np.int64)
    total = np.zeros(model.arch.classes, dtype=np.int64)
    rates = []
    for start in range(0, len(images), batch):
        x = to_tensor(images[start : start + batch]).to(device)
        y = labels[start : start + batch].astype(np.int64)
        out = model(x)
        pred = out.logits.argmax(1).cpu().numpy()
        np.add.at(total, y, 1)
        np.add.at(correct, y[pred == y], 1)
        rates.append(float(torch.stack(out.rates).mean()) if out.rates else 0.0)
    n = int(total.sum())
    per_class = [float(c / t) if t else 0.0 for c, t in zip(correct, total, strict=True)]
    return {
        "accuracy": float(correct.sum() / max(1, n)),
        "n": n,
        "per_class": per_class,
        "firing_rate": float(np.mean(rates)) if rates else 0.0,
    }


def fit(
    config: TrainConfig,
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
) -> FitResult:
    """Train ``config`` (or continue ``model``) and return the best-validation network.

    Checkpoints go to ``workdir/checkpoints``; when one from the same config is there the run
    resumes after its last completed epoch. Metrics are appended to ``workdir/metrics.jsonl``.
    With ``select_best`` the weights of the best validation epoch are returned, else the last.
    """
    dev = pick_device(device)
    seed_everything(config.seed)
    net = (model or SpikingNet(config.arch, config.encoder, config.timesteps)).to(dev)
    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for name, param in net.named_parameters():
        (no_decay if param.dim() <= 1 or "decay_logit" in name else decay).append(param)
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": config.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=config.lr,
    )
    images, labels = train
    if config.max_samples is not None:
        images, labels = images[: config.max_samples], labels[: config.max_samples]
    n = len(images)
    steps_per_epoch = max(1, math.ceil(n / config.batch_size))
    total_steps = steps_per_epoch * config.epochs
    ckpt_dir = workdir / "checkpoints"
    state = checkpoint.Checkpoint(0, 0, -1.0, -1, config.fingerprint(), [])
    best_weights: dict[str, torch.Tensor] | None = None
    restored = checkpoint.load(ckpt_dir, net, optimizer, config.fingerprint())
    if restored is not None:
        state, best_weights = restored
        log.info("resuming after epoch %d (best val %.4f)", state.epoch, state.best_val)
    use_amp = dev.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    x_all = to_tensor(images)
    y_all = torch.from_numpy(labels.astype(np.int64))
    metrics_path = workdir / "metrics.jsonl"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    trained_samples = 0
    for epoch in range(state.epoch, config.epochs):
        net.train()
        if freeze_norm_stats:  # fine-tuning on a skewed mix must not move the BN statistics
            for module in net.modules():
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                    module.eval()
        generator = torch.Generator().manual_seed(config.seed * 1000 + epoch)
        order = torch.randperm(n, generator=generator)
        loss_sum, correct, seen = 0.0, 0, 0
        epoch_start = time.monotonic()
        for batch_idx in range(steps_per_epoch):
            idx = order[batch_idx * config.batch_size : (batch_idx + 1) * config.batch_size]
            x = augment(x_all[idx], config.augment, generator).to(dev, non_blocking=True)
            y = y_all[idx].to(dev, non_blocking=True)
            for group in optimizer.param_groups:
                group["lr"] = lr_at(state.step, total_steps, config.lr, config.warmup_frac)
            with torch.autocast(dev.type, dtype=torch.float16, enabled=use_amp):
                out = net(x)
                loss = F.cross_entropy(
                    out.logits.float(), y, label_smoothing=config.label_smoothing
                )
                if config.rate_reg > 0 and out.rates:
                    loss = loss + config.rate_reg * torch.stack(out.rates).mean()
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            state.step += 1
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((out.logits.argmax(1) == y).sum())
            seen += len(idx)
            trained_samples += len(idx)
            if batch_idx % CHECK_EVERY == 0 or batch_idx == steps_per_epoch - 1:
                if should_stop is not None and should_stop():
                    raise JobCancelled("training cancelled")
                if progress is not None:
                    done = epoch * steps_per_epoch + batch_idx + 1 - state.epoch * steps_per_epoch
                    remaining = total_steps - (epoch * steps_per_epoch + batch_idx + 1)
                    rate = done / max(1e-6, time.monotonic() - started)
                    progress(
                        JobProgress(
                            phase="training",
                            epoch=epoch + 1,
                            epochs=config.epochs,
                            step=batch_idx + 1,
                            steps=steps_per_epoch,
                            loss=loss_sum / seen,
                            accuracy=correct / seen,
                            eta_s=remaining / rate if rate > 0 else None,
                        )
                    )
        if progress is not None:
            progress(JobProgress(phase="validating", epoch=epoch + 1, epochs=config.epochs))
        val_metrics = evaluate_net(net, val[0], val[1], dev, config.eval_batch_size)
        record = {
            "epoch": epoch + 1,
            "train_loss": loss_sum / max(1, seen),
            "train_accuracy": correct / max(1, seen),
            "val_accuracy": val_metrics["accuracy"],
            "val_firing_rate": val_metrics["firing_rate"],
            "lr": optimizer.param_groups[0]["lr"],
            "epoch_seconds": time.monotonic() - epoch_start,
        }
        state.history.append(record)
        with metrics_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        log.info("epoch %d: %s", epoch + 1, record)
        if val_metrics["accuracy"] > state.best_val:
            state.best_val, state.best_epoch = val_metrics["accuracy"], epoch + 1
            best_weights = {k: v.detach().clone().cpu() for k, v in net.state_dict().items()}
        state.epoch = epoch + 1
        checkpoint.save(ckpt_dir, net, optimizer, state, best_weights)
        if progress is not None:
            progress(
                JobProgress(
                    phase="training",
                    epoch=epoch + 1,
                    epochs=config.epochs,
                    step=steps_per_epoch,
                    steps=steps_per_epoch,
                    loss=record["train_loss"],
                    accuracy=val_metrics["accuracy"],
                    message=f"epoch {epoch + 1}: validation accuracy {val_metrics['accuracy']:.4f}",
                )
            )
    if select_best and best_weights is not None:
        net.load_state_dict(best_weights)
    seconds = time.monotonic() - started
    net.eval()
    return FitResult(
        model=net.cpu(),
        best_val=state.best_val,
        best_epoch=state.best_epoch,
        history=state.history,
        seconds=seconds,
        samples_per_s=trained_samples / seconds if seconds > 0 else 0.0,
    )
