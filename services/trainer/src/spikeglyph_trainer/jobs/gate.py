"""The promotion gate of online retraining.

A finetuned model replaces the active one only if it learned from the feedback without
forgetting: accuracy on the held-out feedback must rise, and validation accuracy may fall by at
most ``tolerance_points`` percentage points. Anything else stays a candidate, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GateInputs:
    """Accuracies (0..1) of the base and the finetuned model on both evaluation sets."""

    base_val: float
    new_val: float
    base_feedback: float
    new_feedback: float
    tolerance_points: float


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str
    val_drop_points: float
    feedback_gain_points: float


def decide_promotion(inputs: GateInputs) -> GateDecision:
    """Promote only if val drop ≤ tolerance (in points) and feedback accuracy improved."""
    val_drop = round((inputs.base_val - inputs.new_val) * 100, 6)
    feedback_gain = round((inputs.new_feedback - inputs.base_feedback) * 100, 6)
    problems: list[str] = []
    if val_drop > inputs.tolerance_points:
        problems.append(
            f"validation accuracy fell {val_drop:.2f} points "
            f"(tolerance {inputs.tolerance_points:.2f})"
        )
    if feedback_gain <= 0:
        problems.append(
            f"held-out feedback accuracy did not improve "
            f"({inputs.base_feedback:.1%} → {inputs.new_feedback:.1%})"
        )
    if problems:
        return GateDecision(False, "; ".join(problems), val_drop, feedback_gain)
    reason = (
        f"feedback accuracy {inputs.base_feedback:.1%} → {inputs.new_feedback:.1%}, "
        f"validation {inputs.base_val:.2%} → {inputs.new_val:.2%}"
    )
    return GateDecision(True, reason, val_drop, feedback_gain)
