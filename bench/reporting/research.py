"""Renderers of the research experiments in docs/RESEARCH.md: curriculum learning against
random order (``curriculum.json``) and error-driven growth against fixed-size networks
(``growth.json``). Every figure is a mean ± sd over the seeds the JSON lists."""

from __future__ import annotations

from typing import Any

from reporting.markdown import MISSING, dataset, from_bench, num, table
from reporting.sources import Doc

ARMS = {"off": "random order", "teacher": "curriculum (teacher margin)"}


def _pm(spread: dict[str, Any] | None, scale: float = 1.0, digits: int = 2) -> str:
    """``95.30 ± 0.20`` from ``{"mean", "sd"}`` (a dash when missing)."""
    if not spread or spread.get("mean") is None:
        return MISSING
    return f"{num(scale * spread['mean'], digits)} ± {num(scale * spread['sd'], digits)}"


@from_bench("curriculum")
def render_curriculum(doc: Doc) -> str:
    """Per dataset and arm: the target, samples seen until it, best validation and test
    accuracy (%), mean ± sd over seeds."""
    rows = []
    for name, result in doc["datasets"].items():
        for arm, summary in result["arms"].items():
            rows.append(
                [
                    dataset(name),
                    ARMS.get(arm, arm),
                    num(100 * result["target_val_accuracy"], 2),
                    summary["reached_target"],
                    _pm(summary["samples_to_target"], digits=0),
                    _pm(summary["best_val_accuracy"], 100),
                    _pm(summary["test_accuracy"], 100),
                ]
            )
    setup = doc["setup"]
    headers = [
        "dataset",
        "order",
        "target val (%)",
        "runs reaching it",
        "samples until target",
        "best val (%)",
        "test (%)",
    ]
    return (
        f"{table(headers, rows)}\n\n{setup['network']}, {setup['epochs']} epochs over the first "
        f"{num(setup['max_samples'])} training images, seeds {setup['seeds']}; validation "
        f"scored every {setup['every_batches']} batches; target = "
        f"{setup['target_fraction']} × the random order's mean best validation accuracy."
    )


GROWTH_ARMS = {
    "grown": "grown",
    "fixed": "fixed",
    "fixed_from_images": "fixed, weights from training images",
}


def _growth_rows(part: Doc, unit: str) -> list[list[object]]:
    rows = []
    for arm in (name for name in GROWTH_ARMS if name in part):
        summary = part[arm]
        rows.append(
            [
                GROWTH_ARMS[arm],
                unit,
                _pm(summary["neurons_final"], digits=1),
                _pm(summary.get("mean_neurons"), digits=1),
                _pm(summary["val_accuracy"], 100),
                _pm(summary["test_accuracy"], 100),
                summary.get("reached_target", MISSING),
                _pm(summary.get("samples_to_target"), digits=0),
            ]
        )
    return rows


@from_bench("growth")
def render_growth(doc: Doc) -> str:
    """STDP and fc networks, grown on errors against fixed networks of the grown one's final
    size: neurons, accuracy (%), and (STDP) images learnt until the target window accuracy."""
    stdp, fc, setup = doc["stdp"], doc["fc"], doc["setup"]
    headers = [
        "network",
        "family",
        "final neurons",
        "mean neurons while learning",
        "val (%)",
        "test (%)",
        "runs reaching target",
        "images until target",
    ]
    rows = _growth_rows(stdp, "STDP") + _growth_rows(fc, "surrogate fc")
    return (
        f"{table(headers, rows)}\n\n{dataset(setup['dataset'])}, seeds {setup['seeds']}. STDP: "
        f"{setup['stdp_start']} → at most {setup['stdp_max']} neurons, "
        f"{num(setup['stdp_images'])} training images in windows of {setup['window']}; target "
        f"= {setup['target_fraction']} × the fixed network's mean accuracy on its last window "
        f"= {num(100 * stdp['target_window_accuracy'], 2)} %. fc: two hidden layers of "
        f"{setup['fc_start']}, {setup['stages']} one-epoch stages over "
        f"{num(setup['max_samples'])} images, +{setup['fc_grow']} units between stages."
    )


@from_bench("curriculum_sweep")
def render_curriculum_sweep(doc: Doc) -> str:
    """Best validation accuracy (%) of each schedule per dataset, against random order; the
    chosen schedule in bold. Validation split only."""
    datasets = doc["setup"]["datasets"]
    random = {b["dataset"]: b["best_val_accuracy"] for b in doc["random_order"]}
    rows: list[list[object]] = [
        ["random order", "—", *(num(100 * random[d], 2) for d in datasets), MISSING]
    ]
    choice = doc["choice"]
    for point in doc["points"]:
        by = {r["dataset"]: r["best_val_accuracy"] for r in point["runs"]}
        name = f"c₀ = {point['start']}, {point['pacing']}"
        chosen = point["start"] == choice["start"] and point["pacing"] == choice["pacing"]
        rows.append(
            [
                f"**{name}**" if chosen else name,
                doc["setup"]["ramp"],
                *(num(100 * by[d], 2) for d in datasets),
                num(100 * point["mean_best_val_accuracy"], 2),
            ]
        )
    headers = ["schedule", "r", *(f"{dataset(d)} best val (%)" for d in datasets), "mean (%)"]
    return table(headers, rows)
