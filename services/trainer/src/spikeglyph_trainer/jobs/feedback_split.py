"""Split feedback into a training part and a held-out part, the same way on every run.

The split hashes each feedback id with the job's seed, so a redelivered job (resume after a
worker crash) holds out exactly the same items, and the held-out items never leak into
training.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spikeglyph.errors import InvalidJobParams
from spikeglyph.schemas import FeedbackItem

HOLDOUT_FRACTION = 0.25
Images = npt.NDArray[np.uint8]
Labels = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FeedbackSplit:
    train_images: Images
    train_labels: Labels
    holdout_images: Images
    holdout_labels: Labels


def _rank(feedback_id: str, seed: int) -> int:
    digest = hashlib.sha256(f"{seed}:{feedback_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def split_feedback(
    items: Sequence[tuple[FeedbackItem, Images]],
    *,
    seed: int = 0,
    holdout_fraction: float = HOLDOUT_FRACTION,
) -> FeedbackSplit:
    """Hold out ``holdout_fraction`` of the items (at least one, never all)."""
    if len(items) < 2:
        raise InvalidJobParams(
            f"finetuning needs at least 2 new feedback items (one is held out to check the "
            f"result); there are {len(items)}"
        )
    order = sorted(range(len(items)), key=lambda i: _rank(items[i][0].feedback_id, seed))
    n_holdout = min(len(items) - 1, max(1, round(len(items) * holdout_fraction)))
    held = set(order[:n_holdout])

    def stack(indices: list[int]) -> tuple[Images, Labels]:
        images = np.stack([np.asarray(items[i][1], dtype=np.uint8) for i in indices])
        labels = np.array([items[i][0].label for i in indices], dtype=np.int64)
        return images, labels

    train_idx = [i for i in range(len(items)) if i not in held]
    holdout_idx = [i for i in range(len(items)) if i in held]
    train_images, train_labels = stack(train_idx)
    holdout_images, holdout_labels = stack(holdout_idx)
    return FeedbackSplit(train_images, train_labels, holdout_images, holdout_labels)
