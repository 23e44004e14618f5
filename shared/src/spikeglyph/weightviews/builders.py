"""A model version's weight figures, built from its ``weights.safetensors`` tensors.

Which figures depend on what the network is, read from the tensors themselves (so fixed-point
and other copies of a family draw like it):

* conv networks: the first layer's kernels (one k×k tile per channel); the second layer's
  kernels summarised per output channel (one row per output channel, one column per input
  channel, each cell the kernel's summed weight: which first-layer features a second-layer
  channel excites or inhibits); and, when given, the spike-triggered average of the input for
  the sampled hidden neurons (:mod:`spikeglyph.weightviews.sta`);
* fc networks: the first hidden layer's input weights, one 28×28 tile per neuron;
* STDP networks: every excitatory neuron's 784 input weights as a 28×28 tile, labelled with
  the class the neuron was assigned (Diehl & Cook's figure).

A fixed-point copy draws like its float network, from its 8-bit weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import Manifest
from spikeglyph.weightfigures import PIXELS, input_weight_tiles, kernel_tiles
from spikeglyph.weightviews.figure import Figure

MAX_TILES = 400  # tiles per figure: bounds the work and the answer (the STDP model has 400)

Tensors = Mapping[str, np.ndarray]


# A fixed-point copy (family ``fixedpoint``) stores its 8-bit weights, batch norm and input
# normalisation folded in, under the names of the layers they replace.
FIXED_POINT_NAMES = {
    "w_conv1": "convs.0.weight",
    "w_conv2": "convs.1.weight",
    "w_fc1": "fcs.0.weight",
    "w_readout": "readout.weight",
}


def float_names(tensors: Tensors) -> Tensors:
    """``tensors`` under the float network's names (a fixed-point copy's renamed)."""
    if "w_readout" not in tensors:
        return tensors
    return {FIXED_POINT_NAMES.get(name, name): value for name, value in tensors.items()}


def network_kind(tensors: Tensors) -> str:
    """``conv``, ``fc`` or ``stdp``, from the tensors a model directory holds."""
    if "convs.0.weight" in tensors:
        return "conv"
    if "weights" in tensors and "assignments" in tensors:
        return "stdp"
    if "fcs.0.weight" in tensors or "readout.weight" in tensors:
        return "fc"
    raise InvalidModel("these weights are of no network the weight figures know")


def weight_figures(
    manifest: Manifest, tensors: Tensors, sta: np.ndarray | None = None
) -> list[Figure]:
    """Every figure of one version (``sta``: spike-triggered averages [H, 28, 28], conv only)."""
    tensors = float_names(tensors)
    kind = network_kind(tensors)
    if kind == "stdp":
        return [stdp_figure(tensors, manifest.class_names)]
    if kind == "fc":
        return [fc_figure(tensors)]
    figures = [conv1_figure(tensors)]
    if "convs.1.weight" in tensors:
        figures.append(conv2_figure(tensors))
    if sta is not None:
        figures.append(sta_figure(sta, tensors))
    return figures


def conv1_figure(tensors: Tensors) -> Figure:
    tiles = kernel_tiles(tensors["convs.0.weight"])
    k = tiles.shape[-1]
    return Figure(
        name="conv1",
        title=f"First convolution: {len(tiles)} kernels, {k}×{k}",
        description=(
            f"{len(tiles)} small heatmaps, one per first-layer channel: the {k}×{k} weights "
            "that channel applies to the image; red excites, blue inhibits, white is zero."
        ),
        tiles=tiles,
    )


def conv2_figure(tensors: Tensors) -> Figure:
    weight = np.asarray(tensors["convs.1.weight"], dtype=np.float64)  # [out, in, k, k]
    summary = weight.sum(axis=(2, 3))
    return Figure(
        name="conv2",
        title=f"Second convolution per output channel: {summary.shape[0]} × {summary.shape[1]}",
        description=(
            f"A heatmap with one row per second-layer channel ({summary.shape[0]}) and one "
            f"column per first-layer channel ({summary.shape[1]}); each cell is the summed "
            "weight of that kernel: red where the first-layer feature excites the channel, "
            "blue where it inhibits it."
        ),
        tiles=summary[None],
    )


def sta_figure(sta: np.ndarray, tensors: Tensors) -> Figure:
    indices = tensors.get("hidden_idx")
    labels = tuple(f"#{int(i)}" for i in indices) if indices is not None else None
    tiles = np.asarray(sta, dtype=np.float64)[:MAX_TILES]
    return Figure(
        name="sta",
        title=f"Spike-triggered average of the input, {len(tiles)} sampled hidden neurons",
        description=(
            f"{len(tiles)} 28×28 tiles, one per sampled neuron of the hidden layer: the "
            "average input image weighted by that neuron's spikes, minus the average image, "
            "over the first 256 validation images carved from the training file; red is ink "
            "that makes it fire."
        ),
        tiles=tiles,
        labels=labels[: len(tiles)] if labels is not None else None,
    )


def fc_figure(tensors: Tensors) -> Figure:
    name = "fcs.0.weight" if "fcs.0.weight" in tensors else "readout.weight"
    weight = np.asarray(tensors[name])
    if weight.ndim != 2 or weight.shape[1] != PIXELS:
        raise InvalidModel(f"{name} has shape {weight.shape}, not [neurons, 784]")
    tiles = input_weight_tiles(weight[:MAX_TILES], inputs_first=False)
    layer = "fc1" if name.startswith("fcs") else "readout"
    return Figure(
        name=layer,
        title=f"Hidden layer input weights: {len(tiles)} of {weight.shape[0]} neurons",
        description=(
            f"{len(tiles)} 28×28 tiles, one per neuron of {layer}: its weight from each input "
            "pixel, where the pixel is; red excites, blue inhibits."
        ),
        tiles=tiles,
    )


def stdp_figure(tensors: Tensors, class_names: list[str]) -> Figure:
    weight = np.asarray(tensors["weights"])  # [784, N]
    assignments = np.asarray(tensors["assignments"])
    tiles = input_weight_tiles(weight[:, :MAX_TILES], inputs_first=True)
    labels = tuple(_class_label(int(a), class_names) for a in assignments[: len(tiles)])
    return Figure(
        name="exc",
        title=f"Excitatory neurons' input weights: {len(tiles)} neurons",
        description=(
            f"{len(tiles)} 28×28 tiles, one per excitatory neuron: its learnt weight from "
            "each input pixel (darker red is stronger), labelled with the class it was "
            "assigned; most tiles look like the digit they stand for."
        ),
        tiles=tiles,
        labels=labels,
        signed=False,
        columns=20,
    )


def _class_label(assigned: int, class_names: list[str]) -> str:
    return class_names[assigned] if 0 <= assigned < len(class_names) else "–"
