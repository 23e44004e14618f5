"""The pure parts of bench/bench_plasticity.py: job parameters, the selection rule, the stream.

The bench must measure the jobs as users run them: its parameters are the job schemas'
defaults, changed only where a mode varies one (and then it says so). The jobs themselves run
in the bench, never here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _jobpath import submitted_params
from bench_plasticity import FINETUNE_CASES, choose, shifted, sweep_submission

from spikeglyph.schemas import FinetuneParams, NeurogenesisParams


def test_a_submission_that_sets_nothing_carries_every_job_default() -> None:
    assert submitted_params(NeurogenesisParams) == NeurogenesisParams().model_dump(mode="json")
    assert submitted_params(FinetuneParams) == FinetuneParams().model_dump(mode="json")


def test_the_sweep_changes_only_the_prune_fraction() -> None:
    defaults = NeurogenesisParams().model_dump(mode="json")
    submitted = sweep_submission(0.45)
    changed = {key for key in defaults if submitted[key] != defaults[key]}
    assert changed == {"prune_fraction"}
    assert submitted["prune_fraction"] == 0.45


def test_only_the_zero_tolerance_case_overrides_a_finetune_parameter() -> None:
    overrides = {name: given for name, _, given in FINETUNE_CASES}
    assert overrides == {
        "corrections": {},
        "mislabelled": {},
        "zero_tolerance": {"tolerance_points": 0.0},
    }
    for given in overrides.values():  # every override is a real job parameter
        FinetuneParams.model_validate(given)


def _point(fraction: float, drop: float, saving: float) -> dict[str, Any]:
    return {"prune_fraction": fraction, "val_drop_points": drop, "sops_reduction": saving}


def test_the_rule_takes_the_largest_saving_within_the_accuracy_bound() -> None:
    points = {"mnist": [_point(0.1, 0.02, 0.15), _point(0.3, 0.25, 0.40), _point(0.5, 0.6, 0.55)]}
    choice = choose(points, max_drop=0.3)
    assert choice["prune_fraction"] == 0.3
    assert choice["qualifying"] == [0.1, 0.3]
    assert choice["meets_target_on_val"] is True


def test_every_swept_model_must_stay_within_the_bound() -> None:
    points = {
        "mnist": [_point(0.2, 0.1, 0.3), _point(0.4, 0.2, 0.5)],
        "fashion-mnist": [_point(0.2, 0.2, 0.25), _point(0.4, 0.9, 0.45)],
    }
    choice = choose(points, max_drop=0.3)
    assert choice["prune_fraction"] == 0.2
    assert choice["worst_val_drop_points"] == pytest.approx(0.2)
    assert choice["mean_val_sops_reduction"] == pytest.approx(0.275)
    assert choice["meets_target_on_val"] is False  # within the bound, but under 30 % fewer SOPs


def test_when_nothing_qualifies_the_smallest_worst_drop_is_chosen_and_reported() -> None:
    points = {"mnist": [_point(0.1, 0.5, 0.2), _point(0.2, 0.4, 0.35), _point(0.3, 0.8, 0.5)]}
    choice = choose(points, max_drop=0.3)
    assert choice["prune_fraction"] == 0.2
    assert choice["qualifying"] == []
    assert choice["meets_target_on_val"] is False


def test_shifted_digits_are_thicker_moved_and_reproducible() -> None:
    images = np.zeros((8, 28, 28), dtype=np.uint8)
    images[:, 12:16, 13:15] = 200  # a short vertical stroke in the middle
    out = shifted(images, seed=3)
    assert out.shape == images.shape and out.dtype == np.uint8
    assert ((out > 0).sum(axis=(1, 2)) > (images > 0).sum(axis=(1, 2))).all()
    assert out.max() == 200  # dilation keeps intensities, it does not add ink
    centres = [np.argwhere(img > 0).mean(axis=0) for img in out]
    assert any(not np.allclose(c, centres[0]) for c in centres)  # placed off centre, per image
    np.testing.assert_array_equal(out, shifted(images, seed=3))
