"""Run an exported NIR graph in snnTorch, one time step per call, and record what it does.

The simulator is snnTorch's NIR importer: its node converter
(``snntorch.import_nir._nir_to_snntorch_module``) turns each NIR node into a torch layer or an
``snntorch.Leaky`` neuron, and NIRTorch's interpreter (``nirtorch.nir_to_torch``) wires them
into a module that advances the graph by one step per call. Norse's importer was not chosen: its
LIF ignores ``r`` (it integrates v ← v + dt/τ·(v_leak − v + I)), so it would scale every input
current of this export (R = τ/dt) by 1 − β; snnTorch honours ``r``.

``snntorch.import_nir.import_from_nir`` fixes its node map, and that map cannot run these
graphs as they stand, so this module builds the map itself: snnTorch's converter for the nodes
it maps faithfully (Affine, Conv2d, LIF), NIRTorch's default for SumPool2d (``LPPool2d`` with
p = 1, an exact sum on 0/1 spikes), and four adaptations, each a departure from
``import_from_nir`` that the NIR definitions call for:

* **IF**: snnTorch builds a *leaky* neuron (β = 0.9) returning a (spikes, membrane) pair; NIR's
  IF integrates without leak, so it becomes ``Leaky(β = 1)``. Like snnTorch (which requires
  r = 1) and Norse, the step is read as v ← v + R·I, independent of dt.
* **Threshold** has no converter in snnTorch or NIRTorch: it becomes Θ(x − θ), 1 where x > θ.
* **Flatten**: NIR's dimensions exclude the batch axis, but the importers apply them to batched
  tensors (``start_dim=0`` flattens the batch away); they are shifted by one.
* **State**: the imported neurons keep their membranes between calls (``init_hidden``), so
  :func:`simulate` zeroes them before each batch.

**Resets.** NIR's LIF and IF reset *to* ``v_reset`` (snnTorch: ``reset_mechanism="zero"``);
SpikeGlyph's neurons reset *by subtraction* by default, and its output neurons always do.
``semantics="nir"`` simulates what the file says, as any NIR consumer would; ``"metadata"``
applies the resets the graph's metadata records (``reset``, ``output_reset``) with snnTorch's
``reset_mechanism="subtract"`` and ``reset_delay=True``, which is SpikeGlyph's own dynamics —
so a difference left in that mode is not the reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import nir
import nirtorch
import numpy as np
import snntorch as snn
import torch
from snntorch.import_nir import _nir_to_snntorch_module
from torch import nn

from spikeglyph.errors import InvalidModel

Semantics = Literal["nir", "metadata"]
SIMULATOR = "snntorch"  # the package whose NIR importer runs the graph
OUTPUT_NODE = "output_if"
READOUT_NODE = "readout"


class Heaviside(nn.Module):
    """NIR's Threshold node: 1 where the input exceeds θ, else 0."""

    def __init__(self, threshold: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("threshold", torch.from_numpy(np.asarray(threshold, np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > self.threshold).to(x.dtype)


def _single(values: np.ndarray, what: str) -> float:
    unique = np.unique(values)
    if unique.size != 1:
        raise InvalidModel(f"the simulator needs one {what} per layer, got {unique.size}")
    return float(unique[0])


def _check_reset_to_zero(node: nir.LIF | nir.IF) -> None:
    if node.v_reset is not None and not np.allclose(node.v_reset, 0.0):
        raise InvalidModel("the simulator resets neurons to 0; this graph has v_reset != 0")


def _neuron(beta: Any, threshold: float, reset: str, *, nir_semantics: bool) -> snn.Leaky:
    """A stepped snnTorch neuron: reset to zero at once (NIR), or by subtraction one step
    later (SpikeGlyph's ``lif_sequence``, which is snnTorch's ``reset_delay=True``)."""
    zero = nir_semantics or reset == "zero"
    return snn.Leaky(
        beta=beta,
        threshold=threshold,
        reset_mechanism="zero" if zero else "subtract",
        reset_delay=not zero,
        init_hidden=True,
    )


def _map_lif(node: nir.LIF, reset: str, nir_semantics: bool) -> snn.Leaky:
    _check_reset_to_zero(node)
    imported = _nir_to_snntorch_module(node, init_hidden=True)  # snnTorch's own conversion
    if nir_semantics or reset == "zero":
        return imported
    return _neuron(imported.beta, float(imported.threshold), reset, nir_semantics=False)


def _map_if(node: nir.IF, reset: str, nir_semantics: bool) -> snn.Leaky:
    _check_reset_to_zero(node)
    if not np.allclose(node.r, 1.0):
        raise InvalidModel("the simulator's IF neurons need r = 1 (as snnTorch's importer does)")
    threshold = _single(node.v_threshold, "IF threshold")
    return _neuron(1.0, threshold, reset, nir_semantics=nir_semantics)


def _map_flatten(node: nir.Flatten) -> nn.Flatten:
    start, end = int(node.start_dim), int(node.end_dim)
    return nn.Flatten(start + 1 if start >= 0 else start, end + 1 if end >= 0 else end)


def node_map(
    metadata: dict[str, Any], semantics: Semantics
) -> dict[type, Callable[[Any], nn.Module]]:
    """The NIR → snnTorch conversions (see the module docstring)."""
    hidden_reset = str(metadata.get("reset", "zero"))
    output_reset = str(metadata.get("output_reset", "zero"))
    nir_semantics = semantics == "nir"

    def snntorch_node(node: Any) -> nn.Module:
        module: nn.Module = _nir_to_snntorch_module(node, init_hidden=True)
        return module

    return {
        nir.Affine: snntorch_node,
        nir.Conv2d: snntorch_node,
        nir.LIF: lambda n: _map_lif(n, hidden_reset, nir_semantics),
        nir.IF: lambda n: _map_if(n, output_reset, nir_semantics),
        nir.Threshold: lambda n: Heaviside(n.threshold),
        nir.Flatten: _map_flatten,
    }


def build_simulator(graph: nir.NIRGraph, semantics: Semantics = "nir") -> torch.fx.GraphModule:
    """The graph as a module that advances one time step per call: ``(x, state) -> (y, state)``."""
    if semantics not in ("nir", "metadata"):
        raise ValueError(f"unknown semantics {semantics!r}: choose nir or metadata")
    module: torch.fx.GraphModule = nirtorch.nir_to_torch(graph, node_map(graph.metadata, semantics))
    return module.eval()


@dataclass(frozen=True)
class SimTrace:
    """What the simulated graph did for a batch of B images over T steps."""

    readout_current: np.ndarray  # [B, T, C]: output of the readout node (the logits' source)
    output_spikes: np.ndarray  # [B, T, C]: spikes of the output neurons (the graph's output)
    layer_spikes: dict[str, np.ndarray]  # neuron node name → total spikes per image [B]

    @property
    def logits(self) -> np.ndarray:
        """Mean readout current over the steps: SpikeGlyph's definition of the logits."""
        logits: np.ndarray = self.readout_current.mean(1)
        return logits

    @property
    def spike_counts(self) -> np.ndarray:
        counts: np.ndarray = self.output_spikes.sum(1)
        return counts


def neuron_nodes(graph: nir.NIRGraph) -> list[str]:
    """Names of the graph's spiking nodes (LIF and IF) in the order of its chain of edges."""
    following = dict(graph.edges)
    names, name = [], "input"
    while name in following:
        name = following[name]
        if isinstance(graph.nodes[name], nir.LIF | nir.IF):
            names.append(name)
    return names


def reset_state(module: nn.Module) -> None:
    """Forget every membrane (snnTorch re-creates zeros of the next input's shape)."""
    for layer in module.modules():
        if isinstance(layer, snn.Leaky):
            layer.mem = torch.zeros(0)


@torch.no_grad()
def simulate(module: torch.fx.GraphModule, inputs: torch.Tensor, neurons: list[str]) -> SimTrace:
    """Step ``module`` through ``inputs`` ``[T, B, ...]`` (what the graph's input receives at
    each step) from rest, recording the readout current and every spiking layer."""
    reset_state(module)
    record: dict[str, list[torch.Tensor]] = {name: [] for name in [READOUT_NODE, *neurons]}
    hooks = [
        module.get_submodule(name).register_forward_hook(
            lambda _m, _i, out, name=name: record[name].append(out)
        )
        for name in record
    ]
    try:
        state = None
        for step in inputs:
            _, state = module(step, state)
    finally:
        for hook in hooks:
            hook.remove()
    batch = inputs.shape[1]
    return SimTrace(
        readout_current=torch.stack(record[READOUT_NODE], 1).numpy(),
        output_spikes=torch.stack(record[OUTPUT_NODE], 1).numpy(),
        layer_spikes={
            name: torch.stack(record[name]).reshape(len(inputs), batch, -1).sum((0, 2)).numpy()
            for name in neurons
        },
    )
