"""Renderers for robustness to corrupted inputs and the spiking ResNet (docs/RESEARCH.md)."""

from __future__ import annotations

from typing import Any

from reporting.markdown import code, from_bench, num, table
from reporting.sources import Doc, Sources

STAGE_ORDER = ("before", "after")


def _stages(doc: Doc) -> list[tuple[str, dict[str, Any]]]:
    stages = doc["stages"]
    named = [name for name in STAGE_ORDER if name in stages]
    return [(name, stages[name]) for name in [*named, *sorted(set(stages) - set(named))]]


def _stage_line(name: str, stage: dict[str, Any]) -> str:
    machine = stage["machine"]
    commit = machine.get("commit") or "unknown commit"
    if machine.get("tree_modified"):
        commit += " with local changes"
    return (
        f"`{name}`: preprocessing version {stage['preprocessing_version']}, commit `{commit}`, "
        f"{machine.get('date', 'date unknown')}, `{machine.get('command', '?')}`"
    )


@from_bench("robustness")
def render_robustness(doc: Doc) -> str:
    """Accuracy per corruption through the upload preprocessing, per stage, and the model fed
    the corrupted arrays directly (MNIST-C's own protocol)."""
    stages = _stages(doc)
    models = list(stages[-1][1]["models"])
    headers = ["corruption"]
    for model in models:
        headers += [f"{code(model)} {name}" for name, _ in stages]
        headers.append(f"{code(model)} raw")
    by_stage = [{row["corruption"]: row for row in stage["corruptions"]} for _, stage in stages]
    # raw does not depend on the preprocessing: any stage that measured it will do
    raw_index = next(i for i, s in enumerate(by_stage) if "raw" in s["clean"][models[0]])
    raw_rows, raw_summary = by_stage[raw_index], stages[raw_index][1]["summary"]
    rows = []
    for name in by_stage[-1]:
        marked = f"**{name}**" if by_stage[-1][name]["noise"] else name
        cells: list[str] = [marked]
        for model in models:
            cells += [num(rows_[name][model]["preprocessed"], 2) for rows_ in by_stage]
            cells.append(num(raw_rows[name][model]["raw"], 2))
        rows.append(cells)
    for key, label in (("noise", "mean, noise"), ("other", "mean, other"), ("all", "mean, all")):
        cells = [f"*{label}*"]
        for model in models:
            cells += [num(s["summary"][model][key]["preprocessed"], 2) for _, s in stages]
            cells.append(num(raw_summary[model][key]["raw"], 2))
        rows.append(cells)
    lines = "; ".join(_stage_line(name, stage) for name, stage in stages)
    worst_se = 100 * (0.25 / doc["n"]) ** 0.5
    return (
        f"{table(headers, rows)}\n\nAccuracy in % on {num(doc['n'])} {doc['split']} digits per "
        f"corruption (seed {doc['seed']}); noise corruptions in bold; *raw* is the model on the "
        f"corrupted arrays without preprocessing (measured at stage `{stages[raw_index][0]}`). "
        f"Spread: the binomial standard error √(p(1−p)/n) is at most {worst_se:.2f} points per "
        f"cell; both stages score the same corrupted digits, so their difference is exact per "
        f"digit. Stages: {lines}."
    )


@from_bench("despeckle_sweep")
def render_despeckle_sweep(doc: Doc) -> str:
    """Validation accuracy and clean images changed for each despeckling setting."""
    names = list(doc["settings"][0]["accuracy"])
    headers = ["specks needed", "company below", *names, "clean train changed (MNIST / Fashion)"]
    rows = []
    for row in doc["settings"]:
        changed = row.get("clean_train_filtered")
        rows.append(
            [
                "off" if row["min_specks"] is None else num(row["min_specks"]),
                num(row["speck_company"], 1),
                *(num(row["accuracy"][name], 2) for name in names),
                "–" if changed is None else f"{changed['mnist']} / {changed['fashion-mnist']}",
            ]
        )
    counts = doc["clean_train_images"]
    return (
        f"{table(headers, rows)}\n\nAccuracy in % of {code(doc['model'])} on {num(doc['n'])} "
        f"validation digits (corruption seed {doc['corruption_seed']}); clean training images "
        f"changed out of {num(counts['mnist'])} MNIST and {num(counts['fashion-mnist'])} "
        "Fashion-MNIST."
    )


SEW_LATENCY_LIMIT = 2.0  # bench/bench_sew_resnet.py: at most twice the shipped latency


def sew_passes(doc: Doc) -> tuple[bool, list[str]]:
    """Whether a SEW run beats its shipped model at no more than twice its latency, and why
    not (derived from the figures, so a run's JSON needs no ruling of its own)."""
    run, (shipped, sew) = doc["run"], doc["models"]
    reasons = [
        reason
        for reason, holds in (
            ("the run is unfinished", run["epochs_done"] < run["epochs_planned"]),
            (
                "its test accuracy does not beat the shipped model's",
                float(sew["test_accuracy"]) <= float(shipped["test_accuracy"]),
            ),
            (
                f"it is more than {SEW_LATENCY_LIMIT:g}× as slow",
                doc["latency_ratio"] > SEW_LATENCY_LIMIT,
            ),
        )
        if holds
    ]
    return not reasons, reasons


def _sew_body(doc: Doc) -> str:
    """The SEW-ResNet run beside the shipped model: accuracy by epoch, latency, its half of
    the ruling."""
    run = doc["run"]
    history = ", ".join(num(100 * e["val_accuracy"], 2) for e in run["history"]) or "none yet"
    rows = [
        [
            code(model["name"]),
            model["architecture"],
            model["val_accuracy"],
            model["test_accuracy"],
            num(model["latency_ms_median"], 2),
            num(model["params"]),
        ]
        for model in doc["models"]
    ]
    headers = ["model", "network", "val %", "test %", "in-process ms / image (median)", "params"]
    parity = run["onnx_parity"]
    passes, reasons = sew_passes(doc)
    half = "passes the bar" if passes else "fails the bar: " + "; ".join(reasons)
    return (
        f"{table(headers, rows)}\n\nSEW run: {run['epochs_done']} of {run['epochs_planned']} "
        f"epochs, best epoch {run['best_epoch']} ({num(run['train_minutes'], 1)} min of wall "
        f"time on a shared 2-core machine); validation accuracy by epoch: {history} %. "
        f"{num(run['sops_per_inference'] / 1e6, 2)} M synaptic operations per inference "
        f"(shipped: {num(run['shipped_sops_per_inference'] / 1e6, 2)} M). ONNX parity on "
        f"{parity['n']} validation images: {num(100 * parity['prediction_agreement'], 1)} % of "
        f"the predictions agree, spike counts identical on "
        f"{num(100 * parity['samples_with_identical_spikes'], 1)} % of the images. Latency "
        f"ratio {doc['latency_ratio']:.3f}× (limit {SEW_LATENCY_LIMIT:g}×): {half}."
    )


render_sew_resnet = from_bench("sew_resnet")(_sew_body)
render_sew_resnet_fashion = from_bench("sew_resnet_fashion")(_sew_body)


def render_sew_ruling(src: Sources) -> str:
    """Whether the SEW networks replace the defaults: only if both datasets' runs pass."""
    docs = {"MNIST": src.bench("sew_resnet"), "Fashion-MNIST": src.bench("sew_resnet_fashion")}
    missing = [name for name, doc in docs.items() if doc is None]
    if missing:
        return f"No ruling yet: no {' or '.join(missing)} SEW run has been measured."
    verdicts = {name: sew_passes(doc)[0] for name, doc in docs.items() if doc is not None}
    if all(verdicts.values()):
        return "Both SEW runs pass the bar: the residual networks qualify as the defaults."
    failing = ", ".join(name for name, ok in verdicts.items() if not ok)
    return (
        f"**Not shipped as the defaults**: the {failing} run fails the bar (a default must "
        "beat the shipped model of its dataset at no more than twice its latency, on both)."
    )


BAR_WIDTH = 40


def _bar(value: float, low: float) -> str:
    """A bar from ``low`` % (empty) to 100 % (full width), in eighths of a character."""
    eighths = round(max(0.0, value - low) / (100 - low) * BAR_WIDTH * 8)
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


@from_bench("robustness")
def render_robustness_plot(doc: Doc) -> str:
    """Bars per corruption, each stage of the first model, through the upload preprocessing."""
    stages = _stages(doc)
    model = next(iter(stages[-1][1]["models"]))
    by_stage = [(name, {r["corruption"]: r for r in s["corruptions"]}) for name, s in stages]
    low = 40.0
    width = max(len(name) for name in by_stage[-1][1])
    lines = []
    for corruption in by_stage[-1][1]:
        for index, (stage, rows) in enumerate(by_stage):
            value = rows[corruption][model]["preprocessed"]
            label = corruption if index == 0 else ""
            lines.append(
                f"{label:<{width}}  {stage:<6} {_bar(value, low):<{BAR_WIDTH + 1}} {value:6.2f}"
            )
    return (
        f"```text\n{chr(10).join(lines)}\n```\n\n{code(model)}, accuracy in % of the "
        f"{doc['split']} digits; the bars start at {low:.0f} %."
    )
