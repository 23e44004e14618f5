"""Choosing register widths: the rule, and the sweep it reads."""

from __future__ import annotations

from typing import Any

import numpy as np

from spikeglyph.train.fixedpoint.sweep import choose_width, sweep_width
from tests.unit.fixedpoint.conftest import conv_net


def sweep(reference: float, accuracies: dict[int, float | None]) -> dict[str, Any]:
    return {
        "unbounded": {"accuracy": reference},
        "rows": [{"bits": bits, "accuracy": acc} for bits, acc in accuracies.items()],
    }


def test_smallest_width_within_a_tenth_of_a_point_for_every_model() -> None:
    first = sweep(0.9900, {8: 0.9700, 10: 0.9891, 12: 0.9900, 14: 0.9902})
    second = sweep(0.9300, {8: 0.9300, 10: 0.9280, 12: 0.9295, 14: 0.9300})
    # 10 bits is 0.09 point short on the first model but 0.2 on the second: 12 it is
    assert choose_width([first, second]) == 12
    assert choose_width([first]) == 10
    assert choose_width([first], tolerance=0.0) == 12  # an exact tie still passes


def test_a_lucky_narrow_width_between_failing_ones_is_not_chosen() -> None:
    noisy = sweep(0.9900, {6: 0.9910, 8: 0.9800, 10: 0.9900, 12: 0.9900})
    assert choose_width([noisy]) == 10
    refused = sweep(0.9900, {6: None, 8: 0.9900})  # a width that cannot work fails
    assert choose_width([refused]) == 8
    assert choose_width([sweep(0.9900, {8: 0.9000, 10: 0.9000})]) is None


def test_sweep_scores_every_width_against_the_unbounded_copy() -> None:
    net = conv_net("direct", "current", adaptive=False)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(16, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=16, dtype=np.uint8)
    result = sweep_width(net, images, labels, "membrane", [2, 12, 30], None)
    assert result["register"] == "membrane" and result["n"] == 16
    narrow, middle, wide = result["rows"]
    assert narrow["accuracy"] is None and "use wider membranes" in narrow["refused"]
    assert 0.0 <= middle["saturation"]["membrane_fraction"] <= 1.0
    assert wide["accuracy"] == result["unbounded"]["accuracy"] and wide["delta_points"] == 0.0
    assert wide["saturation"]["membrane_fraction"] == 0.0  # 30 bits hold anything here
