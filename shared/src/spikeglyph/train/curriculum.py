"""Curriculum learning: the training images easy first, the harder ones let in by a pacing
schedule (the recipe's :class:`~spikeglyph.recipe.specs.CurriculumSpec`).

Difficulty is the margin of a small teacher, a softmax regression on the pixels,

    m_i = z_{i,y_i} − max_{k ≠ y_i} z_{i,k},

large for an image the teacher finds clearly of its class, negative for one it gets wrong.
The teacher is cross-fitted: trained on one half of the training images, it scores the other
half, and the other way round, so no image is ranked by a teacher that memorised it. Ranking
is by decreasing margin (ties: the image that comes first), the easiest image first.

Pacing is competence-based (Platanios et al., NAACL 2019): at optimiser step t of T the batch
is drawn without replacement from the easiest ⌈c(t)·N⌉ images, with

    linear: c(t) = min(1, c₀ + (1 − c₀)·t / (r·T))
    root:   c(t) = min(1, √(c₀² + (1 − c₀²)·t / (r·T)))

(c₀ = ``start``, r = ``ramp``); from t = r·T on, batches are drawn from all images. The
random order (``off``) is the loop's fresh permutation per epoch, unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from spikeglyph.recipe import Recipe
from spikeglyph.recipe.specs import CurriculumSpec

TEACHER_STEPS = 100  # full-batch Adam steps: the softmax regression has converged to ~0.1 %
TEACHER_LR = 0.05
TEACHER_WEIGHT_DECAY = 1e-4


def _fit_teacher(x: torch.Tensor, y: torch.Tensor, classes: int) -> torch.nn.Linear:
    """A softmax regression on the flattened pixels ``x`` [M, 784] (deterministic: zero start,
    full batches)."""
    teacher = torch.nn.Linear(x.shape[1], classes)
    torch.nn.init.zeros_(teacher.weight)
    torch.nn.init.zeros_(teacher.bias)
    optimizer = torch.optim.Adam(
        teacher.parameters(), lr=TEACHER_LR, weight_decay=TEACHER_WEIGHT_DECAY
    )
    for _ in range(TEACHER_STEPS):
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(teacher(x), y).backward()
        optimizer.step()
    return teacher


def margins(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """z_y − max_{k≠y} z_k of each row of ``logits`` [M, C]."""
    true = logits.gather(1, labels[:, None]).squeeze(1)
    others = logits.scatter(1, labels[:, None], float("-inf"))
    return true - others.max(1).values


@torch.no_grad()
def _score(teacher: torch.nn.Linear, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return margins(teacher(x), y)


def teacher_margins(
    images: np.ndarray, labels: np.ndarray, *, seed: int, classes: int = 10
) -> np.ndarray:
    """The cross-fitted teacher's margin of every uint8 image [M, 28, 28] (two seeded halves)."""
    x = torch.from_numpy(np.ascontiguousarray(images)).flatten(1).float().div_(255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    halves = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed)).chunk(2)
    scores = torch.zeros(len(x))
    for fit_on, score_on in ((halves[0], halves[1]), (halves[1], halves[0])):
        with torch.enable_grad():
            teacher = _fit_teacher(x[fit_on], y[fit_on], classes)
        scores[score_on] = _score(teacher, x[score_on], y[score_on])
    return scores.numpy()


def difficulty_order(margin: np.ndarray) -> np.ndarray:
    """Image indices from the largest margin (easiest) to the smallest; ties keep index order."""
    return np.argsort(-margin, kind="stable")


def competence(step: int, total_steps: int, spec: CurriculumSpec) -> float:
    """c(t): the fraction of the ranked images batches are drawn from at optimiser ``step``."""
    progress = step / max(1.0, spec.ramp * total_steps)
    if spec.pacing == "linear":
        return min(1.0, spec.start + (1.0 - spec.start) * progress)
    return min(1.0, math.sqrt(spec.start**2 + (1.0 - spec.start**2) * progress))


@dataclass(frozen=True)
class Pacing:
    """A run's curriculum: the ranked images (indices, easiest first) and its schedule."""

    ranked: torch.Tensor
    spec: CurriculumSpec
    total_steps: int


def pacing_of(
    config: Recipe, images: np.ndarray, labels: np.ndarray, total_steps: int
) -> Pacing | None:
    """The pacing of ``config``'s run of ``total_steps`` over ``images`` (None: random order)."""
    if config.curriculum.kind == "off":
        return None
    margin = teacher_margins(images, labels, seed=config.seed, classes=config.arch.classes)
    return Pacing(torch.from_numpy(difficulty_order(margin)), config.curriculum, total_steps)


def epoch_batches(
    count: int,
    batch_size: int,
    generator: torch.Generator,
    pacing: Pacing | None = None,
    epoch: int = 0,
) -> list[torch.Tensor]:
    """The image indices of each batch of ``epoch`` (from 0) over ``count`` images.

    Random order (no ``pacing``): a fresh permutation, cut into batches. With ``pacing``:
    batch j, optimiser step t = epoch·⌈count/batch_size⌉ + j, is drawn without replacement
    from the first ⌈c(t)·count⌉ ranked images, never fewer than a batch.
    """
    if pacing is None:
        return list(torch.randperm(count, generator=generator).split(batch_size))
    first_step = epoch * math.ceil(count / batch_size)
    batches = []
    for j, start in enumerate(range(0, count, batch_size)):
        size = min(batch_size, count - start)
        c = competence(first_step + j, pacing.total_steps, pacing.spec)
        pool = min(count, max(size, math.ceil(c * count)))
        batches.append(pacing.ranked[torch.randperm(pool, generator=generator)[:size]])
    return batches
