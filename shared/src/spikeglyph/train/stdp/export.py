"""ONNX export of a trained STDP network and the torch ↔ ONNX Runtime parity check.

The served graph maps the network onto the runtime interface (:mod:`spikeglyph.runtime`):

``logits`` [B, C]
    the vote: mean spike count of the excitatory neurons labelled with each class;
``spike_counts`` [B, C]
    spikes of each class's neurons over the T steps (summed, not averaged);
``output_spikes`` [B, T, C]
    those spikes per step (a count per class and step, 0/1 for one winner at a time);
``membrane`` [B, T, C]
    the running vote: what ``logits`` would be if the image stopped after step t;
``layer_spikes`` [B, 2]
    excitatory and inhibitory totals; an inhibitory neuron fires one step after its partner,
    so the inhibitory total counts the excitatory spikes of steps 0 … T−2;
``layer_sops`` [B, 3]
    input → excitatory (each input spike reaches N synapses), excitatory → inhibitory (one),
    inhibitory → excitatory (N − 1), summed over every presentation the image needed: a
    boosted image also pays for the weak presentations before the one it shows;
``hidden_spikes`` [B, T, H]
    raster of the excitatory neurons listed in the manifest (the strongest of each class);
``input_spikes`` [B, T, 784]
    the deterministic Poisson input.

Weights are stored on a 2⁻¹³ grid (below 0.013 % of the mean weight): every sum of at most
784 of them is then exact in float32 whatever the order, so torch and ONNX Runtime integrate
the same currents and produce identical spikes.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from spikeglyph.runtime import REQUIRED_OUTPUTS
from spikeglyph.train.stdp.labels import class_sizes, label_onehot
from spikeglyph.train.stdp.network import Response, StdpNet

OPSET = 17
WEIGHT_GRID = 2.0**-13
OUTPUT_NAMES = [*REQUIRED_OUTPUTS, "input_spikes"]


def snap_weights(net: StdpNet) -> None:
    """Round the weights onto the exact-sum grid (done once, before labelling)."""
    with torch.no_grad():
        net.weights.copy_(torch.round(net.weights / WEIGHT_GRID) * WEIGHT_GRID)


def response_sops(response: Response, neurons: int) -> torch.Tensor:
    """[B, 3] synaptic operations of one presentation: input → excitatory (N per input
    spike), excitatory → inhibitory (1), inhibitory → excitatory (N − 1 per inhibitory spike;
    an inhibitory neuron fires one step after its partner, so within steps 1 … T−1)."""
    n = float(neurons)
    exc = response.spikes.sum((0, 2))
    inh = response.spikes[:-1].sum((0, 2))
    return torch.stack([response.inputs.sum((0, 2)) * n, exc, inh * (n - 1.0)], 1)


def presented_sops(net: StdpNet, responses: list[Response]) -> torch.Tensor:
    """[B, 3] synaptic operations of every presentation each image needed.

    The graph runs every pass for every image (branch-free), but a network that presents an
    image again only after a weak presentation pays for the passes up to the first strong
    one: pass k counts while every earlier pass was weak.
    """
    total = response_sops(responses[0], net.spec.neurons)
    still_weak = (~net.strong(responses[0])).to(total.dtype)
    for response in responses[1:]:
        total = total + response_sops(response, net.spec.neurons) * still_weak.unsqueeze(1)
        still_weak = still_weak * (~net.strong(response)).to(total.dtype)
    return total


class ServedGraph(nn.Module):
    """What the ONNX graph computes, as a module (also the torch side of the parity check)."""

    def __init__(self, net: StdpNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        net = self.net
        responses = net.present_all(image.flatten(1))
        response = net.choose(responses)
        spikes = response.spikes  # [T, B, N]
        onehot = label_onehot(net.assignments, net.classes, spikes.dtype)
        sizes = class_sizes(net.assignments, net.classes, spikes.dtype)
        per_step = spikes @ onehot  # [T, B, C]
        logits = per_step.sum(0) / sizes
        running = torch.cumsum(per_step, 0) / sizes
        exc = spikes.sum((0, 2))
        inh = spikes[:-1].sum((0, 2))
        return (
            logits,
            per_step.sum(0),
            running.transpose(0, 1),
            per_step.transpose(0, 1),
            torch.stack([exc, inh], 1),
            presented_sops(net, responses),
            spikes[:, :, net.hidden_idx].transpose(0, 1),
            response.inputs.transpose(0, 1),
        )


def torch_outputs(net: StdpNet, images: np.ndarray) -> dict[str, np.ndarray]:
    """The torch answers for float images [B, 1, 28, 28]."""
    return graph_outputs(ServedGraph(net.cpu().eval()), images)


# The served graph of a plasticity-trained network (STDP, and the R-STDP readout on it): one
# image input, the served outputs, batch as the only dynamic axis.
def export_graph(graph: torch.nn.Module) -> bytes:
    """``graph`` (a served graph in eval mode, on the CPU) as ONNX bytes."""
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # T is a constant of the model: the tracer may (correctly) treat it as one.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            graph,
            (torch.zeros(2, 1, 28, 28),),
            buffer,
            input_names=["image"],
            output_names=OUTPUT_NAMES,
            dynamic_axes={"image": {0: "batch"}, **{n: {0: "batch"} for n in OUTPUT_NAMES}},
            opset_version=OPSET,
            dynamo=False,
        )
    return buffer.getvalue()


@torch.no_grad()
def graph_outputs(graph: torch.nn.Module, images: np.ndarray) -> dict[str, np.ndarray]:
    values = graph(torch.from_numpy(images))
    return {n: v.numpy() for n, v in zip(OUTPUT_NAMES, values, strict=True)}


def graph_parity(graph: torch.nn.Module, onnx_path: Path, images: np.ndarray) -> dict[str, Any]:
    """Torch against ONNX Runtime on ``images``: decisions, potentials and every spike."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    expected = graph_outputs(graph, images)
    got = dict(zip(OUTPUT_NAMES, session.run(OUTPUT_NAMES, {"image": images}), strict=True))
    spike_diff = max(
        float(np.abs(expected[k] - got[k]).max())
        for k in ("layer_spikes", "spike_counts", "hidden_spikes", "input_spikes")
    )
    same = expected["logits"].argmax(1) == got["logits"].argmax(1)
    return {
        "n": len(images),
        "prediction_agreement": float(same.mean()),
        "max_logit_diff": float(np.abs(expected["logits"] - got["logits"]).max()),
        "max_spike_diff": spike_diff,
        "identical_spike_counts": spike_diff == 0.0,
    }
