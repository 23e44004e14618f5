"""Feedback: corrections come back exactly as stored, in order, filtered and resumable."""

from __future__ import annotations

import numpy as np
import pytest

from spikeglyph.errors import InvalidFeedback
from spikeglyph.stores import FeedbackStore
from spikeglyph.stores import feedback as feedback_module


def digit_image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)


def test_add_then_read_returns_the_same_image_and_metadata(feedback: FeedbackStore) -> None:
    image = digit_image(0)
    feedback_id = feedback.add(image, 7, model_version="v3", dataset="mnist")
    [(item, pixels)] = feedback.read()
    assert item.feedback_id == feedback_id
    assert (item.label, item.model_version, item.dataset) == (7, "v3", "mnist")
    assert pixels.dtype == np.uint8 and pixels.shape == (28, 28)
    np.testing.assert_array_equal(pixels, np.rint(image * 255).astype(np.uint8))


def test_a_confirmation_is_stored_as_one_and_older_items_read_as_corrections(
    feedback: FeedbackStore,
) -> None:
    feedback.add(digit_image(0), 3, model_version="v1", dataset="mnist")
    feedback.add(digit_image(1), 5, model_version="v1", dataset="mnist", kind="confirmation")
    # an entry written before confirmations existed has no kind: it was a correction
    feedback.redis.xadd(
        feedback.keys.feedback_stream,
        {
            "label": 2,
            "model_version": "v0",
            "dataset": "mnist",
            "created_at": "2026-01-01T00:00:00+00:00",
            "image": bytes(784),
        },
    )
    kinds = [(item.label, item.kind) for item, _ in feedback.read()]
    assert kinds == [(3, "correction"), (5, "confirmation"), (2, "correction")]
    with pytest.raises(InvalidFeedback):
        feedback.add(digit_image(2), 1, model_version="v1", dataset="mnist", kind="praise")  # type: ignore[arg-type]
    assert feedback.count() == 3


def test_uint8_images_are_stored_unchanged(feedback: FeedbackStore) -> None:
    image = (np.arange(784) % 256).astype(np.uint8).reshape(28, 28)
    feedback.add(image, 0, model_version=None, dataset="fashion-mnist")
    [(item, pixels)] = feedback.read()
    assert item.model_version is None and item.dataset == "fashion-mnist"
    np.testing.assert_array_equal(pixels, image)


@pytest.mark.parametrize(
    ("image", "label", "dataset"),
    [
        (np.zeros((28, 28)), 10, "mnist"),
        (np.zeros((28, 28)), -1, "mnist"),
        (np.zeros((28, 28)), True, "mnist"),
        (np.zeros((28, 28)), 3, "cifar"),
        (np.zeros((27, 28)), 3, "mnist"),
        (np.zeros((28, 28, 1)), 3, "mnist"),
        (np.full((28, 28), 1.5), 3, "mnist"),
        (np.full((28, 28), np.nan), 3, "mnist"),
        (np.zeros((28, 28), dtype=np.int64), 3, "mnist"),
    ],
)
def test_invalid_feedback_is_refused_and_not_stored(
    feedback: FeedbackStore, image: np.ndarray, label: int, dataset: str
) -> None:
    with pytest.raises(InvalidFeedback):
        feedback.add(image, label, model_version="v1", dataset=dataset)
    assert feedback.count() == 0


def test_read_after_dataset_and_limit(feedback: FeedbackStore) -> None:
    ids = [
        feedback.add(
            digit_image(i), i, model_version="v1", dataset="mnist" if i % 2 else "fashion-mnist"
        )
        for i in range(6)
    ]
    assert [item.feedback_id for item, _ in feedback.read()] == ids
    assert [item.label for item, _ in feedback.read(after=ids[2])] == [3, 4, 5]
    assert [item.label for item, _ in feedback.read(dataset="mnist")] == [1, 3, 5]
    assert [item.label for item, _ in feedback.read(after=ids[1], dataset="mnist", limit=1)] == [3]
    assert feedback.read(limit=0) == []
    assert feedback.count() == 6
    assert feedback.count(after=ids[3]) == 2
    assert feedback.count(dataset="fashion-mnist") == 3


def test_reading_spans_many_pages(feedback: FeedbackStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedback_module, "PAGE_SIZE", 3)
    for i in range(10):
        feedback.add(digit_image(i), i % 10, model_version=None, dataset="mnist")
    assert [item.label for item, _ in feedback.read()] == list(range(10))
    assert len(feedback.read(dataset="mnist", limit=7)) == 7


def test_cursors_let_a_consumer_read_only_what_is_new(feedback: FeedbackStore) -> None:
    assert feedback.get_cursor("finetune") is None
    first = feedback.add(digit_image(1), 1, model_version="v1", dataset="mnist")
    feedback.set_cursor("finetune", first)
    assert feedback.get_cursor("finetune") == first
    assert feedback.get_cursor("other") is None
    second = feedback.add(digit_image(2), 2, model_version="v1", dataset="mnist")
    fresh = feedback.read(after=feedback.get_cursor("finetune"))
    assert [item.feedback_id for item, _ in fresh] == [second]


def test_a_malformed_cursor_is_refused(feedback: FeedbackStore) -> None:
    with pytest.raises(InvalidFeedback):
        feedback.set_cursor("finetune", "not-an-id")
    with pytest.raises(InvalidFeedback):
        feedback.read(after="../etc")
