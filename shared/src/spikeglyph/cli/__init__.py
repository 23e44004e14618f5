"""``spikeglyph`` — train, evaluate, export, predict and inspect models from the shell.

One module per command. torch is imported only when a command needs it (``train`` once its
recipe is resolved, ``export``); ``evaluate``, ``predict``, ``info`` and ``train --help`` /
``--print-recipe`` run on the torch-free core, and the first three with ONNX Runtime,
exactly as served; ``publish`` uploads a model directory to a running gateway; ``weights``
draws a model's weight figures as PNG files; ``readout`` learns a reward-modulated readout of an
STDP model's features.
"""

from spikeglyph.cli import evaluate, export, info, predict, publish, readout, train, weights
from spikeglyph.cli.app import app, main

__all__ = [
    "app",
    "evaluate",
    "export",
    "info",
    "main",
    "predict",
    "publish",
    "readout",
    "train",
    "weights",
]
