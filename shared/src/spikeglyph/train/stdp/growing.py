"""The growing STDP run: ``train_stdp`` when the recipe's ``growth`` is ``errors``.

The network starts with ``growth.start_neurons`` and, for ``epochs`` passes over the training
images (a seeded shuffle per epoch), learns them in windows of ``growth.window``: each window
is first answered, and the answers grow and prune the network
(:func:`~spikeglyph.train.stdp.growth.grow_and_prune`: labels name the neurons and measure
each class's error, never a learning target), then STDP learns the window unsupervised.
Checkpoints, after every window that completes about ``checkpoint_every`` batches and at
each epoch's end, hold the network at its current size with its labels, idle counters and
window history, so a resumed run continues exactly where it stopped; batch ``b`` of window
``w`` draws its input noise from (seed, epoch, w·batches per window + b) wherever the run
resumed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from spikeglyph.errors import JobCancelled
from spikeglyph.recipe import StdpRecipe
from spikeglyph.schemas import JobProgress
from spikeglyph.train.stdp.checkpoint import Position, load_growth, load_state, save_state
from spikeglyph.train.stdp.growth import (
    GrowthRule,
    GrowthRun,
    GrowthState,
    WindowRecord,
    grow_and_prune,
    learn_window,
)
from spikeglyph.train.stdp.learning import BatchStats, batch_generator, batch_order
from spikeglyph.train.stdp.network import HIDDEN_SAMPLE, StdpNet
from spikeglyph.train.tensorboard import TensorBoardLog, log_stdp_checkpoint

LABELS_USED_AS = (
    "neuron labels and each class's error rate per window, which decide where neurons are "
    "recruited (the network grew from labelled errors); never a learning target"
)


ProgressFn = Callable[[JobProgress], None] | None
StopFn = Callable[[], bool] | None


def learn_growing(
    net: StdpNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: StdpRecipe,
    *,
    workdir: Path,
    progress: ProgressFn = None,
    should_stop: StopFn = None,
    board: TensorBoardLog | None = None,
) -> tuple[Position, list[WindowRecord]]:
    """Grow and learn over ``images`` [M, 784] with ``labels`` [M] for ``config.epochs``,
    checkpointed; returns where learning ended and every window's record."""
    fingerprint = config.fingerprint()
    rule = GrowthRule.of(config.growth, config.spec.neurons)
    position, run = _resume(workdir, net, fingerprint)
    device = net.weights.device
    images, labels = images.to(device), labels.long().to(device)
    n_windows = -(-len(images) // rule.window)
    every = max(1, config.checkpoint_every * config.batch_size // rule.window)
    seconds = position.seconds
    for epoch in range(position.epoch, config.epochs):  # none once done
        order = batch_order(len(images), rule.window, config.seed, epoch)
        first = position.batch if epoch == position.epoch else 0
        started, seen = time.monotonic(), 0
        for index in range(first, n_windows):
            pick = order[index].to(device)
            record, stats = _window(
                net, images[pick], labels[pick], config, rule, run, epoch, index
            )
            record.seen = epoch * len(images) + index * rule.window
            learnt = record.seen + stats.images
            seen += stats.images
            here = Position(epoch, index + 1, seconds + time.monotonic() - started, False)
            if board is not None:
                window_scalars = {"neurons": record.neurons, "accuracy/window": record.accuracy}
                board.scalars(window_scalars, learnt)
            if (index + 1) % every == 0 or index + 1 == n_windows:
                save_state(workdir, net, here, fingerprint, run)
                if board is not None:
                    log_stdp_checkpoint(board, net, learnt, stats.spikes / max(stats.images, 1))
            if progress is not None:
                rate = seen / max(time.monotonic() - started, 1e-9)
                done = epoch * n_windows + index + 1
                left = (config.epochs * n_windows - done) * rule.window
                progress(_progress(config, record, done, n_windows, rate, left))
            if should_stop is not None and should_stop():
                save_state(workdir, net, here, fingerprint, run)
                raise JobCancelled("STDP training cancelled; its work directory resumes it")
        seconds += time.monotonic() - started
        position = Position(epoch + 1, 0, seconds, False)
    if not position.done:
        position = Position(config.epochs, 0, seconds, True)
        save_state(workdir, net, position, fingerprint, run)
    net.hidden_idx = torch.arange(min(HIDDEN_SAMPLE, net.spec.neurons), device=device)
    return position, run.history


def _resume(workdir: Path, net: StdpNet, fingerprint: str) -> tuple[Position, GrowthRun]:
    """Where a growing run stands: from its checkpoint (``net`` at the size it had grown to),
    or at the start."""
    position = load_state(workdir, net, fingerprint)
    if position is None:
        return Position(0, 0, 0.0, False), GrowthRun(GrowthState.fresh(net.spec.neurons), [])
    return position, load_growth(workdir)


def _window(
    net: StdpNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: StdpRecipe,
    rule: GrowthRule,
    run: GrowthRun,
    epoch: int,
    index: int,
) -> tuple[WindowRecord, BatchStats]:
    """Answer window ``index`` of ``epoch`` (growing and pruning), then learn it; its record
    (added to ``run``) and what learning it measured."""
    record, run.state = grow_and_prune(net, images, labels, rule, run.state)
    run.history.append(record)
    per_window = -(-rule.window // config.batch_size)
    stats = learn_window(
        net,
        images,
        config.batch_size,
        lambda b: batch_generator(config.seed, epoch, index * per_window + b),
    )
    return record, stats


def _progress(
    config: StdpRecipe,
    record: WindowRecord,
    done: int,
    n_windows: int,
    rate: float,
    images_left: int,
) -> JobProgress:
    return JobProgress(
        phase="training",
        epoch=(done - 1) // n_windows + 1,
        epochs=config.epochs,
        step=done,
        steps=config.epochs * n_windows,
        accuracy=record.accuracy,
        eta_s=images_left / max(rate, 1e-9),
        message=(
            f"{record.neurons} neurons (+{sum(record.recruited)} −{record.pruned} this window), "
            f"{rate:.0f} images/s"
        ),
    )


def growth_record(config: StdpRecipe, history: list[WindowRecord], classes: int) -> dict[str, Any]:
    """The manifest's account of the growth: the network's size after each window, the
    neurons recruited per class and pruned in all, and each window's answer accuracy before it
    was learnt (test-then-train)."""
    recruited = [sum(r.recruited[c] for r in history) for c in range(classes)]
    start = config.growth.start_neurons
    return {
        "rule": config.growth.kind,
        "start_neurons": start,
        "max_neurons": config.spec.neurons,
        "window": config.growth.window,
        "windows": len(history),
        "final_neurons": history[-1].neurons if history else start,
        "neurons": [r.neurons for r in history],
        "recruited_per_class": recruited,
        "pruned": sum(r.pruned for r in history),
        "window_accuracy": [round(r.accuracy, 4) for r in history],
    }
