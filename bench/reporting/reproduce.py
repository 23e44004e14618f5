"""Renderer and target of the shipped models' re-runs (``bench/reproduce_models.py``).

Each ``docs/bench/reproduce_<model>.json`` re-trains one shipped model from the recipe its
manifest records and sets the re-run against the recorded figures. A run given ``--epochs``
or ``--max-samples`` is a quick check of the script, not a reproduction: the table says so
and the target does not count it as one.
"""

from __future__ import annotations

from reporting.markdown import (
    LAYOUT_ERRORS,
    MISSING,
    code,
    generic,
    not_measured,
    num,
    pct,
    provenance,
    table,
)
from reporting.sources import Doc, Sources
from reporting.verdict import Verdict

PREFIX = "reproduce_"
# The target's bound: a re-run's test accuracy within this many points of the recorded one.
TOLERANCE_POINTS = 0.15


def collect(src: Sources) -> Doc | None:
    """Every committed re-run by file name, and the shipped models; None before any run."""
    names = src.bench_names(PREFIX)
    if not names:
        return None
    return {"runs": {name: src.bench(name) for name in names}, "shipped": src.recipe_model_names()}


def _model_cell(run: Doc) -> str:
    cell = code(f"models/{run['model']}")
    if run["reproduction"]:
        return cell
    overrides = ", ".join(f"{key} {value}" for key, value in run["overrides"].items())
    return f"{cell}: *not a reproduction* ({overrides})"


def _epoch_spread(recorded: Doc, rerun: Doc) -> str:
    """The largest validation difference at any epoch, in points (surrogate models only)."""
    pairs = list(zip(recorded["val_by_epoch"], rerun["val_by_epoch"], strict=False))
    if not pairs:
        return MISSING
    largest = max(abs(after - before) for before, after in pairs)
    return f"{num(100 * largest, 2)} over {len(pairs)} epochs"


def _libraries(recorded: Doc, rerun: Doc) -> str:
    before, after = recorded["libraries"] or {}, rerun["libraries"] or {}
    changed = [
        f"{name} {before.get(name, MISSING)} → {after.get(name, MISSING)}"
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]
    return ", ".join(changed) if changed else "same"


def _best_epochs(recorded: int | None, rerun: int | None) -> str:
    """``17 → 17``; a dash for a model that keeps no best epoch (STDP learns in one pass)."""
    if recorded is None and rerun is None:
        return MISSING
    return f"{recorded or MISSING} → {rerun or MISSING}"


def _duration(seconds: float) -> str:
    return f"{num(seconds / 60, 1)} min" if seconds >= 60 else f"{num(seconds)} s"


def _row(run: Doc) -> list[str]:
    recorded, rerun, delta = run["recorded"], run["rerun"], run["delta_points"]
    training = rerun.get("train_seconds")
    loop = f" (training loop {_duration(training)})" if training is not None else ""
    return [
        _model_cell(run),
        f"{pct(recorded['test_accuracy'])} → **{pct(rerun['test_accuracy'])}**",
        f"{num(delta.get('val'), 2)} / **{num(delta.get('test'), 2)}**",
        _best_epochs(recorded["best_epoch"], rerun["best_epoch"]),
        _epoch_spread(recorded, rerun),
        "yes" if run["weights_identical"] else "no",
        f"{run['device']}, {run['torch_threads']} thread(s)",
        _libraries(recorded, rerun),
        f"{_duration(run['wall_seconds'])}{loop}",
    ]


HEADERS = [
    "model",
    "recorded test → re-run test",
    "Δ val / Δ test (points)",
    "best epoch",
    "largest Δ val at an epoch (points)",
    "weights identical",
    "device",
    "library versions",
    "wall time",
]


def render_reproduce(src: Sources) -> str:
    """One row per re-run shipped model; a JSON whose layout moved is shown generically."""
    runs = collect(src)
    if runs is None:
        return not_measured(f"{PREFIX}<model>")
    rows, unrecognised, sources = [], [], []
    for name, run in runs["runs"].items():
        try:
            rows.append(_row(run))
        except LAYOUT_ERRORS as exc:
            src.fallbacks.append(f"docs/bench/{name}.json: {exc!r}")
            unrecognised.append(f"**{code(name)}**\n\n{generic(run)}")
        sources.append(provenance(run, name))
    parts = [table(HEADERS, rows)] if rows else []
    return "\n\n".join([*parts, *unrecognised, *sources])


def judge_reproductions(doc: Doc) -> Verdict:
    """Met when every re-run is a reproduction whose test accuracy is within the tolerance."""
    runs = list(doc["runs"].values())
    figure = "; ".join(
        f"{run['model']} {num(run['delta_points']['test'], 2)} points on test, weights "
        f"{'identical' if run['weights_identical'] else 'differ'}"
        + ("" if run["reproduction"] else " (not a reproduction)")
        for run in runs
    )
    met = all(
        run["reproduction"] is True and abs(run["delta_points"]["test"]) <= TOLERANCE_POINTS
        for run in runs
    )
    missing = sorted(set(doc["shipped"]) - {run["model"] for run in runs})
    return Verdict(figure, met, f"not re-run: {', '.join(missing)}" if missing else "")
