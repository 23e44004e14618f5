"""The whole STDP job, as ``spikeglyph train --arch stdp`` and the trainer worker run it.

Unsupervised learning on the training split (checkpointed in ``workdir``, resumable), neuron
labels from the served responses to training images, accuracy on the validation split (the
test split only when asked, for reporting), then ONNX export and a verified model directory at
``workdir/model``. Reusing ``workdir`` resumes; a finished job returns its model again. With
the recipe's ``growth`` on, learning is :func:`~spikeglyph.train.stdp.growing.learn_growing`
(the network starts small and grows from its labelled errors); the rest is the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import torch

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidJobParams, JobCancelled
from spikeglyph.recipe import StdpRecipe
from spikeglyph.recipe.records import training_record
from spikeglyph.run_options import TrainOptions
from spikeglyph.schemas import JobProgress, TrainParams
from spikeglyph.train.jobdir import MODEL_SUBDIR, finished_model, load_val, validation_metrics
from spikeglyph.train.loop import pick_device
from spikeglyph.train.stdp.checkpoint import Position, load_state, save_state
from spikeglyph.train.stdp.export import snap_weights
from spikeglyph.train.stdp.growing import LABELS_USED_AS, growth_record, learn_growing
from spikeglyph.train.stdp.labels import assign_labels
from spikeglyph.train.stdp.learning import batch_generator, batch_order, learn_batch, responses
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.tensorboard import TensorBoardLog, log_stdp_checkpoint, open_log

log = logging.getLogger(__name__)

ProgressFn = Callable[[JobProgress], None] | None
StopFn = Callable[[], bool] | None


def config_from_params(params: TrainParams) -> StdpRecipe:
    """The STDP recipe of a ``train`` job with ``arch="stdp"`` (unset fields: the shipped
    STDP model's values; raises ``InvalidJobParams`` for another family)."""
    recipe = params.recipe()
    if not isinstance(recipe, StdpRecipe):
        raise InvalidJobParams(f"a {recipe.family} job has no STDP recipe")
    return recipe


def flat_images(images: np.ndarray) -> torch.Tensor:
    """uint8 [M, 28, 28] → float [M, 784] in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).flatten(1).float().div_(255.0)


def learn(
    net: StdpNet,
    images: torch.Tensor,
    config: StdpRecipe,
    *,
    workdir: Path,
    progress: ProgressFn = None,
    should_stop: StopFn = None,
    board: TensorBoardLog | None = None,
) -> Position:
    """Unsupervised STDP over ``images`` [M, 784] for ``config.epochs``, checkpointed (and
    logged to ``board`` at every checkpoint)."""
    fingerprint = config.fingerprint()
    position = load_state(workdir, net, fingerprint) or Position(0, 0, 0.0, False)
    if position.done:
        return position
    device = net.weights.device
    images = images.to(device)
    n_batches = -(-len(images) // config.batch_size)
    total_steps = config.epochs * n_batches
    seconds = position.seconds
    for epoch in range(position.epoch, config.epochs):
        order = batch_order(len(images), config.batch_size, config.seed, epoch)
        first = position.batch if epoch == position.epoch else 0
        started, spikes, seen = time.monotonic(), 0.0, 0
        for index in range(first, n_batches):
            stats = learn_batch(
                net, images[order[index].to(device)], batch_generator(config.seed, epoch, index)
            )
            spikes, seen = spikes + stats.spikes, seen + stats.images
            done_steps = epoch * n_batches + index + 1
            elapsed = seconds + time.monotonic() - started
            if (index + 1) % config.checkpoint_every == 0 or index + 1 == n_batches:
                save_state(workdir, net, Position(epoch, index + 1, elapsed, False), fingerprint)
                if board is not None:
                    learnt = (epoch * n_batches + index + 1) * config.batch_size
                    log_stdp_checkpoint(board, net, learnt, spikes / max(seen, 1))
            if progress is not None and ((index + 1) % 10 == 0 or index + 1 == n_batches):
                rate = seen / max(time.monotonic() - started, 1e-9)
                progress(
                    JobProgress(
                        phase="training",
                        epoch=epoch + 1,
                        epochs=config.epochs,
                        step=done_steps,
                        steps=total_steps,
                        eta_s=(total_steps - done_steps) * config.batch_size / max(rate, 1e-9),
                        message=f"{rate:.0f} images/s, {spikes / max(seen, 1):.1f} spikes/image",
                    )
                )
            if should_stop is not None and should_stop():
                save_state(workdir, net, Position(epoch, index + 1, elapsed, False), fingerprint)
                raise JobCancelled("STDP training cancelled; its work directory resumes it")
        seconds += time.monotonic() - started
        position = Position(epoch + 1, 0, seconds, False)
    position = Position(config.epochs, 0, seconds, True)
    save_state(workdir, net, position, fingerprint)
    return position


@torch.no_grad()
def accuracy(net: StdpNet, images: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Accuracy, per-class accuracy and spikes per image of the served network."""
    counts = responses(net, flat_images(images).to(net.weights.device)).cpu()
    predicted = net.votes(counts.to(net.weights.device)).argmax(1).cpu().numpy()
    per_class = [
        float((predicted[labels == c] == c).mean()) if (labels == c).any() else 0.0
        for c in range(net.classes)
    ]
    return {
        "accuracy": float((predicted == labels).mean()),
        "n": len(labels),
        "per_class": per_class,
        "spikes_per_image": float(counts.sum(1).mean()),
    }


def label_neurons(net: StdpNet, images: np.ndarray, labels: np.ndarray) -> None:
    """Assign each neuron the class it answers most, from served training responses."""
    counts = responses(net, flat_images(images).to(net.weights.device))
    labels_t = torch.from_numpy(labels.astype(np.int64)).to(counts.device)
    net.assignments.copy_(assign_labels(counts, labels_t, net.classes))


def train_stdp(config: StdpRecipe, **run: Unpack[TrainOptions]) -> Path:
    """Train, label, evaluate and export an STDP network; returns ``workdir/model``."""
    data_dir, workdir = run["data_dir"], Path(run["workdir"])
    if (done := finished_model(workdir)) is not None:
        return done
    torch.manual_seed(config.seed)
    train_x, train_y = load_split(data_dir, config.dataset, "train", val_size=config.val_size)
    if config.max_samples is not None:
        train_x, train_y = train_x[: config.max_samples], train_y[: config.max_samples]
    val_x, val_y = load_val(data_dir, config.dataset, config.val_size, config.max_samples)
    growing = config.growth.kind != "off"
    spec = replace(config.spec, neurons=config.growth.start_neurons) if growing else config.spec
    net = StdpNet(spec).to(pick_device(run.get("device", "auto")))
    board = open_log(run.get("tensorboard"))
    try:
        position, extra = _learn_either(net, config, (train_x, train_y), run, board)
        model = finish_stdp(
            net,
            config,
            position,
            (train_x, train_y),
            (val_x, val_y),
            run,
            board,
            training_extra=extra,
        )
    finally:
        if board is not None:
            board.close()
    return model


def _learn_either(
    net: StdpNet,
    config: StdpRecipe,
    train: tuple[np.ndarray, np.ndarray],
    run: TrainOptions,
    board: TensorBoardLog | None,
) -> tuple[Position, dict[str, Any]]:
    """Learn at a fixed size, or growing when the recipe says so; also what the manifest's
    ``training`` block adds (a growing run's history and how it used the labels)."""
    workdir, progress, stop = Path(run["workdir"]), run.get("progress"), run.get("should_stop")
    images = flat_images(train[0])
    if config.growth.kind == "off":
        position = learn(
            net, images, config, workdir=workdir, progress=progress, should_stop=stop, board=board
        )
        return position, {}
    labels = torch.from_numpy(train[1].astype(np.int64))
    position, history = learn_growing(
        net,
        images,
        labels,
        config,
        workdir=workdir,
        progress=progress,
        should_stop=stop,
        board=board,
    )
    record = {
        "labels_used_as": LABELS_USED_AS,
        "growth": growth_record(config, history, net.classes),
    }
    return position, record


def finish_stdp(
    net: StdpNet,
    config: StdpRecipe,
    position: Position,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    run: TrainOptions,
    board: TensorBoardLog | None = None,
    *,
    training_extra: dict[str, Any] | None = None,
) -> Path:
    """Label the learnt neurons, validate, and write ``workdir/model`` (``training_extra``:
    added to the manifest's ``training`` block)."""
    from spikeglyph.train.modelio import new_version
    from spikeglyph.train.stdp.modelio import export_sample, save_stdp_model

    (train_x, train_y), (val_x, val_y) = train, validation
    progress, workdir = run.get("progress"), Path(run["workdir"])
    snap_weights(net)
    if progress is not None:
        progress(JobProgress(phase="evaluating", message="labelling neurons, validating"))
    assign = min(config.assign_samples, len(train_x))
    label_neurons(net, train_x[-assign:], train_y[-assign:])
    val = accuracy(net, val_x, val_y)
    if board is not None:
        board.scalars({"accuracy/val": val["accuracy"]}, config.epochs * len(train_x))
    learned = config.epochs * len(train_x)
    metrics: dict[str, Any] = {
        **validation_metrics(val),
        "val_spikes_per_image": val["spikes_per_image"],
        "train_seconds": round(position.seconds, 1),
        "train_samples_per_s": round(learned / max(position.seconds, 1e-9), 1),
        "labelled_neurons": int((net.assignments >= 0).sum()),
    }
    if run.get("report_test"):  # reported, never used for any choice
        test_x, test_y = load_split(run["data_dir"], config.dataset, "test")
        metrics["test_accuracy"] = accuracy(net, test_x, test_y)["accuracy"]
    if progress is not None:
        progress(JobProgress(phase="exporting", message="exporting to ONNX and checking parity"))
    training = training_record(config, device=str(net.weights.device), **(training_extra or {}))
    target = workdir / MODEL_SUBDIR
    save_stdp_model(
        net.cpu(),
        target,
        dataset=config.dataset,
        version=run.get("version") or new_version(config.dataset, "stdp"),
        metrics=metrics,
        training=training,
        sample_images=export_sample(val_x),
    )
    return target
