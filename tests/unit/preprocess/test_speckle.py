"""Despeckling: speckled digits read like clean ones, and clean digits pass byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from spikeglyph.data import load_split
from spikeglyph.preprocess import preprocess, speckle
from spikeglyph.preprocess.speckle import count_specks, despeckle, median3
from tests.support.datasets import make_glyphs, test_data_dir
from tests.unit.preprocess.drawing import bbox_long_side, draw_digit, similarity


def _clean_digit() -> np.ndarray:
    """A light-on-black 28×28 uint8 digit, as MNIST stores them."""
    return 255 - np.asarray(draw_digit((28, 28), width=2), dtype=np.uint8)


def _salt_and_pepper(image: np.ndarray, amount: float, seed: int) -> np.ndarray:
    hit = np.random.default_rng(seed).random(image.shape)
    noisy = image.copy()
    noisy[hit < amount / 2] = 0
    noisy[(hit >= amount / 2) & (hit < amount)] = 255
    return noisy


def _without_despeckling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speckle, "MIN_SPECKS", 10**9)


def test_isolated_pixels_are_counted_and_strokes_are_not() -> None:
    ink = np.zeros((28, 28), dtype=np.float32)
    ink[5:20, 10:13] = 1.0  # a stroke three pixels wide
    assert count_specks(ink) == 0
    for row, col in ((2, 2), (25, 4), (3, 24)):
        ink[row, col] = 1.0
    assert count_specks(ink) == 3


def test_median_removes_a_speck_and_keeps_a_stroke() -> None:
    ink = np.zeros((12, 12), dtype=np.float32)
    ink[2:10, 5:8] = 1.0
    ink[0, 0] = 1.0
    filtered = median3(ink)
    assert filtered[0, 0] == 0.0
    np.testing.assert_array_equal(filtered[3:9, 5:8], 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_salt_and_pepper_digit_reads_like_the_clean_one(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = preprocess(_clean_digit())
    noisy = _salt_and_pepper(_clean_digit(), 0.05, seed)
    assert similarity(clean, preprocess(noisy)) > 0.85
    assert bbox_long_side(preprocess(noisy)) >= 18  # the digit keeps its size
    _without_despeckling(monkeypatch)
    # Without the step, the specks stretch the box and the digit shrinks: the test can fail.
    assert similarity(clean, preprocess(noisy)) < 0.7


def test_dust_on_a_photographed_page_does_not_shrink_the_digit() -> None:
    page = np.asarray(draw_digit((280, 280)), dtype=np.uint8).copy()
    rng = np.random.default_rng(5)
    rows, cols = rng.integers(0, 280, 60), rng.integers(0, 280, 60)
    page[rows, cols] = 0  # black dust on white paper
    field = preprocess(page)
    assert bbox_long_side(field) >= 18
    assert similarity(preprocess(np.asarray(draw_digit((280, 280)))), field) > 0.9


def test_clean_synthetic_digits_are_left_alone() -> None:
    glyphs, _ = make_glyphs(200, seed=11)
    for glyph in glyphs:
        assert despeckle(np.asarray(glyph, dtype=np.float32) / 255) is None


def test_clean_mnist_digits_come_back_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = test_data_dir()
    if reference is None:
        digits = np.stack([np.asarray(g, dtype=np.uint8) for g in make_glyphs(300, seed=12)[0]])
    else:
        digits = load_split(reference, "mnist", "test", download=False)[0][:1000]
    with_step = np.stack([preprocess(digit) for digit in digits])
    _without_despeckling(monkeypatch)
    without_step = np.stack([preprocess(digit) for digit in digits])
    np.testing.assert_array_equal(with_step, without_step)


def test_one_pixel_strokes_are_not_erased() -> None:
    """A median erases a hairline: then the image is left as it is rather than made blank."""
    ink = np.zeros((28, 28), dtype=np.float32)
    ink[4:24, 14] = 1.0
    ink[(2, 25, 3, 20), (3, 4, 24, 25)] = 1.0
    assert count_specks(ink) >= speckle.MIN_SPECKS
    assert despeckle(ink) is None
