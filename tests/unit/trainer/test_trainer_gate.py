"""The finetune promotion gate: a model that forgets or learns nothing is never activated."""

from __future__ import annotations

import pytest

from spikeglyph_trainer.jobs.gate import GateInputs, decide_promotion


def _inputs(**overrides: float) -> GateInputs:
    values = {
        "base_val": 0.98,
        "new_val": 0.979,
        "base_feedback": 0.25,
        "new_feedback": 0.75,
        "tolerance_points": 0.2,
    }
    values.update(overrides)
    return GateInputs(**values)


def test_promotes_when_feedback_improves_and_val_stays_within_tolerance() -> None:
    decision = decide_promotion(_inputs())
    assert decision.promote
    assert decision.feedback_gain_points == pytest.approx(50.0)
    assert decision.val_drop_points == pytest.approx(0.1)


def test_refuses_a_model_that_forgets_more_than_the_tolerance() -> None:
    decision = decide_promotion(_inputs(new_val=0.975))
    assert not decision.promote
    assert "validation accuracy fell 0.50 points" in decision.reason


def test_refuses_a_model_whose_feedback_accuracy_did_not_rise() -> None:
    decision = decide_promotion(_inputs(new_feedback=0.25))
    assert not decision.promote
    assert "feedback accuracy did not improve" in decision.reason


def test_a_drop_exactly_at_the_tolerance_is_accepted() -> None:
    assert decide_promotion(_inputs(base_val=0.5, new_val=0.498)).promote


def test_zero_tolerance_refuses_any_validation_loss_and_names_both_problems() -> None:
    decision = decide_promotion(_inputs(new_val=0.97, new_feedback=0.1, tolerance_points=0.0))
    assert not decision.promote
    assert "validation" in decision.reason and "feedback" in decision.reason


def test_a_better_model_on_both_sets_is_promoted_with_zero_tolerance() -> None:
    assert decide_promotion(_inputs(new_val=0.99, tolerance_points=0.0)).promote
