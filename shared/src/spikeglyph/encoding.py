"""How an image drives the network over time, in NumPy: the input side of the what-if graph.

The served graph (``model.onnx``) encodes its input inside the graph with the model's own
encoder. The what-if graph (``model.whatif.onnx``, :mod:`spikeglyph.whatif_runtime`) takes the
drive of every time step as an input instead, so the encoder becomes a knob: these functions
build that drive, exactly as the training encoders of :mod:`spikeglyph.train.encoders` do
(whose constants are defined here, once):

* ``direct`` — the normalised image as a constant analog current at every step;
* ``rate`` — Bernoulli spikes with probability ``clip(gain·x)``, drawn from NumPy's generator
  seeded with ``seed`` (so a seed gives the same spikes on every call, but not the table the
  torch encoder of a rate-trained model draws with the same seed);
* ``latency`` — one spike per pixel brighter than :data:`LATENCY_FLOOR`, at
  ``t = round((1 − x)·(T − 1))`` (brighter fires earlier).
"""

from __future__ import annotations

import numpy as np

from spikeglyph.recipe.specs import EncoderName

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
"""The normalisation of the direct encoder (MNIST's pixel mean and standard deviation)."""
LATENCY_FLOOR = 0.05
"""Pixels at or below this intensity never fire under the latency encoder."""


def drive(
    image: np.ndarray,
    encoder: EncoderName,
    *,
    steps: int,
    length: int,
    seed: int = 0,
    gain: float = 1.0,
) -> np.ndarray:
    """The input of each time step, float32 ``[length, 1, 28, 28]``, for a 28×28 image in
    [0, 1]; steps from ``steps`` on are zero (a causal network never looks at them)."""
    if not 1 <= steps <= length:
        raise ValueError(f"steps must be between 1 and {length}")
    x = np.asarray(image, dtype=np.float32).reshape(1, 28, 28)
    out = np.zeros((length, 1, 28, 28), dtype=np.float32)
    if encoder == "direct":
        out[:steps] = (x - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)
    elif encoder == "rate":
        noise = np.random.default_rng(seed).random((steps, 1, 28, 28), dtype=np.float32)
        out[:steps] = noise < np.clip(x * np.float32(gain), 0.0, 1.0)
    elif encoder == "latency":
        fire_at = np.round((1.0 - np.clip(x, 0.0, 1.0)) * (steps - 1))
        t = np.arange(steps, dtype=np.float32).reshape(steps, 1, 1, 1)
        out[:steps] = (t == fire_at) & (x > LATENCY_FLOOR)
    else:
        raise ValueError(f"unknown encoder {encoder!r}")
    return out
