"""Label assignment from training responses, and classification by the class vote."""

from __future__ import annotations

import torch

from spikeglyph.train.stdp.labels import assign_labels, class_votes


def test_each_neuron_takes_the_class_it_answers_most_on_average() -> None:
    # neuron 0 fires for class 1, neuron 1 for class 0, neuron 2 never: unlabelled.
    counts = torch.tensor([[0.0, 4.0, 0.0], [1.0, 6.0, 0.0], [5.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    labels = torch.tensor([0, 0, 1, 1])
    # class averages: class 0 → [0.5, 5, 0], class 1 → [3, 0.5, 0]
    assert assign_labels(counts, labels, 2).tolist() == [1, 0, -1]


def test_averages_not_totals_decide_so_frequent_classes_do_not_win() -> None:
    counts = torch.tensor([[1.0], [1.0], [1.0], [3.0]])
    labels = torch.tensor([0, 0, 0, 1])  # class 0: 3 × 1 spike; class 1: once 3 spikes
    assert assign_labels(counts, labels, 2).tolist() == [1]


def test_the_vote_is_the_mean_count_of_each_class_neurons() -> None:
    assignments = torch.tensor([0, 0, 1, -1, 2])
    counts = torch.tensor([[2.0, 4.0, 1.0, 50.0, 0.0]])
    votes = class_votes(counts, assignments, 4)
    assert votes.tolist() == [[3.0, 1.0, 0.0, 0.0]]  # silent neuron 3 votes for nobody
    assert votes.argmax(1).item() == 0
