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
under the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from spikeglyph.train.stdp.kernels import normalise_columns
from spikeglyph.train.stdp.labels import assign_labels
from spikeglyph.train.stdp.learning import batch_generator, learn_batch, responses
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


def add_neurons(net: StdpNet, images: torch.Tensor, labels: torch.Tensor) -> None:
    """Add one neuron per image [K, 784]: its weights the image at the network's weight norm,
    θ the network's median, its label ``labels`` [K]."""
    if len(images) == 0:
        return
    weights = normalise_columns(images.T.to(net.weights), net.spec.weight_norm)
    theta = net.theta.median() if len(net.theta) else net.theta.new_zeros(())
    net.weights = torch.cat([net.weights, weights], 1)
    net.theta = torch.cat([net.theta, theta.expand(len(images)).clone()])
    net.assignments = torch.cat([net.assignments, labels.to(net.assignments)])
    net.spec = replace(net.spec, neurons=net.weights.shape[1])


def keep_neurons(net: StdpNet, keep: torch.Tensor) -> None:
    """Keep only the neurons where ``keep`` [N] is true (weights, θ, labels, raster sample)."""
    net.weights = net.weights[:, keep].contiguous()
    net.theta = net.theta[keep].contiguous()
    net.assignments = net.assignments[keep].contiguous()
    net.spec = replace(net.spec, neurons=net.weights.shape[1])
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
    best = winners(counts)
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
    state = GrowthState(torch.zeros(net.spec.neurons, dtype=torch.long))
    labels = labels.long()
    for index, start in enumerate(range(0, len(images), window)):
        x, y = images[start : start + window], labels[start : start + window]
        if rule is not None:
            record, state = grow_and_prune(net, x, y, rule, state)
        else:
            counts = responses(net, x)
            accuracy = float((net.votes(counts).argmax(1) == y).float().mean())
            net.assignments.copy_(assign_labels(counts, y, net.classes))
            record = WindowRecord(0, net.spec.neurons, accuracy)
        record.seen = start
        records.append(record)
        for b, batch_start in enumerate(range(0, len(x), batch_size)):
            batch = x[batch_start : batch_start + batch_size]
            learn_batch(net, batch, batch_generator(seed, index, b))
    return records
