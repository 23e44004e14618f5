"""Pure kernels of the Diehl & Cook (2015) network: encoding, neurons, traces, plasticity.

Every function is ``step(input, state, params) -> (out, new_state)`` or a plain map over
tensors; state and parameters are ``NamedTuple``s, so the time loop, the learning loop and the
exported ONNX graph all call the same code. Shapes: ``B`` images, ``N`` excitatory neurons,
``P`` = 784 input (presynaptic) neurons, ``T`` steps, ``R`` = T·B rows of a flattened run.

Excitatory neuron (current-based LIF with homeostatic threshold, potentials in mV above rest):

    v[t] = λ·v[t-1] + g[t]·(I[t] − c·(Σ_j s_j[t-1] − s_i[t-1]))     λ = exp(−dt/τ_mem)
    s[t] = [v[t] > ϑ + θ_i]          then v ← v_reset and the neuron is refractory
    θ_i  ← θ_i + θ₊ per spike        (Diehl & Cook's adaptive threshold, applied per batch)

g[t] is 0 while refractory. The inhibition term is the direct effect of the excitatory →
inhibitory → excitatory loop: each excitatory spike makes its own inhibitory partner fire,
which inhibits every *other* excitatory neuron by ``c`` on the next step.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch


class ExcParams(NamedTuple):
    decay: float  # λ = exp(−dt/τ_mem)
    v_thresh: float  # ϑ, mV above rest
    v_reset: float  # mV above rest
    refractory: int  # steps during which input is ignored after a spike
    inhibition: float  # c, mV per other excitatory spike
    theta: torch.Tensor  # θ [N], the adaptive part of each threshold


class ExcState(NamedTuple):
    v: torch.Tensor  # [B, N] membrane, mV above rest
    refrac: torch.Tensor  # [B, N] refractory steps left
    spikes: torch.Tensor  # [B, N] spikes of the previous step (drive the inhibition)


def exc_init(batch: int, neurons: int, like: torch.Tensor) -> ExcState:
    zeros = like.new_zeros((batch, neurons))
    return ExcState(zeros, zeros, zeros)


def lateral_inhibition(spikes: torch.Tensor, strength: float) -> torch.Tensor:
    """Inhibitory current [B, N]: ``strength`` per spike of every *other* neuron."""
    return strength * (spikes.sum(-1, keepdim=True) - spikes)


def exc_step(
    current: torch.Tensor, state: ExcState, params: ExcParams
) -> tuple[torch.Tensor, ExcState]:
    """One step of the excitatory layer; ``current`` [B, N] is the input synapses' drive."""
    refrac = (state.refrac - 1.0).clamp(min=0.0)
    open_ = (refrac <= 0.0).to(current.dtype)
    drive = current - lateral_inhibition(state.spikes, params.inhibition)
    v = params.decay * state.v + open_ * drive
    spikes = (v > params.v_thresh + params.theta).to(current.dtype)
    v = torch.where(spikes > 0, torch.full_like(v, params.v_reset), v)
    refrac = torch.where(spikes > 0, torch.full_like(refrac, float(params.refractory)), refrac)
    return spikes, ExcState(v, refrac, spikes)


def exc_run(currents: torch.Tensor, params: ExcParams) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the layer over ``currents`` [T, B, N]: (spikes [T, B, N], membrane [T, B, N])."""
    state = exc_init(currents.shape[1], currents.shape[2], currents)
    spikes, membrane = [], []
    for t in range(currents.shape[0]):
        out, state = exc_step(currents[t], state, params)
        spikes.append(out)
        membrane.append(state.v)
    return torch.stack(spikes), torch.stack(membrane)


def poisson_spikes(images: torch.Tensor, probability: float, noise: torch.Tensor) -> torch.Tensor:
    """Rate-coded input [T, B, P]: pixel x fires with probability x·``probability`` per step.

    ``noise`` is uniform [T, B or 1, P]: fresh draws while learning, the model's fixed table
    when serving (the same image then always gives the same spikes).
    """
    rate = (images.flatten(1) * probability).clamp(0.0, 1.0)
    return (noise < rate.unsqueeze(0)).to(images.dtype)


def fixed_noise_table(seed: int, steps: int, inputs: int = 784) -> torch.Tensor:
    """The deterministic uniform noise [T, 1, P] of served inference."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand((steps, 1, inputs), generator=generator)


def trace_decay(tau: float, dt: float = 1.0) -> float:
    return math.exp(-dt / tau)


def trace_step(
    spikes: torch.Tensor, trace: torch.Tensor, decay: float, additive: bool
) -> torch.Tensor:
    """Decay a synaptic trace one step, then add this step's spikes (or set it to 1)."""
    decayed = decay * trace
    if additive:
        return decayed + spikes
    return torch.where(spikes > 0, torch.ones_like(decayed), decayed)


class Traces(NamedTuple):
    after: torch.Tensor  # [T, B, X] value including this step's spikes
    before: torch.Tensor  # [T, B, X] decayed value before this step's spikes


def trace_run(spikes: torch.Tensor, tau: float, additive: bool) -> Traces:
    """Traces of a spike train [T, B, X] (all steps), before and after each step's spikes."""
    decay = trace_decay(tau)
    trace = spikes.new_zeros(spikes.shape[1:])
    after, before = [], []
    for t in range(spikes.shape[0]):
        before.append(decay * trace)
        trace = trace_step(spikes[t], trace, decay, additive)
        after.append(trace)
    return Traces(torch.stack(after), torch.stack(before))


def pair_update(
    pre: torch.Tensor,
    pre_trace: torch.Tensor,
    post: torch.Tensor,
    post_trace_before: torch.Tensor,
    nu_pre: float,
    nu_post: float,
) -> torch.Tensor:
    """Pair-based STDP summed over rows ``R`` (steps × images): ΔW [P, N].

    Potentiation at each post spike by the presynaptic trace (a pre spike in the same step
    counts as pre-before-post); depression at each pre spike by the postsynaptic trace as it
    was before that step's post spikes. Inputs are [R, P] and [R, N].
    """
    return nu_post * sparse_post_product(pre_trace, post) - nu_pre * pre.T @ post_trace_before


def sparse_post_product(pre_values: torch.Tensor, post: torch.Tensor) -> torch.Tensor:
    """``pre_values.T @ post`` [P, N] for a sparse 0/1 ``post`` [R, N].

    Excitatory spikes are rare (a few per image under lateral inhibition), so gathering the
    presynaptic rows of each spike costs a fraction of the dense product; same result.
    """
    rows, cols = post.nonzero(as_tuple=True)
    out = pre_values.new_zeros((pre_values.shape[1], post.shape[1]))
    return out.index_add_(1, cols, pre_values[rows].T * post[rows, cols])


def triplet_update(
    pre: torch.Tensor,
    r1: torch.Tensor,
    r2_before: torch.Tensor,
    post: torch.Tensor,
    o1_before: torch.Tensor,
    o2_before: torch.Tensor,
    a2_plus: float,
    a3_plus: float,
    a2_minus: float,
    a3_minus: float,
) -> torch.Tensor:
    """Triplet STDP (Pfister & Gerstner 2006) summed over rows: ΔW [P, N].

    At a post spike: Δw = r1·(A2⁺ + A3⁺·o2(t−ε)); at a pre spike: Δw = −o1·(A2⁻ + A3⁻·r2(t−ε)).
    r1/o1 are the fast pre/post traces, r2/o2 the slow ones; "before" means without the
    current step's own spike, as the model's t−ε prescribes.
    """
    potentiation = sparse_post_product(r1, post * (a2_plus + a3_plus * o2_before))
    depression = (pre * (a2_minus + a3_minus * r2_before)).T @ o1_before
    return potentiation - depression


def normalise_columns(weights: torch.Tensor, total: float) -> torch.Tensor:
    """Scale every neuron's incoming weights (a column of [P, N]) to sum to ``total``."""
    sums = weights.sum(0, keepdim=True).clamp(min=1e-12)
    return weights * (total / sums)
