"""SpikeGlyph: spiking neural network digit recognition.

The package is split into layers, each installed by an extra, so that serving never pulls torch
and a client never pulls a server:

* the core (``pip install spikeglyph``): errors, schemas, settings, the model directory format,
  energy accounting; no NumPy or Pillow, so the gateway carries neither;
* ``imaging``: NumPy and Pillow, for image preprocessing, dataset readers, tensors, encoders and
  weight figures;
* ``client``: :mod:`spikeglyph.client`, the HTTP client (with ``imaging``);
* ``runtime``: :mod:`spikeglyph.runtime`, the ONNX Runtime wrapper (with ``imaging``);
* ``store``: :mod:`spikeglyph.stores`, the model registry, feedback and job stores in Redis;
* ``server``: :mod:`spikeglyph.server`, what both services' FastAPI apps share;
* ``cli``: :mod:`spikeglyph.cli`, the ``spikeglyph`` command;
* ``train``: :mod:`spikeglyph.train`, snntorch models, encoders, training loops, ONNX export,
  quantisation and structural plasticity.

The import-linter contracts in the repository's ``pyproject.toml`` keep each layer to what its
extra installs.
"""

__version__ = "0.1.0"
