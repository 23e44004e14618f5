"""Spike-triggered averages: the arithmetic, and export storing them so the served figures
match what ONNX Runtime computes on the same images."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spikeglyph.modeldir import read_manifest
from spikeglyph.runtime import ModelRunner
from spikeglyph.weightsta import served_sta
from spikeglyph.weightviews import figure_set
from spikeglyph.weightviews.sta import STA_NAME, spike_triggered_average
from tests.unit.figures.weight_models import exported_conv


def test_the_average_is_spike_weighted_minus_the_mean_and_silent_neurons_are_blank() -> None:
    images = np.zeros((3, 28, 28))
    images[0, 0, 0] = 1.0
    images[1, 0, 1] = 1.0
    counts = np.array([[3, 0], [1, 0], [0, 0]])  # neuron 0 fires for image 0 mostly; 1 never
    sta = spike_triggered_average(images, counts)
    assert sta.shape == (2, 28, 28)
    assert np.isclose(sta[0, 0, 0], 3 / 4 - 1 / 3) and np.isclose(sta[0, 0, 1], 1 / 4 - 1 / 3)
    assert np.isclose(sta[0, 5, 5], 0.0) and not sta[1].any()


def test_export_stores_the_averages_that_onnx_runtime_computes(tmp_path: Path) -> None:
    model_dir, pixels = exported_conv(tmp_path, "v1")
    assert STA_NAME in read_manifest(model_dir).files
    sta = next(f for f in figure_set(model_dir).figures if f.name == "sta")
    served = served_sta(ModelRunner(model_dir, device="cpu"), pixels)
    assert sta.tiles.shape == served.shape and np.abs(sta.tiles).max() > 0
    np.testing.assert_allclose(sta.tiles, served, atol=1e-5)
