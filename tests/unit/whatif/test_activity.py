"""The reference activity: its arithmetic, and that every shipped model carries it (and the
surrogate-gradient ones their what-if graph, spike for spike with the torch model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spikeglyph.activity import layer_distribution, spike_count_fractions
from spikeglyph.modeldir import load_manifest

REPO = Path(__file__).resolve().parents[3]
SHIPPED = sorted(p for p in (REPO / "models").iterdir() if (p / "manifest.json").is_file())


def test_spike_counts_per_neuron_are_fractions_of_neurons_per_count() -> None:
    raster = np.zeros((1, 4, 3), np.int8)  # one image, T = 4, three neurons
    raster[0, :, 0] = 1  # fires 4 times
    raster[0, 1, 1] = 1  # once; the third never
    assert spike_count_fractions(raster) == pytest.approx([1 / 3, 1 / 3, 0, 0, 1 / 3])


def test_a_layer_distribution_is_a_histogram_with_ordered_percentiles() -> None:
    rates = np.random.default_rng(0).uniform(0.1, 0.3, 500)
    shown = layer_distribution(rates)
    assert sum(shown["fractions"]) == pytest.approx(1.0, abs=1e-4)
    assert len(shown["edges"]) == len(shown["fractions"]) + 1
    assert shown["edges"][-1] >= rates.max()
    p = shown["percentiles"]
    assert p["5"] < p["50"] < p["95"] and shown["mean"] == pytest.approx(rates.mean(), abs=1e-5)


@pytest.mark.parametrize("model", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_model_carries_its_lab_variants(model: Path) -> None:
    manifest = load_manifest(model)  # every listed file, the what-if graph included, verified
    activity = manifest.variants["activity"]
    names = [layer["name"] for layer in manifest.energy["spiking_layers"]]
    assert [layer["name"] for layer in activity["layers"]] == names
    assert activity["timesteps"] == manifest.timesteps and activity["n"] == 512
    if manifest.family == "surrogate":
        parity = manifest.variants["whatif"]["parity"]
        assert parity["identical_spike_counts"] and parity["prediction_agreement"] == 1.0
        assert "model.whatif.onnx" in manifest.files
    else:
        assert "whatif" not in manifest.variants
