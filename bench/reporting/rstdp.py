"""Renderers of the reward-modulated STDP bench (``bench/bench_rstdp.py``): the validation
grid that chose the readout's defaults, the readouts compared over seeds, and the stream of
shifted and thickened digits learnt from reward."""

from __future__ import annotations

from typing import Any

from reporting.markdown import from_bench, num, pct, table
from reporting.sources import Doc


def _mean_sd(spread: Doc) -> str:
    return f"{pct(spread['mean'])} ± {num(spread['sd'] * 100, 2)}"


def _is_chosen(point: Doc, chosen: Doc) -> bool:
    return all(point[key] == value for key, value in chosen.items())


@from_bench("rstdp")
def render_rstdp_tune(doc: Doc) -> str:
    """One seed per point, validation split only; the chosen point in bold."""
    tune = doc["tune"]
    keys = list(tune["grid"])
    rows: list[list[Any]] = []
    for point in tune["points"]:
        mark = "**" if _is_chosen(point, tune["chosen"]) else ""
        accuracy = f"{mark}{pct(point['val_accuracy'])}{mark}"
        rows.append(
            [*(point[k] for k in keys), accuracy, pct(point["reward_rate_by_epoch"][-1], 1)]
        )
    headers = [*keys, "validation accuracy", "reward rate, last epoch"]
    agree = "agree" if tune["defaults_match_choice"] else "**do not agree**"
    return (
        f"{table(headers, rows)}\n\nThe readout's defaults and the chosen point {agree}. "
        f"Without the reward baseline (R instead of R − b, chosen point): "
        f"{pct(tune['no_baseline_val_accuracy'])} on validation."
    )


@from_bench("rstdp")
def render_rstdp_compare(doc: Doc) -> str:
    """Three readouts of the same frozen spike counts; mean ± sd over seeds where a seed
    changes anything (the label-assignment vote is deterministic)."""
    compare = doc["compare"]
    rstdp, vote, linear = (
        compare["rstdp"],
        compare["label_assignment"],
        compare["supervised_linear"],
    )
    rows = [
        [
            "label assignment (Diehl & Cook)",
            "labels, to name neurons",
            pct(vote["val"]),
            pct(vote["test"]),
        ],
        [
            "**R-STDP** (this readout)",
            "reward only (+1/−1)",
            _mean_sd(rstdp["val"]),
            f"**{_mean_sd(rstdp['test'])}**",
        ],
        [
            "supervised linear (softmax regression)",
            "labels as targets",
            _mean_sd(linear["val"]),
            _mean_sd(linear["test"]),
        ],
    ]
    headers = ["readout", "learns from", "validation", "test"]
    return (
        f"{table(headers, rows)}\n\nSeeds {', '.join(str(s) for s in compare['seeds'])}; "
        f"{num(doc['train_images'])} training, {num(doc['val_images'])} validation and "
        f"{num(doc['test_images'])} test digits, features of `{doc['base']}`."
    )


@from_bench("rstdp")
def render_rstdp_stream(doc: Doc) -> str:
    """Reward-only learning of a stream through the finetune job's functions: with the job's
    defaults and a stronger setting; beside them a supervised readout of the same trials."""
    stream = doc["stream"]
    rows = [
        [
            run["seed"],
            pct(run["held_out_before"], 1),
            f"**{pct(run['job_defaults']['held_out_after'], 1)}**",
            pct(run["stronger"]["held_out_after"], 1),
            pct(run["supervised_held_out"], 1),
            pct(run["val_before"]),
            pct(run["job_defaults"]["val_after"]),
            pct(run["stronger"]["val_after"]),
        ]
        for run in stream["runs"]
    ]
    summary = stream["summary"]
    keys = (
        "held_out_before",
        "job_defaults.held_out_after",
        "stronger.held_out_after",
        "supervised_held_out",
        "val_before",
        "job_defaults.val_after",
        "stronger.val_after",
    )
    rows.append(["mean ± sd", *(_mean_sd(summary[key]) for key in keys)])
    headers = [
        "seed",
        "held-out stream, before",
        "after reward (job defaults)",
        "after reward (stronger)",
        "labels as targets (reference)",
        "validation, before",
        "validation, after (defaults)",
        "validation, after (stronger)",
    ]
    run = stream["runs"][0]
    learnt = stream["learnt"]
    return (
        f"{table(headers, rows)}\n\n{num(stream['size'])} digits per seed: {num(learnt)} "
        f"learnt, {num(stream['size'] - learnt)} held out. Job defaults: "
        f"{_setting(run['job_defaults'])}; stronger: {_setting(run['stronger'])}."
    )


def _setting(result: Doc) -> str:
    params = result["params"]
    return (
        f"learning rate × {params['lr_factor']}, {params['rehearsal_ratio']} replayed training "
        f"digit(s) per feedback digit ({num(result['replayed'])} replayed)"
    )
