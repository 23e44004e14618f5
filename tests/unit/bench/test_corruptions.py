"""The MNIST-C-style corruptions of bench/_corruptions.py: deterministic, in range, and real."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _corruptions import CORRUPTIONS, NOISE, corrupt

from tests.support.datasets import make_glyphs


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return make_glyphs(6, seed=2)[0]


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_each_corruption_is_seeded_and_changes_the_digits(name: str, digits: np.ndarray) -> None:
    first = corrupt(name, digits, seed=0)
    assert first.shape == digits.shape and first.dtype == np.uint8
    np.testing.assert_array_equal(first, corrupt(name, digits, seed=0))
    assert not np.array_equal(first, digits)


def test_random_corruptions_differ_between_seeds(digits: np.ndarray) -> None:
    assert not np.array_equal(corrupt("rotate", digits, 0), corrupt("rotate", digits, 1))
    assert not np.array_equal(
        corrupt("impulse_noise", digits, 0), corrupt("impulse_noise", digits, 1)
    )


def test_impulse_noise_hits_about_five_percent_of_the_pixels(digits: np.ndarray) -> None:
    noisy = corrupt("impulse_noise", np.full((200, 28, 28), 128, dtype=np.uint8))
    hit = (noisy != 128).mean()
    assert 0.045 < hit < 0.055
    assert set(np.unique(noisy)) == {0, 128, 255}


def test_speckle_marks_the_paper_and_keeps_the_ink(digits: np.ndarray) -> None:
    specked = corrupt("speckle", digits)
    assert np.all(specked >= digits)  # specks only add brightness
    paper = digits == 0
    assert (specked[paper] > 0).sum() >= 15 * len(digits) * 0.8


def test_the_noise_set_names_known_corruptions() -> None:
    assert set(NOISE) <= set(CORRUPTIONS)
