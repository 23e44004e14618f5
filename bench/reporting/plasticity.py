"""Renderers of the plasticity benches' choices: the prune sweep and the fine-tune gate's cases.

``prune_sweep.json`` (``bench/bench_plasticity.py sweep``) is the validation-only sweep that
chose the neurogenesis job's prune default; ``finetune.json`` holds, beside the promoted run
the ``finetune`` region shows, the cases the gate must refuse (``must_refuse``).
"""

from __future__ import annotations

from reporting.markdown import code, from_bench, num, pct, table
from reporting.sources import Doc


def _sweep_rows(doc: Doc) -> list[list[object]]:
    models = list(doc["models"])
    chosen = doc["choice"]["prune_fraction"]
    rows: list[list[object]] = []
    for index, fraction in enumerate(doc["grid"]):
        cells: list[object] = [f"**{fraction}**" if fraction == chosen else fraction]
        for model in models:
            point = doc["models"][model]["points"][index]
            assert point["prune_fraction"] == fraction
            cells += [num(-point["val_drop_points"], 2), pct(point["sops_reduction"], 1)]
        rows.append(cells)
    return rows


@from_bench("prune_sweep")
def render_prune_sweep(doc: Doc) -> str:
    """One neurogenesis job per prune fraction, every other parameter at its default, scored
    on the validation split only; the chosen default in bold."""
    headers = ["prune fraction"]
    for model in doc["models"]:
        headers += [f"{code(model)} Δ val (points)", f"{code(model)} fewer SOPs"]
    choice = doc["choice"]
    met = "meets" if choice["meets_target_on_val"] else "**does not meet**"
    return (
        f"{table(headers, _sweep_rows(doc))}\n\n{doc['rule']}\n\n"
        f"Chosen: **{choice['prune_fraction']}** (qualifying: "
        f"{', '.join(str(f) for f in choice['qualifying']) or 'none'}); worst validation drop "
        f"{num(choice['worst_val_drop_points'], 2)} points, mean "
        f"{pct(choice['mean_val_sops_reduction'], 1)} fewer SOPs, which {met} the "
        f"{pct(doc['sop_target'], 0)} target on validation. The job's default when the sweep "
        f"ran: {choice['job_default_when_run']}."
    )


def _gate_row(name: str, case: Doc) -> list[object]:
    gate = case["gate"]
    decision = "**promoted**" if case["promoted"] else "**refused**"
    return [
        name,
        decision,
        gate["reason"],
        num(gate["val_drop_points"], 2),
        num(gate["feedback_gain_points"], 1),
        num(gate["tolerance_points"], 2),
    ]


@from_bench("finetune")
def render_gate_cases(doc: Doc) -> str:
    """Every case the fine-tune job ran, with what its gate decided and why."""
    rows = [_gate_row("true corrections, defaults", doc)]
    rows += [_gate_row(name.replace("_", " "), case) for name, case in doc["must_refuse"].items()]
    headers = [
        "case",
        "gate",
        "reason",
        "validation drop (points)",
        "held-out feedback gain (points)",
        "tolerance",
    ]
    verdict = "yes" if doc["refused_all_that_must_be"] else "**no**"
    return f"{table(headers, rows)}\n\nEvery case that must be refused was: {verdict}."
