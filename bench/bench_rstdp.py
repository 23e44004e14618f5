"""Reward-modulated STDP readout: tuning on validation, comparison on test, reward from a stream.

Three parts, one JSON (``docs/bench/rstdp.json``) and one plot (``docs/bench/rstdp.png``):

* **tune** — a grid of the readout's learning rate, exploration temperature and depression
  of silent inputs, one seed, scored on the validation split only; the best is the default
  of :class:`spikeglyph.train.rstdp.readout.ReadoutConfig` (the JSON says whether they agree),
  plus an ablation without the reward baseline;
* **compare** — the chosen rule over several seeds against the label-assignment vote of the
  same frozen features (the shipped STDP model's) and a supervised linear readout
  (softmax regression on the same spike counts, trained with labels as targets), on
  validation and test;
* **stream** — the shipped R-STDP model meets a stream of shifted and thickened test digits;
  the first part of the stream is learnt as reward only, through the ``finetune`` job's own
  functions and defaults (replay included), and accuracy on the held-out rest of the stream
  and on validation is measured before and after, per seed.

The STDP layer's responses are cached (``--cache``); a first run computes them (minutes).

    SPIKEGLYPH_DATA_DIR=../shared/datasets .venv/bin/python bench/bench_rstdp.py
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from _common import add_out_argument, data_dir, emit
from _rstdp import plot, stream_images, supervised_readout

from spikeglyph.schemas import FinetuneParams
from spikeglyph.train.rstdp.api import Features, load_features
from spikeglyph.train.rstdp.features import image_counts
from spikeglyph.train.rstdp.finetune import feedback_config, replay_choice, reward_mix
from spikeglyph.train.rstdp.modelio import load_rstdp_model
from spikeglyph.train.rstdp.readout import (
    ReadoutConfig,
    ReadoutState,
    initial_state,
    learn_from_reward,
    readout_accuracy,
)
from spikeglyph.train.stdp.modelio import load_stdp_model

GRID: dict[str, list[float]] = {
    "lr": [0.05, 0.2],
    "temperature": [0.01, 0.03],
    "depression": [0.0, 1.0],
}


def spread(values: list[float]) -> dict[str, Any]:
    return {
        "values": [round(v, 4) for v in values],
        "mean": round(statistics.fmean(values), 4),
        "sd": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
    }


def rstdp_run(config: ReadoutConfig, train: Features, *scored: Features) -> dict[str, Any]:
    started = time.monotonic()
    state = initial_state(train.counts.shape[1], 10, config)
    state, rates = learn_from_reward(state, train.counts, train.labels, config)
    return {
        "accuracy": [readout_accuracy(state.weights, f.counts, f.labels) for f in scored],
        "reward_rate_by_epoch": [round(r, 4) for r in rates],
        "seconds": round(time.monotonic() - started, 1),
    }


def tune(train: Features, val: Features) -> dict[str, Any]:
    points = []
    for values in itertools.product(*GRID.values()):
        changes = dict(zip(GRID, values, strict=True))
        run = rstdp_run(replace(ReadoutConfig(), seed=0, **changes), train, val)
        points.append({**changes, "val_accuracy": round(run["accuracy"][0], 4), **run})
        print(points[-1], flush=True)
    best = max(points, key=lambda p: p["val_accuracy"])
    chosen = {k: best[k] for k in GRID}
    defaults = {k: getattr(ReadoutConfig(), k) for k in GRID}
    no_baseline = replace(ReadoutConfig(), seed=0, tau_baseline=1e12, **chosen)
    ablation = rstdp_run(no_baseline, train, val)
    return {
        "grid": GRID,
        "points": [{k: v for k, v in p.items() if k != "accuracy"} for p in points],
        "chosen": chosen,
        "chosen_val_accuracy": best["val_accuracy"],
        "defaults_match_choice": chosen == defaults,
        "no_baseline_val_accuracy": round(ablation["accuracy"][0], 4),
    }


def compare(
    seeds: list[int], train: Features, val: Features, test: Features, votes: torch.Tensor
) -> dict[str, Any]:
    rstdp = [rstdp_run(replace(ReadoutConfig(), seed=s), train, val, test) for s in seeds]
    supervised = [supervised_readout(train, (val, test), seed=s) for s in seeds]

    def vote_accuracy(features: Features) -> float:
        counts = torch.from_numpy(features.counts)
        return float((votes(counts).argmax(1).numpy() == features.labels).mean())

    return {
        "seeds": seeds,
        "rstdp": {
            "val": spread([r["accuracy"][0] for r in rstdp]),
            "test": spread([r["accuracy"][1] for r in rstdp]),
            "reward_rate_by_epoch": [r["reward_rate_by_epoch"] for r in rstdp],
            "readout_seconds": spread([r["seconds"] for r in rstdp]),
        },
        "label_assignment": {"val": vote_accuracy(val), "test": vote_accuracy(test)},
        "supervised_linear": {
            "val": spread([s[0] for s in supervised]),
            "test": spread([s[1] for s in supervised]),
        },
    }


# The finetune job's defaults, and a stronger setting: the full learning rate, one replayed
# training digit per feedback digit.
STREAM_SETTINGS: dict[str, dict[str, float]] = {
    "job_defaults": {},
    "stronger": {"lr_factor": 1.0, "rehearsal_ratio": 1.0},
}


def stream_learn(
    net: Any, manifest: Any, stream: tuple[Any, Any], train: Features, params: FinetuneParams
) -> tuple[Any, tuple[Any, Any], list[float]]:
    """Reward-only learning of ``stream`` (counts, classes) with replay, as the job does."""
    replay = replay_choice(len(stream[1]), len(train.labels), params)
    mixed = reward_mix(stream, (train.counts[replay], train.labels[replay]), params.seed)
    config = feedback_config(ReadoutConfig.from_dict(manifest.training["readout"]), params)
    start = ReadoutState(net.readout.clone(), torch.tensor(manifest.training["reward_baseline"]))
    state, rates = learn_from_reward(start, mixed[0], mixed[1], config)
    return state.weights, mixed, rates


def stream_run(
    model: Path, seed: int, size: int, learn: int, train: Features, val: Features, test_x: Any
) -> dict[str, Any]:
    """One seed of the stream: learn the first ``learn`` digits as reward, score the rest."""
    net, manifest = load_rstdp_model(model)
    images, labels, transform = stream_images(test_x[0], test_x[1], size, seed)
    counts = image_counts(net, images)
    held = Features(counts[learn:], labels[learn:], images[learn:])
    run: dict[str, Any] = {
        "seed": seed,
        "transform": transform,
        "held_out_before": readout_accuracy(net.readout, held.counts, held.labels),
        "learnt_before": readout_accuracy(net.readout, counts[:learn], labels[:learn]),
        "val_before": readout_accuracy(net.readout, val.counts, val.labels),
    }
    for name, changes in STREAM_SETTINGS.items():
        params = FinetuneParams(seed=seed, **changes)
        weights, mixed, rates = stream_learn(
            net, manifest, (counts[:learn], labels[:learn]), train, params
        )
        run[name] = {
            "params": {"lr_factor": params.lr_factor, "rehearsal_ratio": params.rehearsal_ratio},
            "held_out_after": readout_accuracy(weights, held.counts, held.labels),
            "val_after": readout_accuracy(weights, val.counts, val.labels),
            "reward_rate_by_epoch": [round(r, 4) for r in rates],
            "replayed": len(mixed[1]) - learn,
        }
        if name == "job_defaults":
            # For reference: what a readout of these features learns from the same trials
            # with labels as targets instead of reward.
            mix = Features(mixed[0], mixed[1], images)
            run["supervised_held_out"] = supervised_readout(mix, (held,), seed=seed)[0]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, default=Path("models/mnist-stdp"))
    parser.add_argument("--model", type=Path, default=Path("models/mnist-rstdp"))
    parser.add_argument("--cache", type=Path, default=Path("var/rstdp-features"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--stream", type=int, default=600, help="digits in the stream")
    parser.add_argument("--learn", type=int, default=400, help="of which learnt as reward")
    parser.add_argument("--plot", type=Path, default=Path("docs/bench/rstdp.png"))
    add_out_argument(parser, "rstdp")
    args = parser.parse_args()
    torch.set_num_threads(1)
    stdp, base = load_stdp_model(args.base)
    root = data_dir()
    splits = {
        s: load_features(stdp, base, s, data_dir=root, cache_dir=args.cache)
        for s in ("train", "val", "test")
    }
    train, val, test = splits["train"], splits["val"], splits["test"]
    seeds = list(range(args.seeds))
    result: dict[str, Any] = {
        "base": base.version,
        "train_images": len(train.labels),
        "val_images": len(val.labels),
        "test_images": len(test.labels),
        "tune": tune(train, val),
        "compare": compare(seeds, train, val, test, stdp.votes),
    }
    runs = [
        stream_run(args.model, s, args.stream, args.learn, train, val, (test.images, test.labels))
        for s in seeds
    ]
    result["stream"] = {"size": args.stream, "learnt": args.learn, "runs": runs}
    summary = {key: spread([r[key] for r in runs]) for key in ("held_out_before", "val_before")}
    summary["supervised_held_out"] = spread([r["supervised_held_out"] for r in runs])
    for name in STREAM_SETTINGS:
        for key in ("held_out_after", "val_after"):
            summary[f"{name}.{key}"] = spread([r[name][key] for r in runs])
    result["stream"]["summary"] = summary
    plot(result, args.plot)
    result["plot"] = args.plot.as_posix()
    emit("rstdp", result, out=args.out)


if __name__ == "__main__":
    main()
