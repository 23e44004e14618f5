"""Renderer and target of the fixed-point copies (``bench/bench_fixedpoint.py``).

The figure to read is the **test** delta: the validation split chose the parents' epochs and
the register widths, so its delta flatters the copy and is shown only beside it, labelled
biased. The two width sweeps are on the validation split, where the widths were chosen; the
row of the width the rule chose is in bold.
"""

from __future__ import annotations

from reporting.markdown import MISSING, code, dataset, from_bench, num, pct, table
from reporting.sources import Doc
from reporting.verdict import Verdict

# The target's bound: the copy loses at most this many points of test accuracy.
MAX_LOSS_POINTS = 0.3
# Test images of both shipped datasets; a run with --max-test says it used fewer.
TEST_IMAGES = 10_000
# How the documents name the registers the bench sweeps; also the saturation keys' prefix.
REGISTERS = {"accumulator": "current", "membrane": "membrane"}
SPLITS = {"val": "validation", "test": "test"}


def _model_cell(model: Doc) -> str:
    return f"{dataset(model['dataset'])} ({code(model['model'])})"


def _widths(bits: Doc) -> str:
    return f"{bits['accumulator']} / {bits['membrane']} ({bits['weight']}, {bits['input']})"


def _parity(parity: Doc) -> str:
    if not parity.get("identical_spike_counts"):
        return f"**spikes differ**, {pct(parity.get('prediction_agreement'), 1)} predictions agree"
    exact = "spikes and membranes" if parity.get("identical_membranes") else "spikes"
    return f"identical {exact} (n = {num(parity.get('n'))})"


def _model_row(model: Doc) -> list[str]:
    test = model["saturation"]["test"]
    return [
        _model_cell(model),
        num(model["test_n"]),
        pct(model["float_test_accuracy"]),
        pct(model["fixed_test_accuracy"]),
        f"**{points(model['test_delta_points'])}**",
        points(model["val_delta_points"]),
        _widths(model["bit_widths"]),
        f"{share(test['current_fraction'])} / {share(test['membrane_fraction'])}",
        f"{points(model['saturation_cost_test_points'])} "
        f"(unbounded {pct(model['unbounded_test_accuracy'])})",
        _parity(model["onnx_parity"]),
    ]


def _chosen(bits: int | None) -> str:
    return "no width swept (even the widest lost more)" if bits is None else f"{bits} bits"


def _selection(selection: Doc) -> str:
    """How the widths were chosen, and whether the code's defaults are what the rule chose."""
    rule, defaults, split = selection["rule_choice"], selection["defaults"], selection["split"]
    text = (
        f"Widths chosen on the {SPLITS.get(split, split)} split: for each register the smallest "
        f"width from which on every wider one each model stays within "
        f"{num(selection['tolerance_points'], 1)} point of its unbounded copy — membrane: "
        f"{_chosen(rule['membrane'])} (current register unbounded), then current: "
        f"{_chosen(rule['accumulator'])} with that membrane."
    )
    if selection["defaults_match_rule"]:
        return f"{text} The code's defaults are the rule's choice."
    return (
        f"{text} **The code's defaults (current {defaults['accumulator']}, membrane "
        f"{defaults['membrane']}) are not the rule's choice**; the copies above use the defaults."
    )


def points(value: float | None) -> str:
    """A change in points with its sign: ``+0.14``, ``-0.05``."""
    return MISSING if value is None else f"{value:+.2f}"


def share(fraction: float) -> str:
    """A fraction of register writes: ``none``, ``< 0.1 %`` or ``3.7 %``."""
    if fraction == 0:
        return "none"
    return "< 0.1 %" if fraction < 0.0005 else pct(fraction, 1)


def _clamped(saturation: Doc, key: str) -> str:
    """All layers' clamped share and the worst layer's, for the register ``key`` names."""
    if not saturation[key]:
        return "none"
    layer, rates = max(saturation["layers"].items(), key=lambda item: item[1][key])
    return f"{share(saturation[key])} ({layer} {share(rates[key])})"


def _sweep_rows(doc: Doc, register: str) -> list[tuple[int, list[str]]]:
    """(bits, cells of every model) for each width any model was swept at."""
    key = f"{REGISTERS[register]}_fraction"
    by_bits = [
        {row["bits"]: row for row in sweep["rows"]} for sweep in doc[f"{register}_sweep"].values()
    ]
    rows = []
    for bits in sorted({bits for rows_of in by_bits for bits in rows_of}):
        cells: list[str] = []
        for rows_of in by_bits:
            row = rows_of.get(bits)
            cells += (
                [MISSING, MISSING]
                if row is None
                else [
                    f"{pct(row['accuracy'])} ({points(row.get('delta_points'))})",
                    _clamped(row["saturation"], key),
                ]
            )
        rows.append((bits, cells))
    return rows


def _sweep_table(doc: Doc, register: str) -> str:
    """Validation accuracy and the swept register's clamped writes, width by width; widths
    that changed nothing are one row, and the width the rule chose is in bold."""
    sweeps: dict[str, Doc] = doc[f"{register}_sweep"]
    chosen = doc["selection"]["rule_choice"][register]
    names = {model["model"]: dataset(model["dataset"]) for model in doc["models"]}
    headers = [f"{REGISTERS[register]} bits"]
    for version in sweeps:
        label = names.get(version, version)
        headers += [f"{label}: accuracy (Δ points)", f"{label}: clamped (worst layer)"]
    groups: list[tuple[int, int, list[str]]] = []
    for bits, cells in _sweep_rows(doc, register):
        if groups and cells == groups[-1][2] and chosen not in (bits, groups[-1][0]):
            groups[-1] = (groups[-1][0], bits, cells)
        else:
            groups.append((bits, bits, cells))
    rows = [
        [
            "unbounded",
            *(c for s in sweeps.values() for c in (pct(s["unbounded"]["accuracy"]), "none")),
        ]
    ]
    for first, last, cells in groups:
        label = f"**{first}**" if first == chosen else str(first)
        rows.append([label if first == last else f"{first}–{last}", *cells])
    return table(headers, rows)


def _sweep_caption(doc: Doc, register: str) -> str:
    sweeps = list(doc[f"{register}_sweep"].values())
    images = " and ".join(sorted({num(sweep["n"]) for sweep in sweeps}))
    others = {sweep["other_bits"] for sweep in sweeps}
    other = "unbounded" if others == {None} else "/".join(str(bits) for bits in sorted(others))
    held = "current register" if register == "membrane" else "membrane"
    return (
        f"**{REGISTERS[register].capitalize()} register width** ({held} {other}; validation, "
        f"{images} images per model; Δ against the unbounded copy; clamped: the fraction of "
        f"{REGISTERS[register]}-register writes clamped, in all layers and in the worst one):"
    )


@from_bench("fixedpoint")
def render_fixedpoint(doc: Doc) -> str:
    """Each shipped model's fixed-point copy on test, then the width sweeps on validation."""
    headers = [
        "model",
        "test images",
        "float, test",
        "fixed point, test",
        "**Δ test (points)**",
        "Δ validation (points; biased)",
        "bits: current / membrane (weights, inputs)",
        "clamped on test: current / membrane writes",
        "cost of bounding, test (points)",
        "ONNX Runtime against torch",
    ]
    parts = [
        table(headers, (_model_row(model) for model in doc["models"])),
        _selection(doc["selection"]),
        *(
            f"{_sweep_caption(doc, register)}\n\n{_sweep_table(doc, register)}"
            for register in ("membrane", "accumulator")
        ),
    ]
    return "\n\n".join(parts)


def judge_fixedpoint(doc: Doc) -> Verdict:
    """Met when every model's copy loses at most the bound on the test split."""
    models = doc["models"]
    if not models:
        return Verdict(MISSING, None, "no model in this run")
    figure = ", ".join(
        f"{dataset(model['dataset'])} {points(model['test_delta_points'])}" for model in models
    )
    met = all(model["test_delta_points"] >= -MAX_LOSS_POINTS for model in models)
    notes = [
        f"{dataset(model['dataset'])} on {num(model['test_n'])} test images instead of "
        f"{num(TEST_IMAGES)}"
        for model in models
        if model["test_n"] != TEST_IMAGES
    ]
    if not doc["selection"]["defaults_match_rule"]:
        notes.append("the code's default widths are not the rule's choice")
    return Verdict(f"{figure} points on test", met, "; ".join(notes))
