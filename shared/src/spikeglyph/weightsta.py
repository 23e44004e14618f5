"""The spike-triggered averages of a model with ONNX Runtime, exactly as the model is served,
for directories exported without them (see :mod:`spikeglyph.weightviews.sta`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spikeglyph.runtime import ModelRunner
from spikeglyph.weightviews.sta import spike_triggered_average

BATCH = 128


def served_sta(runner: ModelRunner, images: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Tiles [H, 28, 28], one per sampled hidden neuron, from uint8 images [N, 28, 28]."""
    pixels = np.asarray(images, dtype=np.float32).reshape(-1, 1, 28, 28) / 255.0
    counts = [
        runner.run(pixels[start : start + BATCH]).hidden_spikes.sum(axis=1)
        for start in range(0, len(pixels), BATCH)
    ]
    return spike_triggered_average(pixels, np.concatenate(counts) if counts else np.zeros((0, 0)))
