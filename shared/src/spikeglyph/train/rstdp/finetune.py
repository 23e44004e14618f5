"""Reward from people: an R-STDP model's ``finetune`` learns from feedback as reward only.

A correction (``label`` = the right class) or a confirmation (``label`` = the answer the
person saw and accepted) does not become a target. Each feedback image is presented again
(the stored 28×28 array the network saw); the readout answers, exploring as in training, and
is rewarded +1 when its answer is the feedback's class, −1 otherwise. Replayed training images
are mixed in (:func:`spikeglyph.train.finetune.rehearsal_mix`) so the readout does not forget;
the running reward baseline continues from the base model's. Only the readout changes: the
frozen STDP layer and the base model's directory are left as they are, and the job writes a
new version under ``workdir/model`` for the finetune job's gate to judge.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Unpack

import numpy as np
import torch

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidJobParams
from spikeglyph.run_options import JobOptions
from spikeglyph.schemas import FinetuneParams, JobProgress
from spikeglyph.train.jobdir import MODEL_SUBDIR, finished_model
from spikeglyph.train.modelio import new_version
from spikeglyph.train.rstdp.features import image_counts
from spikeglyph.train.rstdp.modelio import load_rstdp_model, save_rstdp_model
from spikeglyph.train.rstdp.network import RStdpNet
from spikeglyph.train.rstdp.readout import (
    ReadoutConfig,
    ReadoutState,
    learn_from_reward,
    readout_accuracy,
)
from spikeglyph.train.stdp.api import flat_images
from spikeglyph.train.stdp.modelio import EXPORT_SAMPLES

# Passes over feedback + replay per finetune epoch: a person's reward is one trial per
# image, too few to move a readout learnt from tens of thousands.
TRIALS_PER_EPOCH = 3


def replay_choice(feedback: int, train: int, params: FinetuneParams) -> np.ndarray:
    """Indices of the training images replayed with ``feedback`` items: ``rehearsal_ratio``
    × as many (at least :data:`~spikeglyph.train.finetune.MIN_REPLAY`), seeded by the job."""
    from spikeglyph.train.finetune import MIN_REPLAY

    rng = np.random.default_rng(params.seed)
    n_replay = max(MIN_REPLAY, round(params.rehearsal_ratio * feedback))
    return rng.choice(train, size=min(n_replay, train), replace=False)


def reward_mix(
    feedback: tuple[np.ndarray, np.ndarray],
    replay: tuple[np.ndarray, np.ndarray],
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Feedback and replayed trials (spike counts, classes) in one seeded order."""
    counts = np.concatenate([feedback[0], replay[0]])
    labels = np.concatenate([feedback[1], replay[1]]).astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(counts))
    return counts[order], labels[order]


def feedback_config(config: ReadoutConfig, params: FinetuneParams) -> ReadoutConfig:
    """The readout's training hyperparameters as a finetune job changes them."""
    return replace(
        config,
        lr=config.lr * params.lr_factor,
        epochs=params.epochs * TRIALS_PER_EPOCH,
        seed=params.seed,
    )


def reward_finetune(
    base_dir: Path,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    params: FinetuneParams,
    **run: Unpack[JobOptions],
) -> Path:
    """Learn from feedback as reward, with replay; write ``workdir/model`` (a new version)."""
    workdir = Path(run["workdir"])
    if (done := finished_model(workdir)) is not None:
        return done
    if len(images) == 0:
        raise InvalidJobParams("no feedback to learn from")
    net, manifest = load_rstdp_model(base_dir)
    progress = run.get("progress")
    val_size = int(manifest.training.get("val_size", 5000))
    train_x, train_y = load_split(run["data_dir"], manifest.dataset, "train", val_size=val_size)
    replay = replay_choice(len(images), len(train_x), params)
    if progress is not None:
        progress(JobProgress(phase="training", message=f"{len(images) + len(replay)} trials"))
    counts, classes = reward_mix(
        (image_counts(net, images), labels),
        (image_counts(net, train_x[replay]), train_y[replay]),
        params.seed,
    )
    config = feedback_config(ReadoutConfig.from_dict(manifest.training["readout"]), params)
    start = ReadoutState(net.readout.clone(), torch.tensor(manifest.training["reward_baseline"]))
    state, rates = learn_from_reward(start, counts, classes, config)
    tuned = RStdpNet.from_stdp(net, state.weights)
    val_x, val_y = load_split(run["data_dir"], manifest.dataset, "val", val_size=val_size)
    val_x, val_y = val_x[: params.max_val_samples], val_y[: params.max_val_samples]
    metrics = {
        "val_accuracy": readout_accuracy(tuned.readout, image_counts(tuned, val_x), val_y),
        "val_n": len(val_y),
        "feedback_trained": len(images),
        "replayed": len(replay),
        "reward_rate_by_epoch": [round(r, 4) for r in rates],
    }
    training = {
        **manifest.training,
        "reward_baseline": float(state.baseline),
        "derived_from": {"version": manifest.version, "job": "finetune", "learned_from": "reward"},
        "finetune": json.loads(params.model_dump_json()),
    }
    save_rstdp_model(
        tuned,
        workdir / MODEL_SUBDIR,
        dataset=manifest.dataset,
        version=run.get("version") or new_version(manifest.dataset, "rstdp-ft"),
        metrics=metrics,
        training=training,
        sample_images=flat_images(val_x[:EXPORT_SAMPLES]),
        parent=manifest.version,
    )
    return workdir / MODEL_SUBDIR
