"""Structural plasticity and online retraining on a shipped model, measured on the test split.

``neurogenesis``: prune (and grow) the hidden layers of the model, fine-tune with the
energy-aware firing penalty, and compare SOPs per inference and test accuracy before and after
(target: ≥ 30 % fewer SOPs for ≤ 0.3 points of accuracy).

``finetune``: build a feedback set the model gets wrong from a shifted distribution (thick
strokes and off-centre digits made from *training* images), fine-tune on it with rehearsal, and
report accuracy on held-out shifted digits and on the MNIST test split before and after
(target: feedback accuracy rises clearly, test accuracy within 0.2 points).

    python bench/bench_plasticity.py neurogenesis models/mnist [--prune P] [--grow G]
        [--epochs E] [--max-samples N] [--out PATH]
    python bench/bench_plasticity.py finetune models/mnist [--feedback 300] [--epochs E]

Unset job options take the jobs' defaults (``NeurogenesisParams``, ``FinetuneParams``), so the
figures are those of a job submitted without them; both jobs train with the base model's
recipe. Results go to ``docs/bench/<neurogenesis|finetune>.json`` unless ``--out`` says else.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import REPO, data_dir, emit
from torch.nn import functional as F

from spikeglyph import evaluation
from spikeglyph.data import load_split
from spikeglyph.modeldir import load_manifest
from spikeglyph.schemas import FinetuneParams, NeurogenesisParams
from spikeglyph.train import api
from spikeglyph.train.loop import to_tensor
from spikeglyph.train.modelio import load_model, telemetry_summary


def _test_metrics(model_dir: Path) -> dict[str, Any]:
    net, manifest = load_model(model_dir)
    test_x, test_y = load_split(data_dir(), manifest.dataset, "test")
    acc = evaluation.accuracy_on(model_dir, test_x, test_y)
    sops = telemetry_summary(net, to_tensor(test_x[:1000]).numpy())["sops_per_inference"]
    return {"test_accuracy": acc, "sops_per_inference": sops, "neurons": manifest.neurons}


def neurogenesis(model: Path, params: NeurogenesisParams) -> dict[str, Any]:
    before = _test_metrics(model)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        new = api.neurogenesis(
            model, data_dir=data_dir(), params=params, workdir=Path(tmp), device="cpu"
        )
        seconds = time.monotonic() - start
        after = _test_metrics(new)
        made = load_manifest(new)
        report = made.metrics["neurogenesis"]
    return {
        "params": params.model_dump(),
        "recipe_changes": made.training["derived_from"]["changes"],
        "before": before,
        "after": after,
        "sops_reduction": 1 - after["sops_per_inference"] / before["sops_per_inference"],
        "accuracy_change_points": 100 * (after["test_accuracy"] - before["test_accuracy"]),
        "pruned_per_layer": report["pruned"],
        "grown_per_layer": report["grown"],
        "seconds": round(seconds, 1),
    }


def shifted(images: np.ndarray, seed: int) -> np.ndarray:
    """Thick strokes and off-centre placement: digits the shipped model has rarely seen."""
    rng = np.random.default_rng(seed)
    x = to_tensor(images)
    x = F.max_pool2d(x, 3, stride=1, padding=1)  # thick strokes
    x = F.max_pool2d(x, 3, stride=1, padding=1)
    shifts = rng.integers(-5, 6, size=(len(x), 2))
    out = torch.stack(
        [
            torch.roll(img, (int(dy), int(dx)), dims=(1, 2))
            for img, (dy, dx) in zip(x, shifts, strict=True)
        ]
    )
    return (out[:, 0].clamp(0, 1) * 255).round().to(torch.uint8).numpy()


def finetune(model: Path, n_feedback: int, params: FinetuneParams) -> dict[str, Any]:
    manifest = load_manifest(model)
    train_x, train_y = load_split(data_dir(), manifest.dataset, "train")
    test_x, test_y = load_split(data_dir(), manifest.dataset, "test")
    rng = np.random.default_rng(0)
    pool = rng.choice(len(train_x), size=4 * n_feedback, replace=False)
    candidates = shifted(train_x[pool], seed=1)
    labels = train_y[pool]
    net, _ = load_model(model)
    with torch.no_grad():
        wrong = net(to_tensor(candidates)).logits.argmax(1).numpy() != labels
    fb_x, fb_y = candidates[wrong][:n_feedback], labels[wrong][:n_feedback]
    held_idx = rng.choice(len(test_x), size=1000, replace=False)
    held_x, held_y = shifted(test_x[held_idx], seed=2), test_y[held_idx]
    before = {
        "test_accuracy": evaluation.accuracy_on(model, test_x, test_y),
        "shifted_heldout_accuracy": evaluation.accuracy_on(model, held_x, held_y),
        "feedback_accuracy": evaluation.accuracy_on(model, fb_x, fb_y),
    }
    with tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        new = api.finetune(
            model, fb_x, fb_y, data_dir=data_dir(), params=params, workdir=Path(tmp), device="cpu"
        )
        seconds = time.monotonic() - start
        after = {
            "test_accuracy": evaluation.accuracy_on(new, test_x, test_y),
            "shifted_heldout_accuracy": evaluation.accuracy_on(new, held_x, held_y),
            "feedback_accuracy": evaluation.accuracy_on(new, fb_x, fb_y),
        }
        changes = load_manifest(new).training["derived_from"]["changes"]
    return {
        "feedback_items": len(fb_y),
        "params": params.model_dump(),
        "recipe_changes": changes,
        "before": before,
        "after": after,
        "test_change_points": 100 * (after["test_accuracy"] - before["test_accuracy"]),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["neurogenesis", "finetune"])
    parser.add_argument("model", type=Path)
    parser.add_argument("--prune", type=float, help="neurogenesis: prune_fraction")
    parser.add_argument("--grow", type=float, help="neurogenesis: grow_fraction")
    parser.add_argument("--epochs", type=int, help="finetune_epochs / finetune epochs")
    parser.add_argument("--max-samples", type=int, help="neurogenesis: fine-tuning images")
    parser.add_argument("--feedback", type=int, default=300, help="finetune: feedback images")
    parser.add_argument("--out", type=Path, help="default: docs/bench/<what>.json")
    args = parser.parse_args()
    if args.what == "neurogenesis":
        given = {
            "prune_fraction": args.prune,
            "grow_fraction": args.grow,
            "finetune_epochs": args.epochs,
            "max_samples": args.max_samples,
        }
        params = NeurogenesisParams.model_validate(_set(given))
        result = neurogenesis(args.model, params)
    else:
        tuning = FinetuneParams.model_validate(_set({"epochs": args.epochs}))
        result = finetune(args.model, args.feedback, tuning)
    emit(args.what, result, out=args.out or REPO / "docs" / "bench" / f"{args.what}.json")


def _set(options: dict[str, Any]) -> dict[str, Any]:
    """The options given: the others keep the job's defaults."""
    return {name: value for name, value in options.items() if value is not None}


if __name__ == "__main__":
    main()
