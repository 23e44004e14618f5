"""A tiny STDP network and digit-like images, shared by the encoding and export tests."""

from __future__ import annotations

import pytest
import torch

from spikeglyph.train.stdp.export import snap_weights
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec


def stroke_images(count: int, seed: int = 0) -> torch.Tensor:
    """Float [count, 1, 28, 28]: a bright bar at a random row or column, grey smudge around."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.zeros(count, 1, 28, 28)
    for i in range(count):
        at = int(torch.randint(6, 22, (1,), generator=generator))
        if i % 2:
            images[i, 0, at - 2 : at + 2, 4:24] = 1.0
        else:
            images[i, 0, 4:24, at - 2 : at + 2] = 1.0
        images[i, 0] += 0.3 * torch.rand(28, 28, generator=generator) * (images[i, 0] == 0)
    return images


@pytest.fixture()
def tiny_net() -> StdpNet:
    spec = StdpSpec(
        neurons=24, timesteps=16, max_rate_hz=400.0, min_spikes=3, boost_hz=400.0, max_boosts=2
    )
    net = StdpNet(spec, hidden_sample=8)
    snap_weights(net)
    assignments = torch.arange(24) % 10
    assignments[[5, 17]] = -1
    net.assignments.copy_(assignments)
    return net.eval()
