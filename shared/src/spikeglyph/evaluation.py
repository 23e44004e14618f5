"""Accuracy of a model directory, measured exactly as it is served: with ONNX Runtime.

Every model family that can be activated (surrogate-gradient, STDP, fixed-point, int8 copies)
exports the same ONNX interface (see :mod:`spikeglyph.runtime`), so one evaluation serves them
all: the ``evaluate`` command, the trainer's ``evaluate`` job and its fine-tune gate. Torch is
never needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from spikeglyph.data import load_split
from spikeglyph.runtime import ModelRunner

BATCH_SIZE = 500


def run_images(
    runner: ModelRunner, images: npt.NDArray[np.uint8], batch_size: int = BATCH_SIZE
) -> dict[str, npt.NDArray[Any]]:
    """Predicted classes, spikes and SOPs per image for uint8 ``[N, 28, 28]`` images."""
    preds, spikes, sops = [], [], []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype(np.float32) / 255.0
        out = runner.run(batch)
        preds.append(out.logits.argmax(1))
        spikes.append(out.layer_spikes.sum(1))
        sops.append(out.layer_sops.sum(1))
    if not preds:
        empty = np.zeros(0)
        return {"pred": empty.astype(np.int64), "spikes": empty, "sops": empty}
    return {
        "pred": np.concatenate(preds),
        "spikes": np.concatenate(spikes),
        "sops": np.concatenate(sops),
    }


def score(
    runner: ModelRunner,
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.integer[Any]],
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any]:
    """Accuracy (0..1), ``n``, per-class accuracy and mean spikes/SOPs per inference."""
    outputs = run_images(runner, images, batch_size)
    pred, truth = outputs["pred"], np.asarray(labels).astype(np.int64)
    classes = len(runner.manifest.class_names)
    per_class = [
        float((pred[truth == c] == c).mean()) if (truth == c).any() else 0.0 for c in range(classes)
    ]
    n = len(truth)
    return {
        "accuracy": float((pred == truth).mean()) if n else 0.0,
        "n": n,
        "per_class_accuracy": per_class,
        "spikes_per_inference": float(outputs["spikes"].mean()) if n else 0.0,
        "sops_per_inference": float(outputs["sops"].mean()) if n else 0.0,
    }


def accuracy_on(
    model_dir: Path,
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.integer[Any]],
    *,
    device: str = "cpu",
) -> float:
    """Accuracy of a model directory on given uint8 images (e.g. held-out feedback)."""
    return float(score(ModelRunner(model_dir, device=device), images, labels)["accuracy"])


def evaluate_split(
    model_dir: Path,
    *,
    data_dir: Path,
    dataset: str | None = None,
    split: str = "test",
    max_samples: int | None = None,
    device: str = "cpu",
    variant: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any]:
    """A model directory's scores on a dataset split (default: the model's own dataset)."""
    runner = ModelRunner(model_dir, device=device, variant=variant)
    name = dataset or runner.manifest.dataset
    images, labels = load_split(data_dir, name, split)
    if max_samples is not None:
        images, labels = images[:max_samples], labels[:max_samples]
    return {
        "version": runner.version,
        "family": runner.manifest.family,
        "dataset": name,
        "split": split,
        "variant": variant or "fp32",
        **score(runner, images, labels, batch_size),
    }
