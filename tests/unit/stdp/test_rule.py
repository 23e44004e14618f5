"""Pair and triplet STDP against weight changes computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from spikeglyph.train.stdp.learning import weight_change
from spikeglyph.train.stdp.network import Response
from spikeglyph.train.stdp.spec import StdpRule


def run(pre_steps: list[int], post_steps: list[int], steps: int = 5) -> Response:
    """One presynaptic and one postsynaptic neuron spiking at the given steps."""
    pre = torch.zeros(steps, 1, 1)
    post = torch.zeros(steps, 1, 1)
    pre[pre_steps, 0, 0] = 1.0
    post[post_steps, 0, 0] = 1.0
    return Response(pre, post, torch.zeros_like(post))


PAIR = StdpRule(kind="pair", nu_pre=1e-3, nu_post=1e-2, tau_pre=20.0, tau_post=10.0)


def test_pre_before_post_potentiates_by_the_decayed_pre_trace() -> None:
    delta = weight_change(run([0], [2]), PAIR)
    assert delta.item() == pytest.approx(1e-2 * math.exp(-2 / 20))


def test_post_before_pre_depresses_by_the_decayed_post_trace() -> None:
    delta = weight_change(run([3], [0]), PAIR)
    assert delta.item() == pytest.approx(-1e-3 * math.exp(-3 / 10))


def test_simultaneous_spikes_count_as_causal() -> None:
    assert weight_change(run([1], [1]), PAIR).item() == pytest.approx(1e-2)


def test_additive_traces_sum_every_earlier_spike() -> None:
    rule = StdpRule(kind="pair", nu_pre=0.0, nu_post=1.0, tau_pre=20.0, additive_traces=True)
    d = math.exp(-1 / 20)
    assert weight_change(run([0, 1], [2]), rule).item() == pytest.approx(d**2 + d)
    nearest = StdpRule(kind="pair", nu_pre=0.0, nu_post=1.0, tau_pre=20.0)
    assert weight_change(run([0, 1], [2]), nearest).item() == pytest.approx(d)


def test_triplet_rule_matches_pfister_gerstner_by_hand() -> None:
    rule = StdpRule(
        kind="triplet",
        a2_plus=0.01,
        a3_plus=0.02,
        a2_minus=0.003,
        a3_minus=0.004,
        tau_pre=16.8,
        tau_post=33.7,
        tau_x=101.0,
        tau_y=125.0,
    )
    dpre, dpost = math.exp(-1 / 16.8), math.exp(-1 / 33.7)
    dx, dy = math.exp(-1 / 101.0), math.exp(-1 / 125.0)
    # post@0 with pre@0: r1 = 1, no earlier post → +A2⁺
    # pre@1: o1 = dpost, r2 before = dx → −dpost·(A2⁻ + A3⁻·dx)
    # post@2: r1 = dpre (nearest pre at 1), o2 before = dy² → +dpre·(A2⁺ + A3⁺·dy²)
    expected = 0.01 - dpost * (0.003 + 0.004 * dx) + dpre * (0.01 + 0.02 * dy**2)
    assert weight_change(run([0, 1], [0, 2]), rule).item() == pytest.approx(expected)


def test_batched_change_is_the_sum_of_the_single_image_changes() -> None:
    generator = torch.Generator().manual_seed(3)
    pre = (torch.rand(30, 4, 6, generator=generator) < 0.3).float()
    post = (torch.rand(30, 4, 5, generator=generator) < 0.1).float()
    together = weight_change(Response(pre, post, post), PAIR)
    apart = sum(
        weight_change(Response(pre[:, b : b + 1], post[:, b : b + 1], post), PAIR) for b in range(4)
    )
    assert torch.allclose(together, apart, atol=1e-7)
