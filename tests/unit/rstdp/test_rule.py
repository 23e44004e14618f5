"""The three-factor rule: eligibility decay, the sign of the reward, the baseline, bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from spikeglyph.train.rstdp.kernels import (
    RewardParams,
    baseline_step,
    eligibility_decay,
    eligibility_step,
    hebbian,
    reward_update,
)
from spikeglyph.train.rstdp.readout import (
    ReadoutConfig,
    ReadoutState,
    initial_state,
    learn_from_reward,
    readout_accuracy,
    reward_trials,
)

PARAMS = RewardParams(
    lr=0.5, depression=0.0, tau_e_ms=50.0, reward_delay_ms=0.0, tau_baseline=10.0, w_max=1.0
)


def test_the_eligibility_trace_decays_with_its_time_constant() -> None:
    assert eligibility_decay(0.0, 50.0) == 1.0
    assert eligibility_decay(50.0, 50.0) == pytest.approx(math.exp(-1.0))
    assert eligibility_decay(10.0, 50.0) ** 5 == pytest.approx(eligibility_decay(50.0, 50.0))
    trace = torch.tensor([2.0])
    for _ in range(3):
        trace = eligibility_step(trace, torch.zeros(1), eligibility_decay(10.0, 50.0))
    assert float(trace) == pytest.approx(2.0 * math.exp(-30.0 / 50.0))
    # a new coincidence adds to what is left of the old one
    assert float(eligibility_step(trace, torch.tensor([1.0]), 0.5)) == pytest.approx(
        float(trace) * 0.5 + 1.0
    )
    with pytest.raises(ValueError):
        eligibility_decay(1.0, 0.0)


def test_only_the_firing_output_and_the_inputs_that_fired_are_eligible() -> None:
    pre = torch.tensor([[3.0, 1.0, 0.0, 0.0]])
    post = torch.tensor([[0.0, 1.0, 0.0]])
    h = hebbian(pre, post, depression=0.0)
    assert h.shape == (1, 4, 3)
    assert torch.equal(h[0, :, 0], torch.zeros(4)) and torch.equal(h[0, :, 2], torch.zeros(4))
    assert torch.allclose(h[0, :, 1], torch.tensor([0.75, 0.25, 0.0, 0.0]))
    # with depression, silent inputs of the winner become negatively eligible
    assert torch.all(hebbian(pre, post, depression=1.0)[0, 2:, 1] < 0)


def test_a_reward_strengthens_and_a_punishment_weakens_the_eligible_synapses() -> None:
    weights = torch.full((4, 3), 0.5)
    trace = hebbian(torch.tensor([[2.0, 2.0, 0.0, 0.0]]), torch.tensor([[1.0, 0.0, 0.0]]), 0.0)
    rewarded = reward_update(weights, trace, torch.tensor([1.0]), PARAMS)
    punished = reward_update(weights, trace, torch.tensor([-1.0]), PARAMS)
    eligible = trace[0] > 0
    assert torch.all(rewarded[eligible] > 0.5) and torch.all(punished[eligible] < 0.5)
    assert torch.equal(rewarded[~eligible], weights[~eligible])
    assert torch.equal(punished[~eligible], weights[~eligible])
    # a signal of zero (the reward that was expected) changes nothing
    assert torch.equal(reward_update(weights, trace, torch.tensor([0.0]), PARAMS), weights)


def test_soft_bounds_keep_every_weight_in_range() -> None:
    weights = torch.tensor([[0.99, 0.01]])
    trace = torch.ones(1, 1, 2)
    for signal in (50.0, -50.0):
        out = reward_update(weights, trace, torch.tensor([signal]), PARAMS)
        assert torch.all(out >= 0.0) and torch.all(out <= 1.0)


def test_the_baseline_tracks_the_expected_reward_and_is_subtracted() -> None:
    baseline = baseline_step(torch.tensor(0.0), torch.ones(200), tau=10.0)
    assert float(baseline) == pytest.approx(1.0, abs=1e-6)
    # once reward is expected, a rewarded trial teaches (almost) nothing; an error teaches a lot
    state = ReadoutState(torch.full((4, 2), 0.5), torch.tensor(0.99))
    counts = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    config = ReadoutConfig(lr=0.5, depression=0.0, reward_delay_ms=0.0)
    right = reward_trials(state, counts, torch.tensor([True]), torch.tensor([0]), config)
    wrong = reward_trials(state, counts, torch.tensor([False]), torch.tensor([0]), config)
    assert float((right.weights - state.weights).abs().max()) < 0.01
    assert float((wrong.weights - state.weights).abs().max()) > 0.2
    assert float(wrong.baseline) < float(state.baseline) < float(right.baseline)


def _separable(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Spike counts of 3 classes, each driving its own 4 of 12 inputs (plus noise)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    counts = rng.poisson(0.3, (n, 12)).astype(np.float32)
    for i, label in enumerate(labels):
        counts[i, label * 4 : label * 4 + 4] += rng.poisson(3.0, 4)
    return counts, labels


def test_reward_alone_learns_a_readout_and_labels_only_decide_the_reward() -> None:
    counts, labels = _separable(600, seed=0)
    config = ReadoutConfig(epochs=3, batch_size=8, seed=0)
    state = initial_state(12, 3, config)
    before = readout_accuracy(state.weights, counts, labels)
    state, rates = learn_from_reward(state, counts, labels, config)
    test_counts, test_labels = _separable(300, seed=1)
    assert readout_accuracy(state.weights, test_counts, test_labels) > 0.95 > before
    assert rates[-1] > rates[0]
    # permuting the class names permutes what is rewarded, and so what is learnt
    permuted, _ = learn_from_reward(initial_state(12, 3, config), counts, (labels + 1) % 3, config)
    assert readout_accuracy(permuted.weights, test_counts, (test_labels + 1) % 3) > 0.95
