"""The spike-triggered average of the input, from images and the spikes they caused.

What a hidden neuron of a conv network "looks for" is not in its weights (they see feature
maps, not pixels), so it is measured: over a fixed set of images, the images are averaged
weighted by the neuron's spike count, and the average image of the set is subtracted, so a
tile shows what makes the neuron fire more than the average digit does, on the diverging
scale of the other weight figures. A neuron that never fired gets an all-zero tile.

The set is the first 256 validation images carved from the training file — the images every
export measures its telemetry on — and the neurons are the graph's hidden sample (the ones the
page's raster shows). Export computes it with the torch graph (parity-checked against the
ONNX one) and stores it in the model directory as :data:`STA_NAME`; ``spikeglyph weights``
computes the same with ONNX Runtime for directories exported before that.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STA_NAME = "sta.safetensors"
STA_TENSOR = "sta"
STA_IMAGES = 256


def spike_triggered_average(
    images: npt.ArrayLike, spike_counts: npt.ArrayLike
) -> npt.NDArray[np.float32]:
    """Tiles [H, 28, 28] from images [N, …28×28] (0 paper, 1 ink) and spike counts [N, H]."""
    pixels = np.asarray(images, dtype=np.float64).reshape(-1, 28 * 28)
    counts = np.asarray(spike_counts, dtype=np.float64)
    if len(pixels) == 0 or counts.shape[0] != len(pixels):
        raise ValueError(
            f"one row of spike counts per image expected: {counts.shape} for {len(pixels)}"
        )
    total = counts.sum(axis=0)  # [H]
    mean_given_spike = (counts.T @ pixels) / np.maximum(total, 1e-12)[:, None]
    sta = np.where(total[:, None] > 0, mean_given_spike - pixels.mean(axis=0), 0.0)
    return sta.reshape(-1, 28, 28).astype(np.float32)
