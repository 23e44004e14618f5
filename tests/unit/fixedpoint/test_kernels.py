"""Integer LIF kernels: rounding golden traces and saturating registers, computed by hand."""

from __future__ import annotations

import pytest
import torch

from spikeglyph.train.fixedpoint.kernels import (
    FixedLIF,
    fixed_lif_sequence,
    register_use,
    saturate,
    signed_range,
)

NO_LEAK = 256  # β_q = 2⁸: β = 1


def test_integer_lif_rounds_after_every_update_golden_trace() -> None:
    # β = 128/256 = 0.5, ϑ = 10, constant input 7; round half to even as ONNX Round does
    # U: 7 → round(3.5)+7 = 11 (spike) → round(5.5)+7−10 = 3 → round(1.5)+7 = 9
    #    → round(4.5)+7 = 11 (spike) → round(5.5)+7−10 = 3
    spikes, membrane, use = fixed_lif_sequence(
        torch.tensor([7.0]), FixedLIF(128, 10, "subtract"), 5
    )
    assert membrane.flatten().tolist() == [7.0, 11.0, 3.0, 9.0, 11.0]
    assert spikes.flatten().tolist() == [0.0, 1.0, 0.0, 0.0, 1.0]
    assert use is None  # nothing counted unless asked


def test_adaptive_threshold_counts_in_integers_too() -> None:
    params = FixedLIF(256, 10, "subtract", rho_q=128, gamma_q=8)
    spikes, _, _ = fixed_lif_sequence(torch.tensor([11.0]), params, 6)
    # fires at t0; threshold then 10 + 8 → no spike until the adaptation has decayed
    assert spikes.flatten().tolist()[:2] == [1.0, 0.0]


def test_signed_registers_hold_twos_complement_ranges() -> None:
    assert signed_range(8) == (-128, 127)
    assert signed_range(16) == (-32768, 32767)
    values = torch.tensor([-300.0, -128.0, 0.0, 127.0, 128.0])
    assert saturate(values, 8).tolist() == [-128.0, -128.0, 0.0, 127.0, 127.0]
    assert saturate(values, None) is values
    assert register_use(values, 8) == (2, 5, 300)  # clamped, writes, peak |value|
    with pytest.raises(ValueError, match="at least 2 bits"):
        signed_range(1)


def test_membrane_driven_past_the_top_clamps_then_fires_with_less_charge_left() -> None:
    # 8-bit membrane (−128 … 127), no leak, ϑ = 100, constant input 90, reset by subtraction:
    #   t0: 90            t1: 90 + 90 = 180 → 127 (spike)   t2: 127 + 90 − 100 = 117 (spike)
    #   t3: 117 + 90 − 100 = 107 (spike)   t4: 107 + 90 − 100 = 97   t5: 97 + 90 = 187 → 127 (spike)
    # Unbounded, the charge above the clamp is kept and the neuron fires at every step from t1.
    params = FixedLIF(NO_LEAK, 100, "subtract")
    trace = fixed_lif_sequence(torch.tensor([90.0]), params, 6, membrane_bits=8, count=True)
    assert trace.membrane.flatten().tolist() == [90.0, 127.0, 117.0, 107.0, 97.0, 127.0]
    assert trace.spikes.flatten().tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 1.0]
    assert trace.use == (2, 6, 187)  # two neuron-steps clamped out of six; 187 was asked for
    free = fixed_lif_sequence(torch.tensor([90.0]), params, 6, count=True)
    assert free.spikes.flatten().tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert free.use is not None and free.use.clamped == 0


def test_membrane_driven_past_the_bottom_forgets_the_debt_and_recovers_sooner() -> None:
    # 8-bit membrane, no leak, ϑ = 100; input −100, −100, −100, then +120, +120:
    #   −100, −200 → −128, −228 → −128, −128 + 120 = −8, −8 + 120 = 112 (spike)
    # Unbounded: −100, −200, −300, −180, −60: no spike at all.
    current = torch.tensor([-100.0, -100.0, -100.0, 120.0, 120.0]).view(5, 1)
    params = FixedLIF(NO_LEAK, 100, "subtract")
    trace = fixed_lif_sequence(current, params, membrane_bits=8, count=True)
    assert trace.membrane.flatten().tolist() == [-100.0, -128.0, -128.0, -8.0, 112.0]
    assert trace.spikes.flatten().tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert trace.use == (2, 5, 228)
    free = fixed_lif_sequence(current, params)
    assert free.membrane.flatten().tolist() == [-100.0, -200.0, -300.0, -180.0, -60.0]
    assert free.spikes.sum() == 0


def test_reset_to_zero_and_adaptation_saturate_too() -> None:
    # reset to zero, no leak, ϑ = 100, 8 bits, input 90: 90, 127 (clamped 180, spike),
    # then 0 + 90 = 90, 180 → 127 (spike), 90
    zero = FixedLIF(NO_LEAK, 100, "zero")
    trace = fixed_lif_sequence(torch.tensor([90.0]), zero, 5, membrane_bits=8, count=True)
    assert trace.membrane.flatten().tolist() == [90.0, 127.0, 90.0, 127.0, 90.0]
    assert trace.use is not None and trace.use.clamped == 2
    # adaptation a ← a + 100·S (ρ = 1) in an 8-bit register: 0, 100, 200 → 127, …
    adaptive = FixedLIF(NO_LEAK, 10, "subtract", rho_q=NO_LEAK, gamma_q=100)
    trace = fixed_lif_sequence(torch.tensor([120.0]), adaptive, 4, membrane_bits=8, count=True)
    # t0: U 120 > 10 spike; t1: U 120+120−10 = 230 → 127, a = 100: 127 > 110 spike;
    # t2: U 127+120−10 = 237 → 127, a = 200 → 127: 127 > 137? no; t3: U 247 → 127, a = 127: no
    assert trace.spikes.flatten().tolist() == [1.0, 1.0, 0.0, 0.0]
    assert trace.use is not None and trace.use.clamped == 3  # t1, t2 (both registers), t3
