"""Batched unsupervised learning of the STDP network.

Diehl & Cook present one image at a time and change the weights at every step. Here a batch
of ``B`` images runs in parallel through copies of the network that share weights and
thresholds, both held fixed during the T-step presentation; afterwards the STDP changes of all
images and steps are **summed** (one matrix product over T·B rows), the weights clipped to
[0, w_max] and normalised, and each threshold raised by θ₊ per spike. With the small learning
rates of the rule this is the first-order equivalent of presenting the batch sequentially; what
it loses is the within-batch competition (two images of a batch may recruit the same neuron),
which is why batches stay small (16–64) relative to the number of neurons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from spikeglyph.train.stdp.kernels import (
    normalise_columns,
    pair_update,
    trace_run,
    triplet_update,
)
from spikeglyph.train.stdp.network import Response, StdpNet
from spikeglyph.train.stdp.spec import StdpRule

TAU_THETA_MS = 1e7  # Diehl & Cook's threshold decay: slow enough to be a homeostatic memory


@dataclass(frozen=True)
class BatchStats:
    images: int
    spikes: float
    boosted: int


def weight_change(response: Response, rule: StdpRule) -> torch.Tensor:
    """ΔW [P, N] of one presentation, summed over its steps and images."""
    pre = response.inputs
    post = response.spikes
    add = rule.additive_traces
    pre_fast = trace_run(pre, rule.tau_pre, add)
    post_fast = trace_run(post, rule.tau_post, add)
    rows = pre.shape[0] * pre.shape[1]
    if rule.kind == "pair":
        return pair_update(
            pre.reshape(rows, -1),
            pre_fast.after.reshape(rows, -1),
            post.reshape(rows, -1),
            post_fast.before.reshape(rows, -1),
            rule.nu_pre,
            rule.nu_post,
        )
    pre_slow = trace_run(pre, rule.tau_x, add)
    post_slow = trace_run(post, rule.tau_y, add)
    return triplet_update(
        pre.reshape(rows, -1),
        pre_fast.after.reshape(rows, -1),
        pre_slow.before.reshape(rows, -1),
        post.reshape(rows, -1),
        post_fast.before.reshape(rows, -1),
        post_slow.before.reshape(rows, -1),
        rule.a2_plus,
        rule.a3_plus,
        rule.a2_minus,
        rule.a3_minus,
    )


def present_for_learning(
    net: StdpNet, images: torch.Tensor, generator: torch.Generator
) -> tuple[Response, int]:
    """Fresh Poisson noise; images with too few spikes are shown again at a higher rate."""
    spec = net.spec
    steps, batch = spec.timesteps, images.shape[0]
    noise = torch.rand((steps, batch, 28 * 28), generator=generator).to(images.device)
    response = net.present(images, spec.probability(spec.max_rate_hz), noise)
    boosted = 0
    for probability in net.passes()[1:]:
        weak = (response.spikes.sum((0, 2)) < spec.min_spikes).nonzero().flatten()
        if len(weak) == 0:
            break
        boosted += len(weak)
        again = net.present(images[weak], probability, noise[:, weak])
        response.inputs[:, weak] = again.inputs
        response.spikes[:, weak] = again.spikes
        response.membrane[:, weak] = again.membrane
    return response, boosted


@torch.no_grad()
def learn_batch(net: StdpNet, images: torch.Tensor, generator: torch.Generator) -> BatchStats:
    """Present a batch, apply the summed STDP change, normalise, adapt the thresholds."""
    spec = net.spec
    response, boosted = present_for_learning(net, images, generator)
    delta = weight_change(response, spec.rule)
    weights = (net.weights + delta).clamp(0.0, spec.rule.w_max)
    net.weights.copy_(normalise_columns(weights, spec.weight_norm))
    elapsed_ms = images.shape[0] * spec.timesteps * spec.dt_ms
    net.theta.mul_(math.exp(-elapsed_ms / TAU_THETA_MS))
    net.theta.add_(spec.theta_plus * response.spikes.sum((0, 1)))
    return BatchStats(int(images.shape[0]), float(response.spikes.sum()), boosted)


def batch_order(count: int, size: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """The image indices of every batch of ``epoch`` (a seeded shuffle, so resumable)."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed * 1009 + epoch))
    return list(order.split(size))


def batch_generator(seed: int, epoch: int, batch: int) -> torch.Generator:
    """The input-noise generator of one batch (independent of where a run resumed)."""
    return torch.Generator().manual_seed((seed * 1009 + epoch) * 1_000_003 + batch)


@torch.no_grad()
def responses(net: StdpNet, images: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """Served (deterministic) spike counts [M, N] of every image."""
    out = [
        net.respond(images[i : i + batch_size]).counts for i in range(0, len(images), batch_size)
    ]
    return torch.cat(out)
