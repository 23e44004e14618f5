"""Served inference is deterministic, and the input rate follows the pixel intensity."""

from __future__ import annotations

import torch

from spikeglyph.train.stdp.kernels import fixed_noise_table, poisson_spikes
from spikeglyph.train.stdp.network import StdpNet
from tests.unit.stdp.conftest import stroke_images


def test_the_same_image_always_gets_the_same_spikes_and_answer(tiny_net: StdpNet) -> None:
    images = stroke_images(6)
    first, second = tiny_net.respond(images.flatten(1)), tiny_net.respond(images.flatten(1))
    assert torch.equal(first.inputs, second.inputs)
    assert torch.equal(first.spikes, second.spikes)
    alone = tiny_net(images[2:3])
    assert torch.equal(alone, tiny_net(images)[2:3])  # independent of the batch around it


def test_input_rate_is_proportional_to_intensity() -> None:
    noise = fixed_noise_table(seed=1, steps=4000)
    images = torch.tensor([[0.0, 0.25, 0.5, 1.0]])
    rates = poisson_spikes(images, 0.2, noise[:, :, :4]).mean(0).flatten()
    assert rates[0] == 0
    assert torch.allclose(rates[1:], torch.tensor([0.05, 0.1, 0.2]), atol=0.015)


def test_weak_images_are_presented_again_at_a_higher_rate(tiny_net: StdpNet) -> None:
    faint = (stroke_images(8) * 0.15).flatten(1)
    first = tiny_net.present(faint, tiny_net.passes()[0], tiny_net.noise)
    served = tiny_net.respond(faint)
    weak = first.spikes.sum((0, 2)) < tiny_net.spec.min_spikes
    assert weak.any()
    assert (served.inputs.sum((0, 2))[weak] > first.inputs.sum((0, 2))[weak]).all()
    assert torch.equal(served.inputs[:, ~weak], first.inputs[:, ~weak])
    branch_free = tiny_net.respond(faint, branch_free=True)
    assert torch.equal(branch_free.spikes, served.spikes)  # what ONNX computes, same answer
