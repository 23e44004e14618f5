"""Images that already are in dataset form come back (almost) unchanged.

Uses the reference MNIST / Fashion-MNIST files when present and the synthetic glyphs of
``tests.support.datasets`` otherwise, so the property is checked on a fresh clone too.
"""

from __future__ import annotations

import numpy as np
import pytest

from spikeglyph.data import load_split
from spikeglyph.errors import UnknownDataset
from spikeglyph.preprocess import preprocess
from tests.support.datasets import make_glyphs, test_data_dir

N_DIGITS = 400


def _digits(split: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Float digits in MNIST form (real test/train digits, else preprocessed synthetic glyphs)."""
    reference = test_data_dir()
    if reference is not None:
        images, labels = load_split(reference, "mnist", split, download=False)
        return images[:n].astype(np.float32) / 255, labels[:n]
    glyphs, labels = make_glyphs(n, seed)
    return np.stack([preprocess(glyph) for glyph in glyphs]), labels


def _per_image_error(images: np.ndarray, dataset: str = "mnist") -> np.ndarray:
    results = np.stack([preprocess(image, dataset=dataset) for image in images])
    return np.abs(results - images).mean(axis=(1, 2))


def test_mnist_digits_come_back_almost_unchanged() -> None:
    digits, _ = _digits("test", N_DIGITS, seed=3)
    errors = _per_image_error(digits)
    assert errors.mean() < 0.002
    assert np.percentile(errors, 99) < 0.01


def test_uint8_mnist_arrays_are_read_as_brightness() -> None:
    digits, _ = _digits("test", 50, seed=4)
    as_uint8 = np.round(digits * 255).astype(np.uint8)
    assert _per_image_error(as_uint8.astype(np.float32) / 255).mean() < 0.002
    np.testing.assert_allclose(preprocess(as_uint8[0]), as_uint8[0] / 255, atol=0.02)


def test_nearest_template_decisions_survive_preprocessing() -> None:
    """A model-independent check: class templates decide the same before and after."""
    train, train_labels = _digits("train", 2000, seed=5)
    flat = train.reshape(len(train), -1)
    templates = np.stack([flat[train_labels == k].mean(axis=0) for k in range(10)])
    digits, _ = _digits("test", N_DIGITS, seed=6)
    processed = np.stack([preprocess(image) for image in digits])

    def decide(images: np.ndarray) -> np.ndarray:
        diff = images.reshape(len(images), 1, -1) - templates[None]
        return np.argmin(np.square(diff).sum(axis=2), axis=1)

    assert (decide(digits) == decide(processed)).mean() >= 0.98


def test_fashion_images_keep_their_layout() -> None:
    reference = test_data_dir()
    if reference is None:
        pytest.skip("Fashion-MNIST reference files not present (layout covered by MNIST tests)")
    images, _ = load_split(reference, "fashion-mnist", "test", download=False)
    garments = images[:N_DIGITS].astype(np.float32) / 255
    errors = _per_image_error(garments, dataset="fashion-mnist")
    assert np.median(errors) < 0.001
    assert errors.mean() < 0.02


def test_fashion_layout_fills_the_field() -> None:
    bag = np.zeros((100, 60), dtype=np.uint8)
    bag[20:80, 10:50] = 200
    field = preprocess(bag, dataset="fashion-mnist")
    rows = np.flatnonzero((field > 0.1).any(axis=1))
    cols = np.flatnonzero((field > 0.1).any(axis=0))
    assert (rows[0], rows[-1]) == (0, 27)
    assert len(cols) in (18, 19)
    assert abs((cols[0] + cols[-1]) / 2 - 13.5) <= 0.5


def test_unknown_dataset_layout_is_refused() -> None:
    with pytest.raises(UnknownDataset):
        preprocess(np.eye(28, dtype=np.uint8) * 255, dataset="cifar10")
