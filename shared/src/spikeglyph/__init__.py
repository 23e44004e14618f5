"""SpikeGlyph: spiking neural network digit recognition.

The package is split so that serving never pulls torch:

* the torch-free core (this package's top-level modules): dataset readers, image
  preprocessing, the ONNX Runtime wrapper, energy accounting, the model directory format and
  registry, pydantic schemas, settings and the HTTP client;
* the training extra, :mod:`spikeglyph.train` (``pip install spikeglyph[train]``): snntorch
  models, encoders, training loops, ONNX export, quantisation and structural plasticity.
"""

__version__ = "0.1.0"
