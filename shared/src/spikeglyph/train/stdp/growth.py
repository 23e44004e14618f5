"""Error-driven growth of the STDP network: recruit neurons where a class is often wrong, prune
neurons that never win.

Training runs in windows of ``window`` labelled images, each first answered, then learnt
(test-then-train, so the error of a window is measured before its images change the weights):

1. the served network answers the window; each neuron is labelled with the class it answers
   most in this window (Diehl & Cook's rule on recent data), and each class c gets its error
   rate e_c = 1 − (correct answers of class c) / (images of class c);
2. a neuron *wins* an image when it fires most on it; a neuron that has won nothing for
   ``prune_after`` windows in a row is removed (never below ``min_neurons``);
3. every class with e_c > ``error_threshold`` recruits up to ``recruit`` new excitatory neurons,
   one per misclassified image of that class (the window's first ones), until ``max_neurons``:
   the new neuron's input weights are that image, w_new = W·x / Σx (so they sum to the
   network's weight norm W like every other neuron's), its adaptive threshold θ starts at the
   median θ of the network (a new neuron neither wins everything nor starves), its label is c,
   and it joins the lateral inhibition of all the others (the inhibition is all-to-all, so
   growing the weight matrix is enough);
4. STDP learns on the window's images (:func:`spikeglyph.train.stdp.learning.learn_batch`).

Without a rule the same windows run with neither growth nor pruning: the fixed-size baseline
under the same protocol. The resumable product run built on these steps (``spikeglyph train
--arch stdp --growth errors``) is :mod:`spikeglyph.train.stdp.growing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

import torch

from spikeglyph.recipe.stdp_specs import StdpGrowth
from spikeglyph.train.stdp.kernels import normalise_columns
from spikeglyph.train.stdp.labels import assign_labels
from spikeglyph.train.stdp.learning import BatchStats, batch_generator, learn_batch, responses
from spikeglyph.train.stdp.network import StdpNet


@dataclass(frozen=True)
class GrowthRule:
    """When and how much the network grows and shrinks (see the module docstring)."""

    window: int = 500
    error_threshold: float = 0.2
    recruit: int = 3
    max_neurons: int = 100
    prune_after: int = 3
    min_neurons: int = 10

    @classmethod
    def of(cls, growth: StdpGrowth, max_neurons: int) -> GrowthRule:
        """The rule of a recipe's ``growth``, capped at ``max_neurons`` (its ``spec.neurons``)."""
        return cls(
            window=growth.window,
            error_threshold=growth.error_threshold,
            recruit=growth.recruit,
            max_neurons=max_neurons,
            prune_after=growth.prune_after,
            min_neurons=growth.min_neurons,
        )


@dataclass
class WindowRecord:
    """What one window measured and changed."""

    seen: int  # images learnt before this window
    neurons: int  # after the window's growth and pruning
    accuracy: float  # answers on the window before learning it
    recruited: list[int] = field(default_factory=list)  # per class
    pruned: int = 0


def class_error_rates(predicted: torch.Tensor, labels: torch.Tensor, classes: int) -> torch.Tensor:
    """[C] share of each class's images answered wrong (0 for a class absent here)."""
    wrong = (predicted != labels).float()
    totals = torch.bincount(labels, minlength=classes).float()
    errors = torch.bincount(labels, weights=wrong, minlength=classes)
    return torch.where(totals > 0, errors / totals.clamp(min=1.0), torch.zeros_like(totals))


def winners(counts: torch.Tensor) -> torch.Tensor:
    """[M] the neuron that fired most on each image, −1 where none fired."""
    best = counts.argmax(1)
    return torch.where(counts.sum(1) > 0, best, torch.full_like(best, -1))


def set_neurons(
    net: StdpNet, weights: torch.Tensor, theta: torch.Tensor, assignments: torch.Tensor
) -> None:
    """Give ``net`` these neurons: weights [784, N], θ [N], labels [N] (on its device)."""
    device = net.weights.device
    net.weights = weights.to(device).contiguous()
    net.theta = theta.to(device).contiguous()
    net.assignments = assignments.to(device=device, dtype=torch.long).contiguous()
    net.spec = replace(net.spec, neurons=net.weights.shape[1])


def add_neurons(net: StdpNet, images: torch.Tensor, labels: torch.Tensor) -> None:
    """Add one neuron per image [K, 784]: its weights the image at the network's weight norm,
    θ the network's median, its label ``labels`` [K]."""
    if len(images) == 0:
        return
    weights = normalise_columns(images.T.to(net.weights), net.spec.weight_norm)
    theta = net.theta.median() if len(net.theta) else net.theta.new_zeros(())
    set_neurons(
        net,
        torch.cat([net.weights, weights], 1),
        torch.cat([net.theta, theta.expand(len(images)).clone()]),
        torch.cat([net.assignments, labels.to(net.assignments)]),
    )


def keep_neurons(net: StdpNet, keep: torch.Tensor) -> None:
    """Keep only the neurons where ``keep`` [N] is true (weights, θ, labels, raster sample)."""
    keep = keep.to(net.weights.device)
    set_neurons(net, net.weights[:, keep], net.theta[keep], net.assignments[keep])
    net.hidden_idx = torch.arange(min(len(net.hidden_idx), net.spec.neurons))


def _recruits(
    images: torch.Tensor,
    labels: torch.Tensor,
    predicted: torch.Tensor,
    rates: torch.Tensor,
    rule: GrowthRule,
    room: int,
) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """The misclassified images that become neurons, their classes, and how many per class."""
    chosen: list[torch.Tensor] = []
    per_class = [0] * len(rates)
    for c in torch.argsort(rates, descending=True).tolist():
        if rates[c] <= rule.error_threshold or room <= 0:
            break
        wrong = ((labels == c) & (predicted != c)).nonzero().flatten()[: min(rule.recruit, room)]
        chosen.append(wrong)
        per_class[c], room = len(wrong), room - len(wrong)
    idx = torch.cat(chosen) if chosen else torch.zeros(0, dtype=torch.long)
    return images[idx], labels[idx], per_class


@dataclass
class GrowthState:
    """Windows since each neuron last won an image."""

    idle: torch.Tensor

    @classmethod
    def fresh(cls, neurons: int) -> GrowthState:
        return cls(torch.zeros(neurons, dtype=torch.long))


@dataclass
class GrowthRun:
    """What a growing run carries besides its neurons: the idle counters and every window's
    record so far (a checkpoint holds both, so a resumed run continues at the right size)."""

    state: GrowthState
    history: list[WindowRecord]


def grow_and_prune(
    net: StdpNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    rule: GrowthRule,
    state: GrowthState,
) -> tuple[WindowRecord, GrowthState]:
    """Steps 1–3 of the module docstring on one window: answer, label, prune, recruit."""
    counts = responses(net, images)
    predicted = net.votes(counts).argmax(1)  # with the labels of the windows before
    accuracy = float((predicted == labels).float().mean())
    net.assignments.copy_(assign_labels(counts, labels, net.classes))
    won = torch.zeros(net.spec.neurons, dtype=torch.bool)
    best = winners(counts).cpu()  # the counters live on the CPU, whatever the device
    won[best[best >= 0]] = True
    idle = torch.where(won, torch.zeros_like(state.idle), state.idle + 1)
    keep = idle < rule.prune_after
    if int(keep.sum()) < rule.min_neurons:  # keep the most recent winners
        keep = torch.zeros_like(keep)
        keep[torch.argsort(idle, stable=True)[: rule.min_neurons]] = True
    pruned = int((~keep).sum())
    keep_neurons(net, keep)
    idle = idle[keep]
    rates = class_error_rates(predicted, labels, net.classes)
    room = rule.max_neurons - net.spec.neurons
    new_images, new_labels, per_class = _recruits(images, labels, predicted, rates, rule, room)
    add_neurons(net, new_images, new_labels)
    idle = torch.cat([idle, torch.zeros(len(new_images), dtype=idle.dtype)])
    record = WindowRecord(0, net.spec.neurons, accuracy, per_class, pruned)
    return record, GrowthState(idle)


def answer_window(
    net: StdpNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    rule: GrowthRule | None,
    state: GrowthState,
) -> tuple[WindowRecord, GrowthState]:
    """Answer one window before learning it: with ``rule``, :func:`grow_and_prune`; without,
    only the neurons' labels follow the window."""
    if rule is not None:
        return grow_and_prune(net, images, labels, rule, state)
    counts = responses(net, images)
    accuracy = float((net.votes(counts).argmax(1) == labels).float().mean())
    net.assignments.copy_(assign_labels(counts, labels, net.classes))
    return WindowRecord(0, net.spec.neurons, accuracy), state


def learn_window(
    net: StdpNet,
    images: torch.Tensor,
    batch_size: int,
    generator: Callable[[int], torch.Generator],
) -> BatchStats:
    """STDP on one window's images [M, 784] in order, batch ``b`` with ``generator(b)``'s
    input noise; the summed statistics of its batches."""
    stats = [
        learn_batch(net, images[start : start + batch_size], generator(b))
        for b, start in enumerate(range(0, len(images), batch_size))
    ]
    return BatchStats(
        sum(s.images for s in stats), sum(s.spikes for s in stats), sum(s.boosted for s in stats)
    )


def learn_in_windows(
    net: StdpNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    rule: GrowthRule | None,
    window: int,
    batch_size: int,
    seed: int,
) -> list[WindowRecord]:
    """Test-then-train over ``images`` [M, 784] in order, window by window; with ``rule`` the
    network grows and shrinks between windows, without it only the labels follow the data."""
    records = []
    state = GrowthState.fresh(net.spec.neurons)
    labels = labels.long()
    for index, start in enumerate(range(0, len(images), window)):
        x, y = images[start : start + window], labels[start : start + window]
        record, state = answer_window(net, x, y, rule, state)
        record.seen = start
        records.append(record)
        learn_window(net, x, batch_size, partial(batch_generator, seed, index))
    return records
