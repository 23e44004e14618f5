"""The spike-triggered average of the input for the sampled hidden neurons of a model.

For a conv network the hidden layer's input weights are not in pixel space, so what a hidden
neuron "looks for" is measured instead: the served ONNX graph is run (exactly as inference
runs it) on a fixed set of training images, and for each neuron of the graph's hidden sample
(``hidden_spikes``, the same neurons the page's raster shows) the images are averaged,
weighted by its spike count. The average image of the set is subtracted, so a tile shows what
makes that neuron fire more than the average digit does, on the diverging scale of the other
weight figures; a neuron that never fired gets an all-zero tile.

It needs ONNX Runtime and the training images, which the gateway does not have: the command
line (``spikeglyph weights``) draws it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spikeglyph.runtime import ModelRunner

STA_IMAGES = 512  # the first images of the training split: fixed, so figures are reproducible
BATCH = 128


def spike_triggered_average(
    runner: ModelRunner, images: npt.NDArray[np.uint8]
) -> npt.NDArray[np.float64]:
    """Tiles [H, 28, 28], one per sampled hidden neuron, from uint8 images [N, 28, 28]."""
    pixels = np.asarray(images, dtype=np.float64).reshape(len(images), -1) / 255.0
    if len(pixels) == 0:
        raise ValueError("the spike-triggered average needs at least one image")
    counts = []
    for start in range(0, len(pixels), BATCH):
        batch = pixels[start : start + BATCH].reshape(-1, 1, 28, 28)
        counts.append(runner.run(batch).hidden_spikes.sum(axis=1))  # [B, H]
    spikes = np.concatenate(counts).astype(np.float64)  # [N, H]
    total = spikes.sum(axis=0)  # [H]
    weighted = spikes.T @ pixels  # [H, 784]
    mean_image = pixels.mean(axis=0)
    sta = np.where(
        total[:, None] > 0, weighted / np.maximum(total, 1e-12)[:, None] - mean_image, 0.0
    )
    return sta.reshape(-1, 28, 28)
