"""What every whole-job function shares (:mod:`spikeglyph.train.api`, the STDP family's
:mod:`spikeglyph.train.stdp.api`): the finished model in the work directory, the validation
images of a quick run, and the validation figures a manifest records."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from spikeglyph.data import load_split
from spikeglyph.modeldir import load_manifest

MODEL_SUBDIR = "model"
# Validation images of a run limited by ``max_samples`` (the split itself is stratified, and
# its first images keep roughly the class balance).
QUICK_VAL_MIN = 500


def finished_model(workdir: Path) -> Path | None:
    """The complete, verified model an earlier attempt of the job wrote (None: not done)."""
    target = workdir / MODEL_SUBDIR
    if (target / "manifest.json").is_file():
        load_manifest(target)  # verified: a complete model from an earlier attempt
        return target
    return None


def load_val(
    data_dir: Path, dataset: str, val_size: int, max_samples: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The validation split; a quick run (``max_samples``) validates on a proportionate
    sample of it, at least :data:`QUICK_VAL_MIN` images."""
    images, labels = load_split(data_dir, dataset, "val", val_size=val_size)
    if max_samples is not None:
        keep = max(QUICK_VAL_MIN, max_samples // 5)
        images, labels = images[:keep], labels[:keep]
    return images, labels


def validation_metrics(result: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's validation figures from an evaluation (``accuracy``, ``n``,
    ``per_class``)."""
    return {
        "val_accuracy": result["accuracy"],
        "val_n": result["n"],
        "per_class_accuracy": result["per_class"],
    }
