"""Error-driven growth of the STDP network: error rates, winners, recruitment from
misclassified images, pruning of neurons that never win, and a grown model that serves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from spikeglyph.runtime import ModelRunner
from spikeglyph.train.stdp.export import snap_weights, torch_outputs
from spikeglyph.train.stdp.growth import (
    GrowthRule,
    GrowthState,
    add_neurons,
    class_error_rates,
    grow_and_prune,
    keep_neurons,
    learn_in_windows,
    winners,
)
from spikeglyph.train.stdp.modelio import save_stdp_model
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec
from tests.unit.stdp.conftest import stroke_images

SPEC = StdpSpec(
    neurons=4, timesteps=16, max_rate_hz=400.0, min_spikes=3, boost_hz=400.0, max_boosts=2
)


def _bars(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[count, 784] stroke images; label 0 for a vertical bar, 1 for a horizontal one."""
    return stroke_images(count).flatten(1), torch.arange(count) % 2


def test_class_error_rates_count_each_class_on_its_own() -> None:
    predicted = torch.tensor([0, 0, 1, 2, 2, 2])
    labels = torch.tensor([0, 1, 1, 2, 2, 0])
    rates = class_error_rates(predicted, labels, 4)
    assert rates.tolist() == [0.5, 0.5, 0.0, 0.0]  # class 3 absent: no error


def test_the_winner_is_the_neuron_that_fired_most_or_none() -> None:
    counts = torch.tensor([[0.0, 3.0, 1.0], [0.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    assert winners(counts).tolist() == [1, -1, 0]


def test_a_recruit_starts_from_its_image_with_the_median_threshold() -> None:
    net = StdpNet(SPEC)
    net.theta.copy_(torch.tensor([0.1, 0.2, 0.4, 0.8]))
    images, _ = _bars(2)
    add_neurons(net, images, torch.tensor([7, 3]))
    assert net.spec.neurons == 6 and net.weights.shape == (784, 6)
    new = net.weights[:, 4:]
    assert torch.allclose(new.sum(0), torch.full((2,), SPEC.weight_norm))
    assert torch.allclose(new / new.sum(0), (images / images.sum(1, keepdim=True)).T)
    assert net.theta[4:].tolist() == [net.theta[:4].median().item()] * 2
    assert net.assignments[4:].tolist() == [7, 3]
    assert net.respond(images).counts.shape == (2, 6)  # joins the inhibition of all


def test_keep_neurons_removes_exactly_the_others() -> None:
    net = StdpNet(SPEC)
    before = net.weights.clone()
    keep_neurons(net, torch.tensor([True, False, True, False]))
    assert net.spec.neurons == 2 and torch.equal(net.weights, before[:, [0, 2]])
    assert net.theta.shape == (2,) and net.assignments.shape == (2,)


def test_a_class_often_wrong_recruits_from_its_misclassified_images() -> None:
    net = StdpNet(SPEC)  # unlabelled: every image is answered "0", so class 1 is all wrong
    images, labels = _bars(12)
    rule = GrowthRule(error_threshold=0.2, recruit=3, max_neurons=50, prune_after=9)
    record, state = grow_and_prune(net, images, labels, rule, GrowthState(torch.zeros(4).long()))
    assert record.recruited == [0, 3] + [0] * 8 and record.pruned == 0
    assert net.spec.neurons == 4 + 3 == record.neurons and len(state.idle) == 7
    first_wrong = images[labels == 1][:3]  # the window's first misclassified class-1 images
    new = net.weights[:, 4:]
    assert torch.allclose(new / new.sum(0), (first_wrong / first_wrong.sum(1, keepdim=True)).T)


def test_neurons_that_never_win_are_pruned_and_growth_stops_at_the_cap() -> None:
    net = StdpNet(SPEC)
    dark = torch.zeros(784, 1)
    dark[:10] = 1.0  # listens to a corner no bar ever lights: never fires, never wins
    net.weights[:, 3:4] = dark * SPEC.weight_norm / 10
    images, labels = _bars(12)
    rule = GrowthRule(error_threshold=1.0, max_neurons=4, prune_after=2, min_neurons=1)
    state = GrowthState(torch.zeros(4).long())
    record, state = grow_and_prune(net, images, labels, rule, state)
    assert record.pruned == 0 and net.spec.neurons == 4
    record, state = grow_and_prune(net, images, labels, rule, state)
    assert record.pruned >= 1 and net.spec.neurons == 4 - record.pruned
    assert not any((net.weights == dark * SPEC.weight_norm / 10).all(0))


def test_windows_report_exactly_the_neurons_growth_added_and_removed() -> None:
    net = StdpNet(SPEC)
    images, labels = _bars(48)
    rule = GrowthRule(error_threshold=0.1, recruit=2, max_neurons=12, prune_after=2)
    records = learn_in_windows(net, images, labels, rule=rule, window=12, batch_size=4, seed=0)
    size = 4
    for record in records:
        size += sum(record.recruited) - record.pruned
        assert record.neurons == size
    assert net.spec.neurons == size == net.weights.shape[1] == len(net.theta) <= 12
    assert [r.seen for r in records] == [0, 12, 24, 36]


def test_a_grown_network_exports_and_serves(tmp_path: Path) -> None:
    net = StdpNet(SPEC, hidden_sample=8)
    images, labels = _bars(24)
    rule = GrowthRule(error_threshold=0.1, recruit=2, max_neurons=10)
    learn_in_windows(net, images, labels, rule=rule, window=12, batch_size=4, seed=0)
    assert net.spec.neurons > 4
    snap_weights(net)
    manifest = save_stdp_model(
        net.eval(),
        tmp_path / "m",
        dataset="mnist",
        version="mnist-stdp-grown",
        metrics={},
        training={},
        sample_images=images,
    )
    assert manifest.neurons == {"exc": net.spec.neurons, "inh": net.spec.neurons}
    batch = stroke_images(6).numpy()
    got = ModelRunner(tmp_path / "m", device="cpu").run(batch)
    assert np.array_equal(got.spike_counts, torch_outputs(net, batch)["spike_counts"])
