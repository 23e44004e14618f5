"""Re-train a shipped model from the recipe its manifest records, and compare the results.

The recipe is read exactly as ``spikeglyph train --recipe models/<model>`` reads it (an older
manifest's ``training.config`` converted), trained on the CPU unless told otherwise, and the
re-run's validation and test accuracy (and, for surrogate-gradient models, validation accuracy
by epoch and the weights themselves) are set against the recorded ones. ``--epochs`` and
``--max-samples`` override the recipe for a quick check of this script; the result then says
it is no reproduction. The shipped models were trained with one torch thread per run
(docs/MODELS.md); bit-identical weights need the same torch build and thread count.

    SPIKEGLYPH_DATA_DIR=../shared/datasets .venv/bin/python bench/reproduce_models.py \\
        models/mnist --threads 1 [--device cpu] [--epochs N] [--max-samples N] [--out PATH]

Writes ``docs/bench/reproduce_<model>.json`` unless ``--out`` says else.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from _common import data_dir, default_out, emit
from safetensors.torch import load_file

from spikeglyph.modeldir import WEIGHTS_NAME, Manifest, load_manifest
from spikeglyph.recipe import Recipe, RecipeOverrides, resolve
from spikeglyph.recipe.records import recipe_of
from spikeglyph.train.api import train_config
from spikeglyph.train.stdp.api import train_stdp


def outcome(manifest: Manifest) -> dict[str, Any]:
    """What a run achieved, as its manifest records it."""
    history = manifest.training.get("history") or []
    return {
        "version": manifest.version,
        "val_accuracy": manifest.metrics.get("val_accuracy"),
        "test_accuracy": manifest.metrics.get("test_accuracy"),
        "best_epoch": manifest.metrics.get("best_epoch"),
        "val_by_epoch": [epoch["val_accuracy"] for epoch in history],
        "train_seconds": manifest.metrics.get("train_seconds"),
        "libraries": manifest.libraries,
    }


def same_weights(recorded: Path, rerun: Path) -> bool:
    """Whether every tensor of the two weight files is bit-identical."""
    first, second = load_file(str(recorded / WEIGHTS_NAME)), load_file(str(rerun / WEIGHTS_NAME))
    return first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a shipped model directory, e.g. models/mnist")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=int, help="torch CPU threads (shipped runs: 1)")
    parser.add_argument("--epochs", type=int, help="override (a quick check, no reproduction)")
    parser.add_argument("--max-samples", type=int, help="override (a quick check)")
    parser.add_argument("--out", type=Path, help="default: docs/bench/reproduce_<model>.json")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    recorded = load_manifest(args.model)
    overrides = RecipeOverrides(epochs=args.epochs, max_samples=args.max_samples)
    recipe = resolve(overrides, recipe_of(recorded))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="reproduce-") as tmp:
        if isinstance(recipe, Recipe):
            model = train_config(
                recipe, data_dir=data_dir(), workdir=Path(tmp), device=args.device, report_test=True
            )
        else:
            model = train_stdp(
                recipe, data_dir=data_dir(), workdir=Path(tmp), device=args.device, report_test=True
            )
        result = load_manifest(model)
        identical = same_weights(args.model, model)
    before, after = outcome(recorded), outcome(result)
    emit(
        f"reproduce_{args.model.name}",
        {
            "model": args.model.name,
            "reproduction": not overrides.given(),
            "overrides": overrides.given(),
            "recipe": recipe.to_dict(),
            "device": args.device,
            "torch_threads": torch.get_num_threads(),
            "recorded": before,
            "rerun": after,
            "delta_points": {
                split: round(100 * (after[key] - before[key]), 2)
                for split, key in (("val", "val_accuracy"), ("test", "test_accuracy"))
                if after[key] is not None and before[key] is not None
            },
            "weights_identical": identical,
            "wall_seconds": round(time.monotonic() - started, 1),
        },
        out=args.out or default_out(f"reproduce_{args.model.name}"),
    )


if __name__ == "__main__":
    main()
