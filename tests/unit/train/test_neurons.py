"""LIF dynamics: golden traces against snntorch, reset variants, adaptive thresholds."""

from __future__ import annotations

import pytest
import snntorch as snn
import torch

from spikeglyph.train.neurons import LIFParams, if_readout, lif_sequence
from spikeglyph.train.surrogate import heaviside, spike_fn


def _snntorch_trace(
    current: torch.Tensor, beta: float, reset: str
) -> tuple[torch.Tensor, torch.Tensor]:
    neuron = snn.Leaky(beta=beta, threshold=1.0, reset_mechanism=reset)
    mem = neuron.init_leaky()
    spikes, mems = [], []
    for t in range(current.shape[0]):
        spk, mem = neuron(current[t], mem)
        spikes.append(spk)
        mems.append(mem)
    return torch.stack(spikes), torch.stack(mems)


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_trace_matches_snntorch_leaky(reset: str) -> None:
    torch.manual_seed(0)
    current = torch.rand(12, 5, 7) * 1.5
    params = LIFParams(beta=torch.tensor(0.8), threshold=1.0, reset=reset)
    ours = lif_sequence(current, params, heaviside, record_membrane=True)
    ref_spikes, ref_mem = _snntorch_trace(current, 0.8, reset)
    assert ours.membrane is not None
    assert torch.equal(ours.spikes, ref_spikes)
    assert torch.allclose(ours.membrane, ref_mem, atol=1e-6)
    assert ours.spikes.sum() > 0  # the comparison saw real spikes


def test_constant_input_equals_repeated_input() -> None:
    current = torch.rand(3, 4) * 2
    params = LIFParams(beta=torch.tensor(0.5), threshold=1.0, reset="subtract")
    once = lif_sequence(current, params, heaviside, steps=6)
    repeated = lif_sequence(current.expand(6, 3, 4), params, heaviside)
    assert torch.equal(once.spikes, repeated.spikes)


def test_hand_computed_trace() -> None:
    # β = 0.5, I = 0.6: U = 0.6, 0.9, 1.05 → spike, then 0.525 + 0.6 − 1 = 0.125 ...
    current = torch.full((4, 1), 0.6)
    params = LIFParams(beta=torch.tensor(0.5), threshold=1.0, reset="subtract")
    trace = lif_sequence(current, params, heaviside, record_membrane=True)
    assert trace.membrane is not None
    assert trace.membrane.flatten().tolist() == pytest.approx([0.6, 0.9, 1.05, 0.125])
    assert trace.spikes.flatten().tolist() == [0, 0, 1, 0]


def test_adaptive_threshold_rises_after_spikes_and_reduces_firing() -> None:
    current = torch.full((30, 1), 1.2)
    fixed = LIFParams(beta=torch.tensor(0.9), threshold=1.0, reset="subtract")
    adaptive = fixed._replace(adapt_decay=0.95, adapt_strength=0.5)
    n_fixed = lif_sequence(current, fixed, heaviside).spikes.sum()
    n_adaptive = lif_sequence(current, adaptive, heaviside).spikes.sum()
    assert 0 < n_adaptive < n_fixed


def test_surrogate_passes_gradient_through_the_step() -> None:
    x = torch.tensor([-0.2, 0.0, 0.3], requires_grad=True)
    out = spike_fn("atan", 2.0)(x)
    out.sum().backward()
    assert out.tolist() == [0.0, 0.0, 1.0]
    assert x.grad is not None and (x.grad > 0).all()


def test_unknown_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown surrogate"):
        spike_fn("boxcar")


def test_if_readout_conserves_charge() -> None:
    current = torch.rand(8, 2, 10) * 0.7
    trace = if_readout(current, 1.0, heaviside)
    assert trace.membrane is not None
    # U[T] = Σ I − ϑ·(spikes before the last step)
    charge = current.sum(0)
    assert torch.allclose(trace.membrane[-1] + trace.spikes[:-1].sum(0), charge, atol=1e-5)
