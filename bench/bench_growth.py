"""Error-driven growth against fixed-size networks of the same final size, trained from scratch
under the same protocol, over several seeds.

STDP (``spikeglyph.train.stdp.growth``): the recipe's network (``StdpRecipe`` defaults: 100
steps, pair STDP, batches of 16) starts with ``--stdp-start`` neurons and grows on errors up
to ``--stdp-max``; the fixed network has the grown one's final size from the start. Both learn
the same first ``--stdp-images`` training digits in windows of ``--window`` (each window is
answered before it is learnt: the learning curve), are then labelled on the last
``assign`` of them and scored on the validation and test splits.

Surrogate gradients (``spikeglyph.train.growth``): an fc network with two hidden layers of
``--fc-start`` units trains ``--stages`` stages of one epoch (the product's loop, the fc
recipe otherwise) on the first ``--max-samples`` training images; between stages it widens
by ``--fc-grow`` units where the errors on ``--probe`` training images concentrate. The fixed
network has the grown one's final widths and trains the same stages.

The STDP control ``fixed_from_images`` is the fixed network with its weights started from
randomly chosen training images (as recruits start from misclassified ones), without growth:
it separates the error signal from the image initialisation.

    nice -n 10 python bench/bench_growth.py
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
from spikeglyph.recipe import Recipe, RecipeOverrides, default_stdp_recipe, resolve
from spikeglyph.train.evaluation import evaluate_net
from spikeglyph.train.growth import widen_where_errors
from spikeglyph.train.loop import fit
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.optim import seed_everything
from spikeglyph.train.stdp.api import accuracy, flat_images, label_neurons
from spikeglyph.train.stdp.growth import GrowthRule, learn_in_windows
from spikeglyph.train.stdp.kernels import normalise_columns
from spikeglyph.train.stdp.network import StdpNet

Split = tuple[np.ndarray, np.ndarray]


def spread(values: list[float]) -> dict[str, float]:
    return {
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def stdp_run(
    neurons: int,
    rule: GrowthRule | None,
    seed: int,
    splits: dict[str, Split],
    args: Any,
    from_images: bool = False,
) -> dict[str, Any]:
    """One STDP network learning the training images in windows; ``from_images``: its
    weights start from randomly chosen training images, as recruits do, instead of noise."""
    recipe = default_stdp_recipe()
    spec = recipe.spec.__class__(**{**recipe.spec.__dict__, "neurons": neurons, "noise_seed": seed})
    torch.manual_seed(seed)
    net = StdpNet(spec)
    train_x, train_y = (part[: args.stdp_images] for part in splits["train"])
    if from_images:
        pick = np.random.default_rng(seed).choice(len(train_x), size=neurons, replace=False)
        net.weights = normalise_columns(flat_images(train_x[pick]).T, spec.weight_norm)
    started = time.perf_counter()
    records = learn_in_windows(
        net,
        flat_images(train_x),
        torch.from_numpy(train_y.astype(np.int64)),
        rule=rule,
        window=args.window,
        batch_size=recipe.batch_size,
        seed=seed,
    )
    assign = min(args.assign, len(train_x))
    label_neurons(net, train_x[-assign:], train_y[-assign:])
    return {
        "seed": seed,
        "neurons_start": neurons,
        "neurons_final": net.spec.neurons,
        "mean_neurons": statistics.fmean(r.neurons for r in records),
        "recruited": sum(sum(r.recruited) for r in records),
        "pruned": sum(r.pruned for r in records),
        "val_accuracy": accuracy(net, *splits["val"])["accuracy"],
        "test_accuracy": accuracy(net, *splits["test"])["accuracy"],
        "seconds": round(time.perf_counter() - started, 1),
        "curve": [[r.seen, r.neurons, round(r.accuracy, 4)] for r in records],
    }


def samples_to(curve: list[list[float]], target: float) -> int | None:
    """Images learnt before the first window answered at ``target`` or better."""
    return next((int(point[0]) for point in curve if point[-1] >= target), None)


def stdp_part(splits: dict[str, Split], seeds: list[int], args: Any) -> dict[str, Any]:
    rule = GrowthRule(max_neurons=args.stdp_max, window=args.window)
    grown = [stdp_run(args.stdp_start, rule, s, splits, args) for s in seeds]
    fixed = [
        stdp_run(run["neurons_final"], None, s, splits, args)
        for run, s in zip(grown, seeds, strict=True)
    ]
    control = [
        stdp_run(run["neurons_final"], None, s, splits, args, from_images=True)
        for run, s in zip(grown, seeds, strict=True)
    ]
    target = args.target_fraction * statistics.fmean(run["curve"][-1][-1] for run in fixed)
    arms = {"grown": grown, "fixed": fixed, "fixed_from_images": control}
    summary: dict[str, Any] = {"rule": rule.__dict__, "target_window_accuracy": target}
    for name, runs in arms.items():
        for run in runs:
            run["samples_to_target"] = samples_to(run["curve"], target)
        reached = [
            float(run["samples_to_target"]) for run in runs if run["samples_to_target"] is not None
        ]
        summary[name] = {
            "runs": runs,
            "neurons_final": spread([float(run["neurons_final"]) for run in runs]),
            "mean_neurons": spread([run["mean_neurons"] for run in runs]),
            "val_accuracy": spread([run["val_accuracy"] for run in runs]),
            "test_accuracy": spread([run["test_accuracy"] for run in runs]),
            "reached_target": f"{len(reached)}/{len(runs)}",
            "samples_to_target": spread(reached) if reached else None,
        }
    return summary


def fc_recipe(dataset: str, widths: tuple[int, ...], seed: int, args: Any) -> Recipe:
    recipe = resolve(
        RecipeOverrides(
            dataset=dataset,  # type: ignore[arg-type]
            arch="fc",
            hidden=widths,
            epochs=1,
            max_samples=args.max_samples,
            seed=seed,
        )
    )
    assert isinstance(recipe, Recipe)
    return recipe


def fc_run(
    dataset: str,
    widths: tuple[int, ...],
    grow: bool,
    seed: int,
    splits: dict[str, Split],
    args: Any,
) -> dict[str, Any]:
    cpu = torch.device("cpu")
    recipe = fc_recipe(dataset, widths, seed, args)
    seed_everything(seed)
    net = SpikingNet(recipe.arch, recipe.encoder, recipe.timesteps)
    probe_x, probe_y = (part[: args.probe] for part in splits["train"])
    curve, steps = [], []
    for stage in range(args.stages):
        if grow and stage > 0:
            net, step = widen_where_errors(net, probe_x, probe_y, args.fc_grow, seed * 100 + stage)
            steps.append({"stage": stage, **step.__dict__})
        stage_recipe = recipe.with_changes(arch=net.arch, seed=seed * 100 + stage)
        with tempfile.TemporaryDirectory() as tmp:
            net = fit(
                stage_recipe,
                splits["train"],
                splits["val"],
                workdir=Path(tmp),
                device="cpu",
                model=net,
            ).model
        seen = (stage + 1) * min(args.max_samples, len(splits["train"][0]))
        curve.append(
            [
                seen,
                sum(fc.out_features for fc in net.fcs),
                evaluate_net(net, *splits["val"], cpu)["accuracy"],
            ]
        )
    return {
        "seed": seed,
        "widths_start": list(widths),
        "widths_final": [fc.out_features for fc in net.fcs],
        "neurons_final": sum(fc.out_features for fc in net.fcs),
        "val_accuracy": curve[-1][-1],
        "test_accuracy": evaluate_net(net, *splits["test"], cpu)["accuracy"],
        "growth": steps,
        "curve": curve,
    }


def fc_part(dataset: str, splits: dict[str, Split], seeds: list[int], args: Any) -> dict[str, Any]:
    start = (args.fc_start, args.fc_start)
    grown = [fc_run(dataset, start, True, s, splits, args) for s in seeds]
    fixed = [
        fc_run(dataset, tuple(run["widths_final"]), False, s, splits, args)
        for run, s in zip(grown, seeds, strict=True)
    ]
    summary: dict[str, Any] = {}
    for name, runs in {"grown": grown, "fixed": fixed}.items():
        summary[name] = {
            "runs": runs,
            "neurons_final": spread([float(run["neurons_final"]) for run in runs]),
            "val_accuracy": spread([run["val_accuracy"] for run in runs]),
            "test_accuracy": spread([run["test_accuracy"] for run in runs]),
        }
    return summary


def _band(ax: Any, curves: np.ndarray, x: int, y: int, label: str) -> None:
    mean = curves[:, :, y].mean(0)
    sd = curves[:, :, y].std(0, ddof=1) if len(curves) > 1 else 0 * mean
    ax.plot(curves[0, :, x], mean, label=label)
    ax.fill_between(curves[0, :, x], mean - sd, mean + sd, alpha=0.25)


def plot(stdp: dict[str, Any], fc: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
    for name in ("grown", "fixed", "fixed_from_images"):
        curves = np.array([run["curve"] for run in stdp[name]["runs"]], dtype=float)
        _band(axes[0], curves, 0, 2, f"STDP {name.replace('_', ' ')}")
        _band(axes[1], curves, 0, 1, f"STDP {name.replace('_', ' ')}")
        if name == "fixed_from_images":
            continue
        fc_curves = np.array([run["curve"] for run in fc[name]["runs"]], dtype=float)
        _band(axes[2], fc_curves, 0, 2, f"fc {name}")
    axes[0].axhline(stdp["target_window_accuracy"], color="grey", linestyle="--", label="target")
    axes[0].set_ylabel("accuracy on the next window (before learning it)")
    axes[1].set_ylabel("excitatory neurons")
    axes[2].set_ylabel("validation accuracy")
    for ax, title in zip(
        axes, ("STDP: learning curve", "STDP: network size", "surrogate fc: stages"), strict=True
    ):
        ax.set_xlabel("training images seen")
        ax.set_title(title)
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--stdp-start", type=int, default=10)
    parser.add_argument("--stdp-max", type=int, default=100)
    parser.add_argument("--stdp-images", type=int, default=6000)
    parser.add_argument("--window", type=int, default=500)
    parser.add_argument("--assign", type=int, default=2000)
    parser.add_argument("--target-fraction", type=float, default=0.95)
    parser.add_argument("--fc-start", type=int, default=16)
    parser.add_argument("--fc-grow", type=int, default=16)
    parser.add_argument("--stages", type=int, default=4)
    parser.add_argument("--max-samples", type=int, default=10000)
    parser.add_argument("--probe", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plot", type=Path, default=BENCH_DIR / "growth.png")
    add_out_argument(parser, "growth")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    splits = {
        "train": load_split(data_dir(), args.dataset, "train", val_size=5000),
        "val": load_split(data_dir(), args.dataset, "val", val_size=5000),
        "test": load_split(data_dir(), args.dataset, "test"),
    }
    fc = fc_part(args.dataset, splits, seeds, args)
    stdp = stdp_part(splits, seeds, args)
    plot(stdp, fc, args.plot)
    setup = {k: v for k, v in vars(args).items() if k not in ("out", "plot")}
    emit(
        "growth",
        {"setup": {**setup, "seeds": seeds, "plot": args.plot.name}, "stdp": stdp, "fc": fc},
        args.out,
    )


if __name__ == "__main__":
    main()
