"""Choosing register widths on validation data: sweep one width, keep the smallest that costs
(almost) nothing.

A sweep narrows one register (the accumulator or the membrane) with the other held, and scores
each width against the unbounded copy (:data:`~spikeglyph.train.fixedpoint.convert.UNBOUNDED`)
on the same validation images. :func:`choose_width` then takes, over several models, the
smallest width from which on every wider candidate stays within ``tolerance`` of the unbounded
accuracy for every model: one lucky narrow width between failing ones is not chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from spikeglyph.errors import InvalidModel
from spikeglyph.train.fixedpoint.convert import UNBOUNDED, BitWidths
from spikeglyph.train.fixedpoint.evaluate import accuracy, fixed_predictions
from spikeglyph.train.fixedpoint.network import build_fixed_point
from spikeglyph.train.fixedpoint.tally import SaturationTally
from spikeglyph.train.network import SpikingNet

TOLERANCE = 0.001  # 0.1 point of accuracy
Register = Literal["accumulator", "membrane"]


def score_widths(
    net: SpikingNet, widths: BitWidths, images: np.ndarray, labels: np.ndarray
) -> dict[str, Any]:
    """Accuracy and saturation of one width setting; ``refused`` when a layer cannot work."""
    try:
        fixed = build_fixed_point(net, widths)
    except InvalidModel as exc:
        return {"accuracy": None, "refused": exc.message}
    tally = SaturationTally()
    predicted = fixed_predictions(fixed, images, tally)
    return {"accuracy": accuracy(predicted, labels), "saturation": tally.summary()}


def sweep_width(
    net: SpikingNet,
    images: np.ndarray,
    labels: np.ndarray,
    register: Register,
    candidates: Sequence[int],
    other: int | None,
    reference: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score every candidate width of ``register`` with the other register at ``other`` bits
    (``None``: unbounded), against the fully unbounded copy on the same images (``reference``:
    its :func:`score_widths`, when already computed)."""
    if reference is None:
        reference = score_widths(net, UNBOUNDED, images, labels)
    rows = []
    for bits in candidates:
        widths = BitWidths(bits, other) if register == "accumulator" else BitWidths(other, bits)
        row = score_widths(net, widths, images, labels)
        if row["accuracy"] is not None:
            row["delta_points"] = round(100 * (row["accuracy"] - reference["accuracy"]), 3)
        rows.append({"bits": bits, **row})
    return {
        "register": register,
        "other_bits": other,
        "n": len(labels),
        "unbounded": reference,
        "rows": rows,
    }


def _within(row: dict[str, Any], reference: float, tolerance: float) -> bool:
    # accuracies are multiples of 1/n: a tiny slack keeps an exact tie from failing on rounding
    return row["accuracy"] is not None and row["accuracy"] >= reference - tolerance - 1e-9


def choose_width(sweeps: Sequence[dict[str, Any]], tolerance: float = TOLERANCE) -> int | None:
    """The smallest width from which on every candidate of every sweep (one per model, same
    candidates) is within ``tolerance`` of that model's unbounded accuracy; ``None`` if even
    the widest is not."""
    ok_by_bits: dict[int, bool] = {}
    for sweep in sweeps:
        reference = sweep["unbounded"]["accuracy"]
        for row in sweep["rows"]:
            passed = _within(row, reference, tolerance)
            ok_by_bits[row["bits"]] = ok_by_bits.get(row["bits"], True) and passed
    chosen = None
    for bits in sorted(ok_by_bits, reverse=True):
        if not ok_by_bits[bits]:
            break
        chosen = bits
    return chosen
