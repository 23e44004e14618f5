"""The curriculum's pacing, chosen on validation data: start fraction c₀ and pacing shape.

For each dataset and seed, one random-order run and one curriculum run per grid point, with
the setup of ``bench_curriculum.py`` (the same network, epochs and training subset) but seeds
of their own; only the validation split is scored. The choice is the grid point with the
highest mean best validation accuracy over datasets and seeds; ``bench_curriculum.py`` then
reports the chosen schedule on test.

    nice -n 10 python bench/bench_curriculum_sweep.py
"""

from __future__ import annotations

import argparse
import itertools
import statistics
from typing import Any

import torch
from _common import add_out_argument, data_dir, emit
from bench_curriculum import one_run, recipe_of, samples_to

from spikeglyph.data import load_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="mnist,fashion-mnist")
    parser.add_argument("--seeds", default="10")
    parser.add_argument("--starts", default="0.05,0.2,0.5")
    parser.add_argument("--pacings", default="linear,root")
    parser.add_argument("--ramp", type=float, default=0.5)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-samples", type=int, default=20000)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--target-fraction", type=float, default=0.98)
    parser.add_argument("--threads", type=int, default=1)
    add_out_argument(parser, "curriculum_sweep")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    grid = list(
        itertools.product([float(s) for s in args.starts.split(",")], args.pacings.split(","))
    )
    points: list[dict[str, Any]] = [{"start": s, "pacing": p, "runs": []} for s, p in grid]
    baselines: list[dict[str, Any]] = []
    for dataset in args.datasets.split(","):
        base = recipe_of(dataset, "off", seeds[0], args)
        train = load_split(data_dir(), dataset, "train", val_size=base.val_size)
        val = load_split(data_dir(), dataset, "val", val_size=base.val_size)
        for seed in seeds:
            random = one_run(recipe_of(dataset, "off", seed, args), train, val, None, args.every)
            target = args.target_fraction * random["best_val_accuracy"]
            baselines.append(
                {
                    "dataset": dataset,
                    "seed": seed,
                    "best_val_accuracy": random["best_val_accuracy"],
                    "samples_to_target": samples_to(random["curve"], target),
                }
            )
            for point in points:
                recipe = recipe_of(dataset, "teacher", seed, args)
                spec = {
                    **recipe.curriculum.__dict__,
                    "start": point["start"],
                    "pacing": point["pacing"],
                    "ramp": args.ramp,
                }
                run = one_run(recipe.with_changes(curriculum=spec), train, val, None, args.every)
                point["runs"].append(
                    {
                        "dataset": dataset,
                        "seed": seed,
                        "best_val_accuracy": run["best_val_accuracy"],
                        "samples_to_target": samples_to(run["curve"], target),
                    }
                )
    for point in points:
        point["mean_best_val_accuracy"] = statistics.fmean(
            r["best_val_accuracy"] for r in point["runs"]
        )
    best = max(points, key=lambda p: p["mean_best_val_accuracy"])
    emit(
        "curriculum_sweep",
        {
            "setup": {
                "datasets": args.datasets.split(","),
                "seeds": seeds,
                "ramp": args.ramp,
                "hidden": args.hidden,
                "epochs": args.epochs,
                "max_samples": args.max_samples,
                "target_fraction": args.target_fraction,
                "split": "validation only",
            },
            "random_order": baselines,
            "random_mean_best_val_accuracy": statistics.fmean(
                b["best_val_accuracy"] for b in baselines
            ),
            "points": points,
            "choice": {"start": best["start"], "pacing": best["pacing"], "ramp": args.ramp},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
