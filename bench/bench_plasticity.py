"""Structural plasticity and online retraining, measured as users run them: through the
trainer's job path (``execute_job`` with the worker's real services, see ``_jobpath.py``), with
the jobs' own defaults, evaluated with ONNX Runtime exactly as the model is served.

``sweep``: choose the default ``prune_fraction`` of ``neurogenesis`` jobs on *validation* data.
For each model and each fraction of the grid a job runs with every other parameter at its
default; the new version's validation accuracy and SOPs per inference are compared with the
base's. The selection rule (:data:`RULE`) was fixed before any figure was seen; the test split
is never read. Writes ``docs/bench/prune_sweep.json``.

``neurogenesis``: one job with the defaults (what ``POST /api/v1/jobs {"kind":
"neurogenesis"}`` runs); base and new version on the *test* split: accuracy and SOPs per
inference, neurons and units per layer, what was pruned and grown, the recipe changes the new
manifest records, the job's wall time (target: ≥ 30 % fewer SOPs for ≤ 0.3 points).

``finetune``: a few hundred corrections of shifted digits (thick strokes, off centre, made
from *training* images the model gets wrong) go into the feedback store, and a ``finetune``
job runs with the defaults; reported: the gate's decision and scores, base and new accuracy on
held-out shifted *test* digits and on the test split. Two cases the gate must refuse run the
same way: the same corrections with wrong labels, and the right ones with a tolerance of 0.

    python bench/bench_plasticity.py sweep models/mnist [models/fashion-mnist] [--grid …]
    python bench/bench_plasticity.py neurogenesis models/mnist
    python bench/bench_plasticity.py finetune models/mnist [--feedback 300]

Every job parameter comes from its schema (``NeurogenesisParams``, ``FinetuneParams``); the
only ones set are those a mode varies, and the JSON names them (``varied``, ``overrides``).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _common import data_dir, default_out, emit
from _jobpath import publish_active, run_job, submitted_params, worker_services

from spikeglyph import evaluation
from spikeglyph.data import load_split
from spikeglyph.runtime import ModelRunner
from spikeglyph.schemas import FinetuneParams, JobKind, NeurogenesisParams
from spikeglyph_trainer.lifecycle import WorkerServices

log = logging.getLogger("bench_plasticity")

GRID = (0.1, 0.2, 0.3, 0.4, 0.5)
MAX_VAL_DROP_POINTS = 0.3  # the project's target: ≥ 30 % fewer SOPs for ≤ 0.3 points
SOP_TARGET = 0.30
RULE = (
    "Fixed before the sweep ran. A prune fraction qualifies when, on every swept model, the "
    "new version's accuracy on the full validation split (ONNX Runtime) is at most "
    f"{MAX_VAL_DROP_POINTS} points below its base's. The default is the qualifying fraction "
    "with the largest SOP reduction on the validation split (mean over the swept models; a "
    "tie goes to the smaller fraction). If none qualifies: the fraction with the smallest "
    "worst-case drop, and the target is reported as not met."
)
HELDOUT_SHIFTED = 1000  # shifted test digits that score base and new model


# --- selection on validation data ------------------------------------------------------------


def choose(points: dict[str, list[dict[str, Any]]], max_drop: float) -> dict[str, Any]:
    """Apply :data:`RULE` to ``{model: [{prune_fraction, val_drop_points, sops_reduction}]}``."""
    fractions = sorted({p["prune_fraction"] for runs in points.values() for p in runs})
    by_model = {m: {p["prune_fraction"]: p for p in runs} for m, runs in points.items()}

    def worst_drop(f: float) -> float:
        return float(max(by_model[m][f]["val_drop_points"] for m in by_model))

    def mean_saving(f: float) -> float:
        return float(np.mean([by_model[m][f]["sops_reduction"] for m in by_model]))

    complete = [f for f in fractions if all(f in runs for runs in by_model.values())]
    qualifying = [f for f in complete if worst_drop(f) <= max_drop]
    if qualifying:
        chosen = max(qualifying, key=lambda f: (mean_saving(f), -f))
    else:
        chosen = min(complete, key=lambda f: (worst_drop(f), f))
    return {
        "prune_fraction": chosen,
        "qualifying": qualifying,
        "worst_val_drop_points": worst_drop(chosen),
        "mean_val_sops_reduction": mean_saving(chosen),
        "meets_target_on_val": bool(qualifying) and mean_saving(chosen) >= SOP_TARGET,
        "per_model": {
            m: {key: by_model[m][chosen][key] for key in ("val_drop_points", "sops_reduction")}
            for m in by_model
        },
    }


def sweep_submission(fraction: float) -> dict[str, Any]:
    """A neurogenesis job with every default but ``prune_fraction``."""
    return submitted_params(NeurogenesisParams, prune_fraction=fraction)


def sweep_model(model: Path, grid: Sequence[float]) -> dict[str, Any]:
    """One model: its base and one neurogenesis job per fraction, on the validation split."""
    with worker_services(data_dir()) as services:
        base_dir, base_manifest = services.registry.load_verified(publish_active(services, model))
        base = _split_figures(base_dir, "val")
        points, units_before = [], []
        for fraction in grid:
            run = run_job(services, JobKind.neurogenesis, sweep_submission(fraction))
            new_dir, made = services.registry.load_verified(run.result["version"])
            new = _split_figures(new_dir, "val")
            report = made.metrics["neurogenesis"]
            units_before = report["units_before"]
            point = {
                "prune_fraction": fraction,
                "val_accuracy": new["accuracy"],
                "val_drop_points": round(100 * (base["accuracy"] - new["accuracy"]), 4),
                "sops_per_inference": new["sops_per_inference"],
                "sops_reduction": 1 - new["sops_per_inference"] / base["sops_per_inference"],
                "units_after": report["units_after"],
                "pruned": report["pruned"],
                "grown": report["grown"],
                "job_seconds": round(run.seconds, 1),
            }
            log.info("%s prune %.2f: %s", model, fraction, point)
            points.append(point)
    return {
        "model": str(model),
        "dataset": base_manifest.dataset,
        "base": {"version": base_manifest.version, **base},
        "units_before": units_before,
        "points": points,
    }


def sweep(models: Sequence[Path], grid: Sequence[float]) -> dict[str, Any]:
    results = {str(m): sweep_model(m, grid) for m in models}
    choice = choose({m: r["points"] for m, r in results.items()}, MAX_VAL_DROP_POINTS)
    default = NeurogenesisParams().prune_fraction
    return {
        "rule": RULE,
        "max_val_drop_points": MAX_VAL_DROP_POINTS,
        "sop_target": SOP_TARGET,
        "split": "val",
        "grid": list(grid),
        "varied": ["prune_fraction"],
        "fixed_params": {
            k: v for k, v in sweep_submission(default).items() if k != "prune_fraction"
        },
        "models": results,
        "choice": {**choice, "job_default_when_run": default},
        "notes": [
            "The job itself reads the validation split: the first 2,000 images rank units by "
            "saliency and the best of the fine-tuning epochs is kept by validation accuracy, so "
            "validation figures are slightly optimistic, alike for every fraction.",
            "One seed per fraction; on 5,000 validation images one standard error of a ~99 % "
            "accuracy is about 0.13 points.",
        ],
    }


# --- the neurogenesis job with its defaults, on the test split -------------------------------


def neurogenesis(model: Path) -> dict[str, Any]:
    params = submitted_params(NeurogenesisParams)
    with worker_services(data_dir()) as services:
        base_dir, base_manifest = services.registry.load_verified(publish_active(services, model))
        run = run_job(services, JobKind.neurogenesis, params)
        new_dir, made = services.registry.load_verified(run.result["version"])
        before = {"version": base_manifest.version, **_split_figures(base_dir, "test")}
        after = {"version": made.version, **_split_figures(new_dir, "test")}
    report = made.metrics["neurogenesis"]
    layers = list(base_manifest.neurons)[: len(report["pruned"])]  # the hidden layers
    for state, manifest in ((before, base_manifest), (after, made)):
        state["neurons"] = manifest.neurons
        state["test_accuracy"] = state["accuracy"]
    return {
        "model": str(model),
        "dataset": base_manifest.dataset,
        "params": params,
        "overrides": {},
        "recipe_changes": made.training["derived_from"]["changes"],
        "before": before,
        "after": after,
        "units_before": dict(zip(layers, report["units_before"], strict=True)),
        "units_after": dict(zip(layers, report["units_after"], strict=True)),
        "pruned_per_layer": dict(zip(layers, report["pruned"], strict=True)),
        "grown_per_layer": dict(zip(layers, report["grown"], strict=True)),
        "sops_reduction": 1 - after["sops_per_inference"] / before["sops_per_inference"],
        "accuracy_change_points": 100 * (after["accuracy"] - before["accuracy"]),
        "job_validation_report": report,
        "job_result": run.result,
        "seconds": round(run.seconds, 1),
    }


def _split_figures(model_dir: Path, split: str) -> dict[str, Any]:
    scores = evaluation.evaluate_split(model_dir, data_dir=data_dir(), split=split)
    keys = ("accuracy", "n", "sops_per_inference", "spikes_per_inference")
    return {key: scores[key] for key in keys}


# --- the finetune job and its gate ------------------------------------------------------------

# (case, how its corrections are labelled, job parameters it sets), all on the same images.
FINETUNE_CASES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("corrections", "true", {}),
    ("mislabelled", "true + 1 (mod 10)", {}),
    ("zero_tolerance", "true", {"tolerance_points": 0.0}),
)


def shifted(images: np.ndarray, seed: int) -> np.ndarray:
    """Thick strokes (a 5×5 maximum, two 3×3 dilations) moved up to 5 pixels off centre
    (wrapping around): digits the shipped model has rarely seen."""
    rng = np.random.default_rng(seed)
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    height, width = images.shape[1:]
    thick = np.max(
        [padded[:, dy : dy + height, dx : dx + width] for dy in range(5) for dx in range(5)],
        axis=0,
    )
    moves = rng.integers(-5, 6, size=(len(images), 2))
    return np.stack(
        [
            np.roll(img, (int(dy), int(dx)), axis=(0, 1))
            for img, (dy, dx) in zip(thick, moves, strict=True)
        ]
    ).astype(np.uint8)


def _predict(model_dir: Path, images: np.ndarray) -> np.ndarray:
    return evaluation.run_images(ModelRunner(model_dir), images)["pred"]


def feedback_stream(model: Path, n_feedback: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``feedback``: shifted *training* digits the model gets wrong, with their true labels;
    ``heldout``: shifted *test* digits (right or wrong) that score base and new model."""
    dataset = ModelRunner(model).manifest.dataset
    train_x, train_y = load_split(data_dir(), dataset, "train")
    test_x, test_y = load_split(data_dir(), dataset, "test")
    rng = np.random.default_rng(0)
    pool = rng.choice(len(train_x), size=4 * n_feedback, replace=False)
    candidates, labels = shifted(train_x[pool], seed=1), train_y[pool].astype(np.int64)
    wrong = _predict(model, candidates) != labels
    held = rng.choice(len(test_x), size=min(HELDOUT_SHIFTED, len(test_x)), replace=False)
    return {
        "feedback": (candidates[wrong][:n_feedback], labels[wrong][:n_feedback]),
        "heldout": (shifted(test_x[held], seed=2), test_y[held].astype(np.int64)),
        "test": (test_x, test_y.astype(np.int64)),
    }


def _accuracies(
    model_dir: Path, probes: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, float]:
    runner = ModelRunner(model_dir)
    names = {
        "feedback": "feedback_accuracy",
        "heldout": "shifted_heldout_accuracy",
        "test": "test_accuracy",
    }
    return {names[k]: evaluation.score(runner, x, y)["accuracy"] for k, (x, y) in probes.items()}


def finetune_case(
    services: WorkerServices,
    model: Path,
    probes: dict[str, tuple[np.ndarray, np.ndarray]],
    labels: np.ndarray,
    overrides: dict[str, Any],
) -> dict[str, Any]:
    """Store the corrections, run a finetune job, and score base and new version."""
    base_dir, base = services.registry.load_verified(publish_active(services, model))
    for image, label in zip(probes["feedback"][0], labels, strict=True):
        services.feedback.add(image, int(label), model_version=base.version, dataset=base.dataset)
    run = run_job(services, JobKind.finetune, submitted_params(FinetuneParams, **overrides))
    new_dir, made = services.registry.load_verified(run.result["version"])
    before, after = _accuracies(base_dir, probes), _accuracies(new_dir, probes)
    return {
        "params": run.params,
        "overrides": overrides,
        "promoted": run.result["promoted"],
        "active_after_job": services.registry.active_version(),
        "new_version": made.version,
        "gate": run.result["gate"],
        "recipe_changes": made.training["derived_from"]["changes"],
        "before": before,
        "after": after,
        "test_change_points": 100 * (after["test_accuracy"] - before["test_accuracy"]),
        "seconds": round(run.seconds, 1),
    }


def finetune(model: Path, n_feedback: int) -> dict[str, Any]:
    probes = feedback_stream(model, n_feedback)
    truth = probes["feedback"][1]
    labelled = {"true": truth, "true + 1 (mod 10)": (truth + 1) % 10}
    cases = {}
    for name, labelling, overrides in FINETUNE_CASES:
        with worker_services(data_dir()) as services:  # each case on a fresh registry
            cases[name] = {
                "labels": labelling,
                **finetune_case(services, model, probes, labelled[labelling], overrides),
            }
        log.info("finetune case %s: %s", name, cases[name]["gate"])
    return {
        "model": str(model),
        "feedback_items": len(truth),
        "heldout_shifted": len(probes["heldout"][1]),
        "accuracy_labels": "every accuracy is against the true labels, whatever a case stored",
        **cases["corrections"],
        "must_refuse": {name: cases[name] for name in ("mislabelled", "zero_tolerance")},
        "refused_all_that_must_be": not any(
            cases[name]["promoted"] for name in ("mislabelled", "zero_tolerance")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["sweep", "neurogenesis", "finetune"])
    parser.add_argument("models", type=Path, nargs="+", help="model directories (sweep: several)")
    parser.add_argument("--grid", type=float, nargs="+", default=list(GRID), help="sweep only")
    parser.add_argument("--feedback", type=int, default=300, help="finetune: corrections stored")
    parser.add_argument("--out", type=Path, help="default: docs/bench/<prune_sweep|what>.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.what != "sweep" and len(args.models) != 1:
        parser.error(f"{args.what} measures one model")
    if args.what == "sweep":
        name, result = "prune_sweep", sweep(args.models, args.grid)
    elif args.what == "neurogenesis":
        name, result = "neurogenesis", neurogenesis(args.models[0])
    else:
        name, result = "finetune", finetune(args.models[0], args.feedback)
    emit(name, result, out=args.out or default_out(name))


if __name__ == "__main__":
    main()
