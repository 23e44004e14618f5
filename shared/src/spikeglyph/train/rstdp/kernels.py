"""Three-factor learning: Hebbian eligibility, gated by a reward minus its running baseline.

Reward-modulated STDP (Frémaux & Gerstner 2016, "Neuromodulated spike-timing-dependent
plasticity, and theory of three-factor learning rules", Front. Neural Circuits 9:85;
Mozafari et al. 2018, "First-spike-based visual categorization using reward-modulated STDP",
IEEE TNNLS 29(12)) separates *what* may change from *whether* it should:

* every pre/post coincidence leaves an **eligibility trace** on its synapse that decays with
  time constant τₑ, ``e ← e·exp(−Δt/τₑ) + H(pre, post)``;
* a scalar **success signal** — the reward ``R`` (+1 right, −1 wrong) minus a running
  estimate ``b`` of the expected reward, ``b ← b + (R − b)/τ_b`` — turns the eligibility into
  a weight change, ``Δw = η (R − b) e``, with soft bounds that keep weights in [0, w_max].

The Hebbian term follows Mozafari et al.: for the winning (firing) output neuron, synapses
whose presynaptic neuron fired are potentiated in proportion to its share of the input's
spikes, and silent ones depressed by ``κ/N``; the other output neurons did not fire and
collect no eligibility. A punishment (``R − b < 0``) reverses the sign: anti-STDP. The label
of an image never appears here: it only decides the scalar reward.

Pure functions on tensors, as the STDP kernels (:mod:`spikeglyph.train.stdp.kernels`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch


class RewardParams(NamedTuple):
    """Constants of the three-factor rule (units in the field names)."""

    lr: float  # η
    depression: float  # κ: depression of silent inputs, relative to a uniform share 1/N
    tau_e_ms: float  # τₑ of the eligibility trace
    reward_delay_ms: float  # from the output spike to the reward
    tau_baseline: float  # τ_b, in trials, of the running expected reward
    w_max: float


def eligibility_decay(elapsed_ms: float, tau_e_ms: float) -> float:
    """The factor by which an eligibility trace shrinks in ``elapsed_ms``: exp(−Δt/τₑ)."""
    if tau_e_ms <= 0:
        raise ValueError("the eligibility time constant must be positive")
    return math.exp(-elapsed_ms / tau_e_ms)


def hebbian(pre: torch.Tensor, post: torch.Tensor, depression: float) -> torch.Tensor:
    """Coincidences ``H`` [B, N, C] of presynaptic spike counts [B, N] and output spikes
    [B, C] (1 for the neuron that fired): the fired inputs' share of the spikes, minus κ/N."""
    share = pre / pre.sum(1, keepdim=True).clamp(min=1.0)
    centred = share - depression / pre.shape[1]
    return centred.unsqueeze(2) * post.unsqueeze(1)


def eligibility_step(trace: torch.Tensor, coincidence: torch.Tensor, decay: float) -> torch.Tensor:
    """One step of the trace: the old trace decayed, plus the new coincidences."""
    return trace * decay + coincidence


def baseline_step(baseline: torch.Tensor, rewards: torch.Tensor, tau: float) -> torch.Tensor:
    """The running expected reward after ``rewards`` [B] arrived one trial after another."""
    for reward in rewards:
        baseline = baseline + (reward - baseline) / tau
    return baseline


def success(rewards: torch.Tensor, baseline: torch.Tensor) -> torch.Tensor:
    """The third factor of each trial: reward minus the expected reward before it."""
    return rewards - baseline


def reward_update(
    weights: torch.Tensor, trace: torch.Tensor, signal: torch.Tensor, params: RewardParams
) -> torch.Tensor:
    """New weights [N, C] from eligibility traces [B, N, C] and success signals [B].

    ``Δ = η Σ_b signal_b · e_b``; a potentiation is scaled by ``w_max − w`` and a depression
    by ``w`` (soft bounds): weights approach the bounds without reaching them, and only a
    step larger than the whole range (``|Δ| > 1``) would overshoot, which the clip stops.
    """
    change = params.lr * torch.einsum("b,bnc->nc", signal.to(trace.dtype), trace)
    room = torch.where(change > 0, params.w_max - weights, weights)
    return (weights + change * room / params.w_max).clamp(0.0, params.w_max)
