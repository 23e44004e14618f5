"""How much a model's layers usually fire: the reference a prediction's activity is shown against.

Computed once per version, when the version's lab variants are exported
(``spikeglyph export --model DIR --whatif``), from the served graph's own outputs on a fixed
reference set (the first :data:`REFERENCE_IMAGES` images of the validation split), and stored
in the manifest under ``variants.activity``, immutable with the version. Two views:

* per layer, the distribution over the reference images of the layer's firing rate (spikes per
  neuron per step): a histogram, its mean and percentiles, so one prediction's rate can be
  placed in it;
* per observed neuron (the sampled hidden neurons and the output layer), the fraction of
  (image, neuron) pairs that fired 0, 1, …, T times: the same counts the page draws for one
  prediction from its rasters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

REFERENCE_IMAGES = 512
BINS = 20


def layer_distribution(rates: np.ndarray) -> dict[str, Any]:
    """Histogram and percentiles of per-image firing rates ``[N]`` of one layer."""
    rates = np.asarray(rates, dtype=np.float64)
    top = float(np.quantile(rates, 0.995)) * 1.25 if len(rates) else 0.0
    top = min(1.0, max(top, 1e-3))
    counts, edges = np.histogram(np.clip(rates, 0.0, top), bins=BINS, range=(0.0, top))
    return {
        "edges": [round(float(e), 6) for e in edges],
        "fractions": [round(float(c) / max(len(rates), 1), 6) for c in counts],
        "mean": round(float(rates.mean()), 6) if len(rates) else 0.0,
        "percentiles": {
            str(q): round(float(np.quantile(rates, q / 100)), 6) if len(rates) else 0.0
            for q in (5, 50, 95)
        },
    }


def spike_count_fractions(raster: np.ndarray) -> list[float]:
    """Fraction of (image, neuron) pairs firing k = 0…T times, from rasters ``[N, T, units]``."""
    raster = np.asarray(raster)
    steps = raster.shape[1]
    per_neuron = raster.sum(axis=1).astype(np.int64).ravel()
    counts = np.bincount(per_neuron, minlength=steps + 1)[: steps + 1]
    return [round(float(c) / max(per_neuron.size, 1), 6) for c in counts]


def reference_activity(
    layers: Sequence[dict[str, Any]],
    layer_spikes: np.ndarray,
    hidden_spikes: np.ndarray,
    output_spikes: np.ndarray,
    *,
    timesteps: int,
    hidden_layer: str | None,
    source: str,
) -> dict[str, Any]:
    """``variants.activity`` from the served graph's outputs on the reference set.

    ``layers`` are the manifest's ``energy.spiking_layers`` (name, neurons), in the order of
    ``layer_spikes`` ``[N, L]``; the rasters are ``[N, T, units]``.
    """
    n = int(layer_spikes.shape[0])
    per_layer = []
    for i, layer in enumerate(layers):
        size = int(layer["neurons"])
        rates = layer_spikes[:, i] / float(size * timesteps) if size else np.zeros(n)
        per_layer.append({"name": str(layer["name"]), "neurons": size, **layer_distribution(rates)})
    observed: list[dict[str, Any]] = []
    if hidden_layer is not None and hidden_spikes.size:
        observed.append({"layer": hidden_layer, "fractions": spike_count_fractions(hidden_spikes)})
    observed.append({"layer": "output", "fractions": spike_count_fractions(output_spikes)})
    return {
        "reference": source,
        "n": n,
        "timesteps": timesteps,
        "layers": per_layer,
        "neurons": observed,
    }
