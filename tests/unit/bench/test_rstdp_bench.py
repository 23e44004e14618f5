"""The pure parts of bench/bench_rstdp.py: the stream's transforms and the job's settings.

The stream must be what it says (digits moved and thickened, the same for a seed), and its
"job defaults" setting must be the finetune job's own defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from _rstdp import shifted, stream_images, thickened
from bench_rstdp import STREAM_SETTINGS

from spikeglyph.schemas import FinetuneParams


def _dot() -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.uint8)
    image[10, 12] = 200
    return image


def test_a_shift_moves_the_ink_and_lets_black_in() -> None:
    moved = shifted(_dot(), 3, -2)
    assert moved[13, 10] == 200 and moved.sum() == 200
    assert shifted(_dot(), 0, -20).sum() == 0  # moved out of the frame


def test_thickening_dilates_every_stroke_by_its_radius() -> None:
    thick = thickened(_dot(), 1)
    assert (thick == 200).sum() == 9 and thick[9:12, 11:14].min() == 200


def test_the_stream_is_shifted_thickened_and_fixed_by_its_seed() -> None:
    rng = np.random.default_rng(0)
    images = (rng.random((50, 28, 28)) > 0.9).astype(np.uint8) * 255
    labels = np.arange(50) % 10
    first, first_labels, _ = stream_images(images, labels, 20, seed=1)
    again, _, _ = stream_images(images, labels, 20, seed=1)
    other, _, _ = stream_images(images, labels, 20, seed=2)
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert first.shape == (20, 28, 28) and first_labels.dtype == np.int64
    # more ink than any original digit of that density: every digit was thickened
    assert (first > 0).sum(axis=(1, 2)).min() > (images > 0).sum(axis=(1, 2)).max()


def test_the_job_defaults_setting_is_the_finetune_jobs_defaults() -> None:
    assert STREAM_SETTINGS["job_defaults"] == {}
    stronger = FinetuneParams(**STREAM_SETTINGS["stronger"])
    assert stronger.lr_factor > FinetuneParams().lr_factor
