"""train / val / test: the validation split is stratified, disjoint from train, deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spikeglyph.data import load_split, stratified_split, validation_count
from tests.support.datasets import test_data_dir


def _row_keys(images: np.ndarray) -> set[bytes]:
    return {image.tobytes() for image in images}


def test_train_and_val_partition_the_training_file(synthetic_root: Path) -> None:
    train_x, train_y = load_split(synthetic_root, "mnist", "train", val_size=100, download=False)
    val_x, _ = load_split(synthetic_root, "mnist", "val", val_size=100, download=False)
    assert (len(train_x), len(val_x)) == (500, 100)
    assert train_x.dtype == np.uint8 and train_x.shape[1:] == (28, 28)
    assert train_y.dtype == np.uint8
    train_keys, val_keys = _row_keys(train_x), _row_keys(val_x)
    assert not train_keys & val_keys, "a validation image is also in train"
    assert len(train_keys | val_keys) == 600


def test_val_keeps_the_class_proportions(synthetic_root: Path) -> None:
    _, val_y = load_split(synthetic_root, "mnist", "val", val_size=100, download=False)
    assert np.bincount(val_y, minlength=10).tolist() == [10] * 10


def test_split_is_deterministic_for_a_seed_and_changes_with_it(synthetic_root: Path) -> None:
    first, _ = load_split(synthetic_root, "mnist", "val", val_size=50, seed=7, download=False)
    again, _ = load_split(synthetic_root, "mnist", "val", val_size=50, seed=7, download=False)
    other, _ = load_split(synthetic_root, "mnist", "val", val_size=50, seed=8, download=False)
    np.testing.assert_array_equal(first, again)
    assert _row_keys(first) != _row_keys(other)


def test_test_split_is_the_test_file_and_does_not_depend_on_seed(synthetic_root: Path) -> None:
    a, ya = load_split(synthetic_root, "mnist", "test", seed=1, download=False)
    b, yb = load_split(synthetic_root, "mnist", "test", seed=2, download=False)
    assert len(a) == 200
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)


def test_returned_arrays_are_private_copies(synthetic_root: Path) -> None:
    images, _ = load_split(synthetic_root, "mnist", "test", download=False)
    images[:] = 0
    fresh, _ = load_split(synthetic_root, "mnist", "test", download=False)
    assert fresh.any(), "writing into a returned array changed the cached dataset"


def test_default_val_size_shrinks_for_a_small_training_file(synthetic_root: Path) -> None:
    train_x, _ = load_split(synthetic_root, "mnist", "train", download=False)
    val_x, val_y = load_split(synthetic_root, "mnist", "val", download=False)
    assert (len(train_x), len(val_x)) == (550, 50)
    assert np.bincount(val_y, minlength=10).tolist() == [5] * 10
    assert validation_count(60000, 5000) == 5000


def test_stratified_split_with_uneven_classes() -> None:
    labels = np.repeat(np.arange(3, dtype=np.uint8), [700, 200, 100])
    train_idx, val_idx = stratified_split(labels, 100, seed=0)
    assert np.bincount(labels[val_idx]).tolist() == [70, 20, 10]
    assert len(np.intersect1d(train_idx, val_idx)) == 0
    assert np.array_equal(np.sort(np.concatenate([train_idx, val_idx])), np.arange(1000))


def test_unknown_split_is_refused(synthetic_root: Path) -> None:
    with pytest.raises(ValueError, match="train, val, test"):
        load_split(synthetic_root, "mnist", "validation", download=False)


def test_real_mnist_split_sizes_and_label_counts() -> None:
    reference = test_data_dir()
    if reference is None:
        pytest.skip("reference datasets not present; the synthetic split tests cover the code")
    _, test_y = load_split(reference, "mnist", "test", download=False)
    assert np.bincount(test_y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    train_x, train_y = load_split(reference, "mnist", "train", download=False)
    _, val_y = load_split(reference, "mnist", "val", download=False)
    assert (len(train_x), len(val_y)) == (55000, 5000)
    full = np.array([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    np.testing.assert_array_equal(np.bincount(train_y) + np.bincount(val_y), full)
    # Stratified: each class's share of val within one sample of its share of the file.
    assert np.abs(np.bincount(val_y) - full * 5000 / 60000).max() <= 1
    _, fashion_val = load_split(reference, "fashion-mnist", "val", download=False)
    assert np.bincount(fashion_val).tolist() == [500] * 10
