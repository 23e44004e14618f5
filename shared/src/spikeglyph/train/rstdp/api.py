"""Train an R-STDP readout on a shipped STDP model's frozen features: the whole job.

``spikeglyph readout --base models/mnist-stdp --out models/mnist-rstdp`` runs it: the STDP
layer's served responses to the training, validation (and, for reporting, test) images are
computed once and cached (:mod:`.features`); the readout learns from reward only
(:mod:`.readout`); the validation split is what hyperparameters are chosen on; the network
is exported and verified as a model directory whose parent is the STDP model.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spikeglyph.data import load_split
from spikeglyph.modeldir import WEIGHTS_NAME, Manifest
from spikeglyph.train.modelio import new_version
from spikeglyph.train.rstdp.features import split_counts
from spikeglyph.train.rstdp.modelio import save_rstdp_model
from spikeglyph.train.rstdp.network import RStdpNet
from spikeglyph.train.rstdp.readout import (
    ReadoutConfig,
    initial_state,
    learn_from_reward,
    readout_accuracy,
)
from spikeglyph.train.stdp.api import flat_images
from spikeglyph.train.stdp.modelio import EXPORT_SAMPLES, load_stdp_model
from spikeglyph.train.stdp.network import StdpNet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Features:
    """The frozen layer's spike counts of one split, with the labels (rewards only)."""

    counts: np.ndarray
    labels: np.ndarray
    images: np.ndarray


def val_size_of(manifest: Manifest) -> int:
    return int(manifest.training.get("config", {}).get("val_size", 5000))


def load_features(
    net: StdpNet, manifest: Manifest, split: str, *, data_dir: Path, cache_dir: Path
) -> Features:
    """Counts of every image of ``split`` (cached per STDP model), labels and images."""
    images, labels = load_split(data_dir, manifest.dataset, split, val_size=val_size_of(manifest))
    counts = split_counts(
        net,
        images,
        weights_sha256=manifest.files[WEIGHTS_NAME],
        split=split,
        cache_dir=cache_dir,
    )
    return Features(counts, labels.astype(np.int64), images)


def train_readout(
    base_dir: Path,
    out: Path,
    config: ReadoutConfig,
    *,
    data_dir: Path,
    cache_dir: Path,
    report_test: bool = False,
    version: str | None = None,
) -> Manifest:
    """Learn a readout of ``base_dir``'s STDP features from reward; write it at ``out``."""
    stdp, base = load_stdp_model(base_dir)
    train = load_features(stdp, base, "train", data_dir=data_dir, cache_dir=cache_dir)
    val = load_features(stdp, base, "val", data_dir=data_dir, cache_dir=cache_dir)
    started = time.monotonic()
    state = initial_state(stdp.spec.neurons, stdp.classes, config)
    state, reward_rates = learn_from_reward(state, train.counts, train.labels, config)
    seconds = time.monotonic() - started
    net = RStdpNet.from_stdp(stdp, state.weights)  # the served (grid-snapped) readout
    metrics: dict[str, Any] = {
        "val_accuracy": readout_accuracy(net.readout, val.counts, val.labels),
        "val_n": len(val.labels),
        "reward_rate_by_epoch": [round(r, 4) for r in reward_rates],
        "readout_train_seconds": round(seconds, 2),
    }
    if report_test:  # reported, never used for any choice
        test = load_features(stdp, base, "test", data_dir=data_dir, cache_dir=cache_dir)
        metrics["test_accuracy"] = readout_accuracy(net.readout, test.counts, test.labels)
    training = {
        "readout": config.to_dict(),
        "reward_baseline": float(state.baseline),
        "features_of": base.version,
        "train_images": len(train.labels),
        "val_size": val_size_of(base),
        "labels_used_as": "reward only (+1 right, -1 wrong)",
    }
    return save_rstdp_model(
        net,
        out,
        dataset=base.dataset,
        version=version or new_version(base.dataset, "rstdp"),
        metrics=metrics,
        training=training,
        sample_images=flat_images(val.images[:EXPORT_SAMPLES]),
        parent=base.version,
        overwrite=True,
    )
