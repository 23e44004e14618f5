"""Curriculum learning against random order: samples seen until a target validation accuracy,
and the test accuracy of the best-validation epoch, over several seeds per dataset.

Each run is the product's training loop (``spikeglyph.train.loop.fit``) on a recipe resolved
from the shipped one by the same overrides ``spikeglyph train`` takes (``--arch fc --hidden
… --epochs … --max-samples … --seed … --curriculum off|teacher``), so both arms differ only in
the curriculum. While it trains, the network is scored on the whole validation split every
``--every`` batches (in eval mode, then put back in training mode: the run is not changed),
which gives the learning curve. The target is ``--target-fraction`` of the random arm's mean
best validation accuracy, on validation data only; the test split is scored once per run,
for the report.

    nice -n 10 python bench/bench_curriculum.py
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import BENCH_DIR, add_out_argument, data_dir, emit

from spikeglyph.data import load_split
from spikeglyph.recipe import Recipe, RecipeOverrides, resolve
from spikeglyph.schemas import JobProgress
from spikeglyph.train.evaluation import evaluate_net
from spikeglyph.train.loop import fit
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.optim import seed_everything

ARMS = ("off", "teacher")
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
ARM_NAMES = {"off": "random order", "teacher": "curriculum (teacher margin)"}


def recipe_of(dataset: str, arm: str, seed: int, args: argparse.Namespace) -> Recipe:
    overrides = RecipeOverrides(
        dataset=dataset,  # type: ignore[arg-type]
        arch="fc",
        hidden=(args.hidden,),
        epochs=args.epochs,
        max_samples=args.max_samples,
        seed=seed,
        curriculum=arm,  # type: ignore[arg-type]
    )
    recipe = resolve(overrides)
    assert isinstance(recipe, Recipe)
    return recipe


def one_run(
    recipe: Recipe,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None,
    every: int,
) -> dict[str, Any]:
    """Train ``recipe``, scoring the whole validation split every ``every`` batches (and the
    test split once at the end, unless ``test`` is None)."""
    cpu = torch.device("cpu")
    seed_everything(recipe.seed)  # what fit does before it builds the network
    net = SpikingNet(recipe.arch, recipe.encoder, recipe.timesteps)
    count = min(len(train[0]), recipe.max_samples or len(train[0]))
    curve: list[tuple[int, float]] = []
    scored: set[tuple[int, int]] = set()

    def on_progress(report: JobProgress) -> None:
        if report.phase != "training" or report.step is None or report.epoch is None:
            return
        if (report.epoch, report.step) in scored:
            return
        if (report.step - 1) % every != 0 and report.step != report.steps:
            return
        scored.add((report.epoch, report.step))
        seen = (report.epoch - 1) * count + min(report.step * recipe.batch_size, count)
        curve.append((seen, evaluate_net(net, *val, cpu)["accuracy"]))
        net.train()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = fit(
            recipe, train, val, workdir=Path(tmp), device="cpu", progress=on_progress, model=net
        )
    return {
        "seed": recipe.seed,
        "best_val_accuracy": result.best_val,
        "best_epoch": result.best_epoch,
        "test_accuracy": None
        if test is None
        else evaluate_net(result.model, *test, cpu)["accuracy"],
        "seconds": round(time.perf_counter() - started, 1),
        "curve": [[seen, round(acc, 4)] for seen, acc in curve],
    }


def samples_to(curve: list[list[float]], target: float) -> int | None:
    """The samples seen at the first curve point at or above ``target`` (None: never)."""
    return next((int(seen) for seen, acc in curve if acc >= target), None)


def spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "sd": None}
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": statistics.fmean(values), "sd": sd}


def summarise(arms: dict[str, list[dict[str, Any]]], fraction: float) -> dict[str, Any]:
    """The target (from the random arm's validation accuracy) and each arm's figures."""
    target = fraction * statistics.fmean(run["best_val_accuracy"] for run in arms["off"])
    summary: dict[str, Any] = {"target_val_accuracy": target, "arms": {}}
    for arm, runs in arms.items():
        for run in runs:
            run["samples_to_target"] = samples_to(run["curve"], target)
        reached = [run["samples_to_target"] for run in runs if run["samples_to_target"]]
        summary["arms"][arm] = {
            "runs": runs,
            "reached_target": f"{len(reached)}/{len(runs)}",
            "samples_to_target": spread([float(n) for n in reached]),
            "best_val_accuracy": spread([run["best_val_accuracy"] for run in runs]),
            "test_accuracy": spread([run["test_accuracy"] for run in runs]),
        }
    return summary


def plot(datasets: dict[str, Any], path: Path) -> None:
    """Validation accuracy against samples seen, mean ± sd over seeds, per dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(datasets), figsize=(5.5 * len(datasets), 4), squeeze=False)
    for ax, (name, result) in zip(axes[0], datasets.items(), strict=True):
        for arm, summary in result["arms"].items():
            curves = np.array([run["curve"] for run in summary["runs"]], dtype=float)
            seen, acc = curves[0, :, 0], curves[:, :, 1]
            mean, sd = acc.mean(0), acc.std(0, ddof=1) if len(acc) > 1 else 0 * acc[0]
            ax.plot(seen, mean, label=ARM_NAMES[arm])
            ax.fill_between(seen, mean - sd, mean + sd, alpha=0.25)
        ax.axhline(result["target_val_accuracy"], color="grey", linestyle="--", label="target")
        ax.set_title(TITLES.get(name, name))
        ax.set_xlabel("training samples seen")
        ax.set_ylabel("validation accuracy")
        ax.set_ylim(max(0.0, result["target_val_accuracy"] - 0.25), 1.0)
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="mnist,fashion-mnist")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-samples", type=int, default=20000)
    parser.add_argument(
        "--every", type=int, default=10, help="batches between curve points (a multiple of 5)"
    )
    parser.add_argument("--target-fraction", type=float, default=0.98)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plot", type=Path, default=BENCH_DIR / "curriculum.png")
    add_out_argument(parser, "curriculum")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    datasets: dict[str, Any] = {}
    for dataset in args.datasets.split(","):
        base = recipe_of(dataset, "off", seeds[0], args)
        train = load_split(data_dir(), dataset, "train", val_size=base.val_size)
        val = load_split(data_dir(), dataset, "val", val_size=base.val_size)
        test = load_split(data_dir(), dataset, "test")
        arms = {
            arm: [
                one_run(recipe_of(dataset, arm, s, args), train, val, test, args.every)
                for s in seeds
            ]
            for arm in ARMS
        }
        datasets[dataset] = summarise(arms, args.target_fraction)
    plot(datasets, args.plot)
    emit(
        "curriculum",
        {
            "setup": {
                "network": f"fc {args.hidden} (the fc recipe with a narrower hidden layer)",
                "epochs": args.epochs,
                "max_samples": args.max_samples,
                "seeds": seeds,
                "every_batches": args.every,
                "target_fraction": args.target_fraction,
                "curriculum": recipe_of("mnist", "teacher", 0, args).curriculum.__dict__,
                "threads": args.threads,
                "splits": "trained on the first max_samples training images; curve and target "
                "on the whole validation split (5,000); test split scored once per run",
                "plot": args.plot.name,
            },
            "datasets": datasets,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
