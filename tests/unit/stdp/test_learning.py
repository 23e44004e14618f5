"""Unsupervised learning end to end: neurons specialise on the patterns they see."""

from __future__ import annotations

import torch

from spikeglyph.train.stdp.labels import assign_labels
from spikeglyph.train.stdp.learning import batch_generator, learn_batch, responses
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec


def quadrants() -> torch.Tensor:
    """Four images [4, 784], each one bright quadrant."""
    images = torch.zeros(4, 28, 28)
    for q in range(4):
        r, c = divmod(q, 2)
        images[q, r * 14 : (r + 1) * 14, c * 14 : (c + 1) * 14] = 1.0
    return images.flatten(1)


def concentration(net: StdpNet) -> torch.Tensor:
    """Share of each labelled neuron's input weight that lies on its own quadrant."""
    weights = net.weights.T.view(-1, 28, 28)
    shares = []
    for n, label in enumerate(net.assignments.tolist()):
        if label >= 0:
            r, c = divmod(label, 2)
            own = weights[n, r * 14 : (r + 1) * 14, c * 14 : (c + 1) * 14].sum()
            shares.append(own / weights[n].sum())
    return torch.stack(shares)


def test_stdp_learns_receptive_fields_that_classify_unseen_labels() -> None:
    images, labels = quadrants(), torch.arange(4)
    net = StdpNet(StdpSpec(neurons=8, timesteps=40, max_rate_hz=200.0, theta_plus=0.5))
    net.assignments.copy_(assign_labels(responses(net, images), labels, 4))
    assert concentration(net).mean() < 0.35  # random start: about a quarter everywhere
    for step in range(25):
        order = torch.randperm(4, generator=torch.Generator().manual_seed(step))
        learn_batch(net, images[order], batch_generator(0, 0, step))
    counts = responses(net, images)
    net.assignments.copy_(assign_labels(counts, labels, 4))
    assert concentration(net).mean() > 0.7
    assert torch.equal(net.votes(counts).argmax(1), labels)
