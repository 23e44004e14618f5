"""Export surrogate-gradient models to NIR, the Neuromorphic Intermediate Representation.

A ``.nir`` file (HDF5, PyPI ``nir``) is what Lava/Loihi, SpiNNaker, Xylo, Norse, snnTorch and
other toolchains read. The graph is a chain:

fc    ``input → [fc_i (Affine) → lif_fc_i (LIF)]… → readout (Affine) → output_if (IF) → output``
conv  ``input → [conv_i (Conv2d, batch norm folded) → lif_conv_i (LIF) → pool_i (SumPool2d 2×2)
      → spike_i (Threshold 0.5)]… → flatten → [fc…] → readout → output_if → output``

Choices, each recorded in the graph metadata:

* **Input**: the graph takes what the first layer sees — the normalised image
  (x − 0.1307)/0.3081 as a constant current per step (direct encoding), or 0/1 spikes for the
  rate and latency encoders. Folding the normalisation into a padded convolution would not be
  exact at the borders, so it is left outside.
* **LIF**: NIR's τ·dv/dt = (v_leak − v) + R·I, integrated with forward Euler at ``dt``, equals
  the discrete v ← β·v + I when τ = dt/(1 − β) and R = τ/dt (snnTorch's own convention).
  NIR neurons reset *to* ``v_reset`` = 0; SpikeGlyph's default resets *by subtraction*, which
  differs whenever the membrane overshoots the threshold (``metadata.reset`` says which, and
  ``metadata.output_reset`` for the output neurons, which always subtract). So a model trained
  with ``reset="zero"`` runs exactly as NIR defines it up to the readout current (its decision);
  a subtracting one only where the consumer honours the metadata.
  :mod:`spikeglyph.train.nir_check` simulates the file and measures both.
* **Max-pooling** has no NIR primitive, but on binary spikes it is exact as a 2×2 sum-pool
  followed by a threshold at 0.5 (any spike in the window) — so conv models export fully.
* **Readout**: SpikeGlyph's logits are the mean input current of the readout (the ``readout``
  Affine node); the integrate-and-fire output neurons (IF, reset by subtraction) are the spikes
  the services show.
* Adaptive-threshold (ALIF) models are refused: NIR has no such neuron. So are conv models
  that max-pool input currents (``pool="current"``): unlike spikes, currents are not binary,
  so no sum-pool and threshold can express their maximum (train with ``--pool spikes``).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import nir
import numpy as np
import torch

from spikeglyph.errors import InvalidModel
from spikeglyph.train.modelio import load_model
from spikeglyph.train.network import MNIST_MEAN, MNIST_STD, SpikingNet

DT = 1e-4  # seconds per step in the exported time constants (snnTorch uses the same)


def _np(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32)


def lif_node(beta: float, threshold: float, shape: tuple[int, ...], dt: float) -> nir.LIF:
    """The NIR LIF whose Euler step at ``dt`` is v ← β·v + I."""
    tau = dt / (1.0 - beta)
    return nir.LIF(
        tau=np.full(shape, tau, dtype=np.float32),
        r=np.full(shape, tau / dt, dtype=np.float32),
        v_leak=np.zeros(shape, dtype=np.float32),
        v_threshold=np.full(shape, threshold, dtype=np.float32),
        v_reset=np.zeros(shape, dtype=np.float32),
    )


def folded_conv(net: SpikingNet, index: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of conv ``index`` with its batch norm (eval statistics) folded in."""
    conv, norm = net.convs[index], net.norms[index]
    weight = conv.weight.detach()
    bias = conv.bias.detach() if conv.bias is not None else torch.zeros(conv.out_channels)
    if isinstance(norm, torch.nn.BatchNorm2d):
        assert norm.running_var is not None and norm.running_mean is not None
        gain = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps)
        weight = weight * gain.view(-1, 1, 1, 1)
        bias = (bias - norm.running_mean) * gain + norm.bias.detach()
    return weight, bias


def check_exportable(net: SpikingNet) -> None:
    """Refuse the models NIR cannot express (see the module docstring)."""
    if net.arch.neuron.adaptive:
        raise InvalidModel("NIR has no adaptive-threshold neuron; this model uses ALIF")
    if net.arch.residual:
        raise InvalidModel("NIR export writes feed-forward chains; this model has residual blocks")
    if net.arch.kind == "conv" and net.arch.pool == "current":
        raise InvalidModel(
            "NIR has no max-pooling, and this model max-pools input currents "
            "(pool=current); only models that pool spikes export to NIR: train with "
            "--pool spikes, as the shipped models/mnist-spikes is"
        )


Nodes = list[tuple[str, nir.NIRNode]]


def conv_nodes(net: SpikingNet, dt: float) -> Nodes:
    """conv → LIF → 2×2 sum-pool → threshold per conv layer, then flatten (conv models)."""
    nodes: Nodes = []
    size, channels = 28, 1
    threshold = net.arch.neuron.threshold
    for i, layer in enumerate(net.convs):
        weight, bias = folded_conv(net, i)
        conv = nir.Conv2d(
            input_shape=(size, size),
            weight=_np(weight),
            stride=1,
            padding=net.arch.kernel // 2,
            dilation=1,
            groups=1,
            bias=_np(bias),
        )
        channels = layer.out_channels
        beta = float(net.conv_lifs[i].beta.detach())
        lif = lif_node(beta, threshold, (channels, size, size), dt)
        window = np.array([2, 2])
        pool = nir.SumPool2d(kernel_size=window, stride=window, padding=np.zeros(2))
        nodes += [(f"conv{i + 1}", conv), (f"lif_conv{i + 1}", lif), (f"pool{i + 1}", pool)]
        size //= 2
        spike = nir.Threshold(threshold=np.full((channels, size, size), 0.5, dtype=np.float32))
        nodes.append((f"spike{i + 1}", spike))
    if net.arch.kind == "conv":
        shape = np.array([channels, size, size])
        nodes.append(("flatten", nir.Flatten(input_type={"input": shape}, start_dim=0, end_dim=-1)))
    return nodes


def dense_nodes(net: SpikingNet, dt: float) -> Nodes:
    """Affine → LIF per hidden layer, the readout Affine and the IF output neurons."""
    nodes: Nodes = []
    threshold = net.arch.neuron.threshold
    for i, fc in enumerate(net.fcs):
        nodes.append((f"fc{i + 1}", nir.Affine(weight=_np(fc.weight), bias=_np(fc.bias))))
        beta = float(net.fc_lifs[i].beta.detach())
        nodes.append((f"lif_fc{i + 1}", lif_node(beta, threshold, (fc.out_features,), dt)))
    readout = net.readout
    nodes.append(("readout", nir.Affine(weight=_np(readout.weight), bias=_np(readout.bias))))
    classes = readout.out_features
    output_if = nir.IF(
        r=np.ones(classes, dtype=np.float32),
        v_threshold=np.full(classes, threshold, dtype=np.float32),
        v_reset=np.zeros(classes, dtype=np.float32),
    )
    nodes.append(("output_if", output_if))
    return nodes


def to_nir(net: SpikingNet, *, dt: float = DT, version: str | None = None) -> nir.NIRGraph:
    """The NIR graph of ``net``: a chain of nodes (see the module docstring for the mapping)."""
    check_exportable(net)
    shape = [1, 28, 28] if net.arch.kind == "conv" else [784]
    classes = net.readout.out_features
    chain: Nodes = [
        ("input", nir.Input(input_type={"input": np.array(shape)})),
        *conv_nodes(net, dt),
        *dense_nodes(net, dt),
        ("output", nir.Output(output_type={"output": np.array([classes])})),
    ]
    edges = list(itertools.pairwise(name for name, _ in chain))
    return nir.NIRGraph(nodes=dict(chain), edges=edges, metadata=graph_metadata(net, dt, version))


def graph_metadata(net: SpikingNet, dt: float, version: str | None) -> dict[str, Any]:
    direct = net.encoder.kind == "direct"
    return {
        "producer": "spikeglyph",
        "model_version": version or "",
        "timesteps": net.timesteps,
        "dt": dt,
        "encoder": net.encoder.kind,
        "input": (
            f"normalised image (x - {MNIST_MEAN}) / {MNIST_STD}, constant each step"
            if direct
            else "0/1 input spikes per step"
        ),
        "reset": net.arch.neuron.reset,
        "output_reset": "subtract",  # the output neurons (``if_readout``) always subtract
        "readout": "logits = mean input current of node 'readout' over the steps",
        "max_pool": "2x2 SumPool2d then Threshold 0.5: exact for binary spikes",
    }


def export_nir(model_dir: Path, target: Path, *, dt: float = DT) -> Path:
    """Write the NIR graph of a surrogate-gradient model directory to ``target``."""
    net, manifest = load_model(model_dir)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nir.write(target, to_nir(net, dt=dt, version=manifest.version))
    return target
