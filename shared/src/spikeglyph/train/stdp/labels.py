"""Turning an unsupervised network into a classifier (Diehl & Cook 2015, section 2.6).

After learning, each excitatory neuron is labelled with the class for which its mean response
to *training* images is highest; a neuron that never fired gets no label (−1). An image is
then classified by the class whose labelled neurons fire most on average: the vote.
"""

from __future__ import annotations

import torch


def assign_labels(counts: torch.Tensor, labels: torch.Tensor, classes: int) -> torch.Tensor:
    """Labels [N] (−1 = silent) from spike counts [M, N] of M training images and their labels."""
    onehot = torch.nn.functional.one_hot(labels.long(), classes).to(counts.dtype)  # [M, C]
    per_class = onehot.T @ counts / onehot.sum(0).clamp(min=1.0).unsqueeze(1)  # [C, N]
    best = per_class.argmax(0)
    silent = per_class.max(0).values <= 0
    return torch.where(silent, torch.full_like(best, -1), best)


def label_onehot(assignments: torch.Tensor, classes: int, dtype: torch.dtype) -> torch.Tensor:
    """[N, C] indicator of each neuron's label (silent neurons belong to no class)."""
    classes_row = torch.arange(classes, device=assignments.device)
    return (assignments.unsqueeze(1) == classes_row).to(dtype)


def class_sizes(assignments: torch.Tensor, classes: int, dtype: torch.dtype) -> torch.Tensor:
    """[C] neurons per class, at least 1 (a class without neurons votes 0)."""
    return label_onehot(assignments, classes, dtype).sum(0).clamp(min=1.0)


def class_votes(counts: torch.Tensor, assignments: torch.Tensor, classes: int) -> torch.Tensor:
    """Votes [..., C]: mean spike count of the neurons labelled with each class.

    Summed first, divided once: integer sums are exact in any order, so the vote is the same
    in torch and in ONNX Runtime.
    """
    onehot = label_onehot(assignments, classes, counts.dtype)
    return (counts @ onehot) / class_sizes(assignments, classes, counts.dtype)
