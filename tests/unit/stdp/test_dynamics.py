"""Excitatory neurons: threshold, adaptive threshold (homeostasis), lateral inhibition,
refractoriness, weight normalisation and the batch learning step."""

from __future__ import annotations

import torch

from spikeglyph.train.stdp.kernels import (
    ExcParams,
    ExcState,
    exc_run,
    exc_step,
    lateral_inhibition,
    normalise_columns,
)
from spikeglyph.train.stdp.learning import learn_batch
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec


def params(theta: list[float], inhibition: float = 0.0) -> ExcParams:
    return ExcParams(
        decay=1.0,
        v_thresh=10.0,
        v_reset=0.0,
        refractory=3,
        inhibition=inhibition,
        theta=torch.tensor(theta),
    )


def test_a_raised_threshold_makes_a_neuron_fire_less() -> None:
    currents = torch.full((60, 1, 2), 2.0)
    spikes, _ = exc_run(currents, params([0.0, 10.0]))
    counts = spikes.sum((0, 1))
    # threshold 10 at 2 per step: 6 steps to cross (v = 12 > 10), then 2 refractory + 6 again
    assert counts[0] > counts[1] > 0


def test_a_neuron_is_deaf_while_refractory() -> None:
    currents = torch.full((20, 1, 1), 100.0)
    spikes, _ = exc_run(currents, params([0.0]))
    fired = spikes.flatten().nonzero().flatten().tolist()
    assert fired[:3] == [0, 3, 6]  # a spike every (refractory) steps, not every step


def test_each_spike_inhibits_every_other_neuron_but_not_itself() -> None:
    spikes = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    inhibition = lateral_inhibition(spikes, 5.0)
    assert inhibition.tolist() == [[0.0, 5.0, 5.0], [5.0, 5.0, 10.0]]
    state = ExcState(torch.full((1, 3), 8.0), torch.zeros(1, 3), torch.tensor([[1.0, 0.0, 0.0]]))
    out, new = exc_step(torch.full((1, 3), 1.0), state, params([0.0, 0.0, 0.0], 5.0))
    assert new.v.tolist() == [[9.0, 4.0, 4.0]]
    assert out.sum() == 0


def test_inhibition_lets_the_best_driven_neuron_win() -> None:
    currents = torch.tensor([3.0, 2.5, 2.0]).expand(50, 1, 3)
    alone, _ = exc_run(currents, params([0.0, 0.0, 0.0]))
    competing, _ = exc_run(currents, params([0.0, 0.0, 0.0], inhibition=20.0))
    assert (alone.sum((0, 1)) > 0).all()
    assert competing.sum((0, 1)).tolist()[1:] == [0.0, 0.0]
    assert competing.sum() > 0


def test_normalisation_gives_every_neuron_the_same_total_input_weight() -> None:
    weights = torch.rand(784, 7) * torch.arange(1, 8)
    normalised = normalise_columns(weights, 78.4)
    assert torch.allclose(normalised.sum(0), torch.full((7,), 78.4))
    ratio = normalised / weights
    assert torch.allclose(ratio, ratio[0:1].expand_as(ratio))  # shape of each column kept


def test_learning_raises_thresholds_by_theta_plus_per_spike_and_keeps_weights_bounded() -> None:
    spec = StdpSpec(neurons=6, timesteps=40, max_rate_hz=500.0, theta_plus=0.25)
    net = StdpNet(spec)
    images = torch.zeros(4, 784)
    images[:, 200:400] = 1.0
    before = net.theta.clone()
    generator = torch.Generator().manual_seed(0)
    stats = learn_batch(net, images, generator)
    raised = (net.theta - before) / spec.theta_plus
    assert stats.spikes > 0
    assert torch.allclose(raised.sum(), torch.tensor(stats.spikes), rtol=1e-4)
    assert net.weights.min() >= 0 and net.weights.max() <= spec.rule.w_max
    assert torch.allclose(net.weights.sum(0), torch.full((6,), spec.weight_norm), rtol=1e-5)
