"""What the fixed-point registers have to hold, layer by layer (``bench/bench_fixedpoint.py``).

The width sweeps (``fixedpoint.py``) say which widths keep the accuracy; this table says why
they can be so much narrower than the ranges the unbounded copy reaches: the largest current
and membrane per layer in thresholds, and how often the default registers clamp on the test
split. Rendered in STDP.md, beside the description of the register model.
"""

from __future__ import annotations

from reporting.fixedpoint import share
from reporting.markdown import MISSING, code, dataset, from_bench, num, table
from reporting.sources import Doc


def _thresholds(peak: float, threshold: float, bits: int) -> str:
    """``15.9 (18 bits)``: a peak in thresholds, with the signed bits its raw value needs."""
    if not threshold:
        return MISSING
    return f"{num(peak / threshold, 1)} ({bits} bits)"


def _rows(version: str, layers: list[Doc], model: Doc | None) -> list[list[str]]:
    shifts = model["shifts"] if model else []
    clamped = model["saturation"]["test"]["layers"] if model else {}
    rows = []
    for index, layer in enumerate(layers):
        name, threshold = layer["layer"], layer["threshold_q"]
        test = clamped.get(name)
        rows.append(
            [
                code(version) if index == 0 else "",
                name,
                num(threshold),
                str(layer["worst_case_current_bits"]),
                _thresholds(layer["current_peak"], threshold, layer["current_bits_to_hold"]),
                _thresholds(layer["membrane_peak"], threshold, layer["membrane_bits_to_hold"]),
                str(shifts[index]) if index < len(shifts) else MISSING,
                f"{share(test['current_fraction'])} / {share(test['membrane_fraction'])}"
                if test
                else MISSING,
            ]
        )
    return rows


@from_bench("fixedpoint")
def render_fixedpoint_ranges(doc: Doc) -> str:
    """Per layer of each model: the unbounded copy's largest current and membrane on the
    validation split, the shift and the clamped share of the default registers on test."""
    models = {model["model"]: model for model in doc.get("models", [])}
    rows: list[list[str]] = []
    for version, layers in doc["ranges"].items():
        rows += _rows(version, layers, models.get(version))
    widths = next(iter(models.values()))["bit_widths"] if models else None
    defaults = (
        f"current {widths['accumulator']}, membrane {widths['membrane']} bits"
        if widths
        else "the code's defaults"
    )
    datasets = ", ".join(dataset(model["dataset"]) for model in models.values())
    headers = [
        "model",
        "layer",
        "threshold (raw units)",
        "worst-case current (bits)",
        "largest current, in thresholds (bits)",
        "largest membrane, in thresholds (bits)",
        "shift k (default widths)",
        "clamped on test: current / membrane writes",
    ]
    return (
        table(headers, rows)
        + "\n\nLargest values: the unbounded copy (same 8-bit weights, no register limits) on "
        + "the validation split, in each layer's raw units before any shift; bits are signed. "
        + f"Shift and clamped shares: the copy with the default widths ({defaults}) as "
        + f"`spikeglyph export --fixed-point` writes it, on the test split ({datasets})."
    )
