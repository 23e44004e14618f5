"""Held-out feedback: deterministic, disjoint from training, never empty."""

from __future__ import annotations

import numpy as np
import pytest

from spikeglyph.errors import InvalidJobParams
from spikeglyph.schemas import FeedbackItem
from spikeglyph_trainer.jobs.feedback_split import split_feedback


def _items(n: int) -> list[tuple[FeedbackItem, np.ndarray]]:
    return [
        (
            FeedbackItem(feedback_id=f"{1000 + i}-0", label=i % 10),
            np.full((28, 28), i, dtype=np.uint8),
        )
        for i in range(n)
    ]


def test_a_quarter_is_held_out_and_never_trained_on() -> None:
    split = split_feedback(_items(40))
    assert len(split.holdout_labels) == 10
    assert len(split.train_labels) == 30
    held = {int(img[0, 0]) for img in split.holdout_images}
    trained = {int(img[0, 0]) for img in split.train_images}
    assert held.isdisjoint(trained)
    assert held | trained == set(range(40))


def test_the_same_items_are_held_out_on_every_run_whatever_the_order() -> None:
    items = _items(20)
    first = split_feedback(items)
    again = split_feedback(list(reversed(items)))
    assert sorted(first.holdout_images[:, 0, 0]) == sorted(again.holdout_images[:, 0, 0])


def test_labels_stay_with_their_images() -> None:
    split = split_feedback(_items(12))
    for image, label in zip(split.train_images, split.train_labels, strict=True):
        assert int(image[0, 0]) % 10 == label


def test_two_items_give_one_to_train_and_one_to_check() -> None:
    split = split_feedback(_items(2))
    assert len(split.train_labels) == 1 and len(split.holdout_labels) == 1


def test_a_single_item_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InvalidJobParams, match="at least 2"):
        split_feedback(_items(1))
