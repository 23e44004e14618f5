"""Writing the fixed-point copy of a model directory as a new, servable version."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import ONNX_NAME, Manifest
from spikeglyph.recipe.records import surrogate_recipe_of
from spikeglyph.schemas import utcnow
from spikeglyph.train.fixedpoint.convert import BitWidths
from spikeglyph.train.fixedpoint.evaluate import (
    SplitScore,
    export_fixed_onnx,
    fixed_parity,
    parity_ok,
    score_split,
)
from spikeglyph.train.fixedpoint.network import FixedPointNet, build_fixed_point
from spikeglyph.train.loop import to_tensor
from spikeglyph.train.modelio import load_model, new_version, write_trained_model

log = logging.getLogger(__name__)

FAMILY = "fixedpoint"
PARITY_IMAGES = 64


def parent_split(
    data_dir: Path, parent: Manifest, split: str, limit: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The parent's ``val`` split (same ``val_size`` as its training) or the test split."""
    val_size = surrogate_recipe_of(parent).val_size
    images, labels = load_split(data_dir, parent.dataset, split, val_size=val_size)
    return (images, labels) if limit is None else (images[:limit], labels[:limit])


def split_metrics(split: str, score: SplitScore) -> dict[str, Any]:
    """Manifest metrics of one split, every key named for it."""
    return {
        f"{split}_accuracy": score.fixed_accuracy,
        f"{split}_n": score.n,
        f"parent_{split}_accuracy": score.float_accuracy,
        f"{split}_accuracy_delta": score.delta,
    }


def make_fixed_point(
    model_dir: Path,
    target: Path,
    *,
    data_dir: Path,
    widths: BitWidths | None = None,
    version: str | None = None,
    max_val: int | None = None,
    max_test: int | None = None,
) -> Manifest:
    """Write the fixed-point copy of ``model_dir`` at ``target`` and return its manifest.

    Both models are scored on the parent's validation split and on the test split. The
    validation split also chose the parent's best epoch (and the default bit widths), so its
    delta is biased towards the float model's strengths; the test delta is the one to report.
    ``max_val`` / ``max_test`` keep the first images of a split only (quick checks).
    """
    net, parent = load_model(model_dir)
    fixed = build_fixed_point(net, widths)
    val_x, val_y = parent_split(data_dir, parent, "val", max_val)
    scores = {
        "val": score_split(net, fixed, val_x, val_y),
        "test": score_split(net, fixed, *parent_split(data_dir, parent, "test", max_test)),
    }
    for split, score in scores.items():
        log.info(
            "fixed-point %s on %s: %.4f vs float %.4f (%d images)",
            parent.version,
            split,
            score.fixed_accuracy,
            score.float_accuracy,
            score.n,
        )
    summary = {
        **fixed.describe(),
        "parent": parent.version,
        "saturation": {split: score.saturation for split, score in scores.items()},
    }
    metrics = {
        **split_metrics("val", scores["val"]),
        **split_metrics("test", scores["test"]),
        "per_class_accuracy": scores["test"].fixed_per_class,
        "per_class_split": "test",
    }
    return _write(fixed, parent, target, version, metrics, summary, val_x[:PARITY_IMAGES])


def _write(
    fixed: FixedPointNet,
    parent: Manifest,
    target: Path,
    version: str | None,
    metrics: dict[str, Any],
    summary: dict[str, Any],
    sample_images: np.ndarray,
) -> Manifest:
    """Export, prove ONNX parity on ``sample_images`` (uint8) and write the directory."""
    sample = to_tensor(sample_images).numpy()
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / ONNX_NAME
        onnx_path.write_bytes(export_fixed_onnx(fixed))
        report = fixed_parity(fixed, onnx_path, sample)
        if not parity_ok(report):
            raise InvalidModel(f"fixed-point ONNX export does not match torch: {report}")
        with torch.no_grad():
            outputs = fixed(torch.from_numpy(sample))
        manifest = parent.model_copy(
            update={
                "version": version or new_version(parent.dataset, FAMILY),
                "family": FAMILY,
                "parent": parent.version,
                "metrics": {**metrics, "onnx_parity": report},
                "spikes_per_inference": float(outputs[4].sum(1).mean()),
                "sops_per_inference": float(outputs[5].sum(1).mean()),
                "variants": {"fixed_point": summary},
                "created_at": utcnow(),
                "files": {},
            }
        )
        return write_trained_model(target, fixed, manifest, onnx_path)
