"""Fixed-point copies (8-bit weights, saturating integer registers) against their float parents.

For each model (default: both shipped ones), on the parent's validation split:

1. the unbounded copy's register ranges: per layer, the largest |current| and |membrane| and
   the signed bits that would hold them, next to the worst-case current bound and threshold;
2. a membrane-width sweep (accumulator unbounded), then an accumulator-width sweep with the
   membrane width the rule chose (it sets the units currents count in): accuracy against the
   unbounded copy and the fraction of register writes clamped. The rule
   (``spikeglyph.train.fixedpoint.sweep.choose_width``): the smallest width from which on every
   wider one is within 0.1 point of the unbounded copy on every model. The JSON says whether
   the code's defaults are what the rule chose.

Then the copy with the code's default widths, written as ``spikeglyph export --fixed-point``
writes it: float and fixed-point accuracy on the validation split (which also picked the
parent's epoch and the widths: biased) and on the test split (used for nothing else: the
figure to report), the delta in points, the saturation rates on both splits, and the unbounded
copy's test accuracy (what bounding the registers costs, apart from 8-bit quantisation).

    nice -n 10 python bench/bench_fixedpoint.py [--models models/mnist models/fashion-mnist]
        [--max-val N] [--max-test N] [--out docs/bench/fixedpoint.json]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import REPO, add_out_argument, data_dir, emit

from spikeglyph.train.fixedpoint import UNBOUNDED, BitWidths, build_fixed_point, make_fixed_point
from spikeglyph.train.fixedpoint.make import parent_split
from spikeglyph.train.fixedpoint.sweep import TOLERANCE, choose_width, score_widths, sweep_width
from spikeglyph.train.modelio import load_model

log = logging.getLogger("bench_fixedpoint")

ACCUMULATOR_CANDIDATES = tuple(range(6, 21))
MEMBRANE_CANDIDATES = tuple(range(6, 17))


class Subject:
    """One float model and its validation images."""

    def __init__(self, model_dir: Path, max_val: int | None) -> None:
        self.model_dir = model_dir
        self.net, self.manifest = load_model(model_dir)
        self.val: tuple[np.ndarray, np.ndarray] = parent_split(
            data_dir(), self.manifest, "val", max_val
        )
        self.unbounded = score_widths(self.net, UNBOUNDED, *self.val)


def register_ranges(subject: Subject) -> list[dict[str, Any]]:
    """Per layer: what the unbounded copy held on validation, and the static bounds."""
    fixed = build_fixed_point(subject.net, UNBOUNDED)
    seen = subject.unbounded["saturation"]["layers"]
    return [
        {
            "layer": scale.name,
            "threshold_q": lif.threshold_q,
            "worst_case_current": scale.max_partial_sum,
            "worst_case_current_bits": scale.max_partial_sum.bit_length() + 1,
            "current_peak": seen[scale.name]["current_peak"],
            "current_bits_to_hold": seen[scale.name]["current_bits_to_hold"],
            "membrane_peak": seen[scale.name]["membrane_peak"],
            "membrane_bits_to_hold": seen[scale.name]["membrane_bits_to_hold"],
        }
        for scale, lif in zip(fixed.scales, fixed.lifs, strict=True)
    ]


def sweep_all(
    subjects: list[Subject], register: str, candidates: tuple[int, ...], other: int | None
) -> tuple[dict[str, Any], int | None]:
    """One sweep per model and the width the rule picks over all of them."""
    sweeps = {}
    for subject in subjects:
        started = time.perf_counter()
        sweeps[subject.manifest.version] = sweep_width(
            subject.net,
            *subject.val,
            register,  # type: ignore[arg-type]
            candidates,
            other,
            reference=subject.unbounded,
        )
        log.info(
            "%s sweep of %s: %.0f s",
            register,
            subject.manifest.version,
            time.perf_counter() - started,
        )
    return sweeps, choose_width(list(sweeps.values()))


def final_copy(subject: Subject, max_val: int | None, max_test: int | None) -> dict[str, Any]:
    """The copy with the default widths, scored on validation and test as the CLI writes it."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = make_fixed_point(
            subject.model_dir,
            Path(tmp) / "fixed",
            data_dir=data_dir(),
            max_val=max_val,
            max_test=max_test,
        )
    metrics, summary = manifest.metrics, manifest.variants["fixed_point"]
    test_x, test_y = parent_split(data_dir(), subject.manifest, "test", max_test)
    unbounded = score_widths(subject.net, UNBOUNDED, test_x, test_y)["accuracy"]
    return {
        "model": subject.manifest.version,
        "dataset": subject.manifest.dataset,
        "bit_widths": summary["bit_widths"],
        "shifts": [layer["shift"] for layer in summary["layers"]],
        "test_n": metrics["test_n"],
        "float_test_accuracy": metrics["parent_test_accuracy"],
        "fixed_test_accuracy": metrics["test_accuracy"],
        "test_delta_points": round(100 * metrics["test_accuracy_delta"], 3),
        "unbounded_test_accuracy": unbounded,
        "saturation_cost_test_points": round(100 * (metrics["test_accuracy"] - unbounded), 3),
        "val_n": metrics["val_n"],
        "float_val_accuracy": metrics["parent_val_accuracy"],
        "fixed_val_accuracy": metrics["val_accuracy"],
        "val_delta_points": round(100 * metrics["val_accuracy_delta"], 3),
        "saturation": summary["saturation"],
        "onnx_parity": metrics["onnx_parity"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--models",
        type=Path,
        nargs="+",
        default=[REPO / "models" / "mnist", REPO / "models" / "fashion-mnist"],
    )
    parser.add_argument("--max-val", type=int, default=None, help="validation images used")
    parser.add_argument("--max-test", type=int, default=None, help="test images used")
    parser.add_argument("--threads", type=int, default=1)
    add_out_argument(parser, "fixedpoint")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    subjects = [Subject(path, args.max_val) for path in args.models]
    membrane_sweeps, membrane = sweep_all(subjects, "membrane", MEMBRANE_CANDIDATES, None)
    accumulator_sweeps, accumulator = sweep_all(
        subjects, "accumulator", ACCUMULATOR_CANDIDATES, membrane
    )
    chosen, defaults = BitWidths(accumulator, membrane), BitWidths()
    if chosen != defaults:
        log.warning("the rule chose %s but the code's defaults are %s", chosen, defaults)
    emit(
        "fixedpoint",
        {
            "selection": {
                "split": "val",
                "tolerance_points": 100 * TOLERANCE,
                "rule_choice": chosen._asdict(),
                "defaults": defaults._asdict(),
                "defaults_match_rule": chosen == defaults,
            },
            "ranges": {s.manifest.version: register_ranges(s) for s in subjects},
            "membrane_sweep": membrane_sweeps,
            "accumulator_sweep": accumulator_sweeps,
            "models": [final_copy(s, args.max_val, args.max_test) for s in subjects],
            "seconds": round(time.perf_counter() - started, 1),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
