"""ONNX export of the unrolled T-step network, and the torch ↔ ONNX Runtime parity check.

The exported graph is the same :class:`~spikeglyph.train.network.SpikingNet` with the
Heaviside spike function (surrogates only shape gradients), every time step unrolled, a dynamic
batch axis and the outputs listed in :mod:`spikeglyph.runtime`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from spikeglyph.runtime import REQUIRED_OUTPUTS
from spikeglyph.train.network import SpikingNet

OPSET = 17


@contextmanager
def exporting(net: SpikingNet) -> Iterator[SpikingNet]:
    previous, was_training = net.exporting, net.training
    net.exporting = True
    net.eval()
    try:
        yield net
    finally:
        net.exporting = previous
        net.train(was_training)


class _Graph(nn.Module):
    def __init__(self, net: SpikingNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.net(image, telemetry=True)
        values = [
            out.logits,
            out.spike_counts,
            out.membrane,
            out.output_spikes,
            out.layer_spikes,
            out.layer_sops,
            out.hidden_spikes,
        ]
        if out.input_spikes is not None:
            values.append(out.input_spikes)
        return tuple(v for v in values if v is not None)


def output_names(net: SpikingNet) -> list[str]:
    names = list(REQUIRED_OUTPUTS)
    if net.encoder.kind != "direct":
        names.append("input_spikes")
    return names


def export_onnx(net: SpikingNet) -> bytes:
    """The ONNX graph of ``net`` as bytes (batch axis dynamic)."""
    names = output_names(net)
    buffer = io.BytesIO()
    with exporting(net), torch.no_grad(), warnings.catch_warnings():
        # T is a constant of the model: the tracer may (correctly) treat it as one.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            _Graph(net),
            (torch.zeros(2, 1, 28, 28),),
            buffer,
            input_names=["image"],
            output_names=names,
            dynamic_axes={"image": {0: "batch"}, **{n: {0: "batch"} for n in names}},
            opset_version=OPSET,
            dynamo=False,
        )
    return buffer.getvalue()


@torch.no_grad()
def torch_outputs(net: SpikingNet, images: np.ndarray) -> dict[str, np.ndarray]:
    """What the torch model answers for float images [B, 1, 28, 28] (Heaviside spikes)."""
    with exporting(net):
        values = _Graph(net)(torch.from_numpy(images))
    return {n: v.numpy() for n, v in zip(output_names(net), values, strict=True)}


def parity(net: SpikingNet, onnx_path: Path, images: np.ndarray) -> dict[str, Any]:
    """Compare torch and ONNX Runtime on ``images``: decisions and spike counts must agree."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    expected = torch_outputs(net, images)
    got = dict(
        zip(output_names(net), session.run(output_names(net), {"image": images}), strict=True)
    )
    same_pred = expected["logits"].argmax(1) == got["logits"].argmax(1)
    spike_diff = np.abs(expected["layer_spikes"] - got["layer_spikes"])
    total = float(np.abs(expected["layer_spikes"]).sum())
    return {
        "n": len(images),
        "prediction_agreement": float(same_pred.mean()),
        "max_logit_diff": float(np.abs(expected["logits"] - got["logits"]).max()),
        "max_layer_spike_diff": float(spike_diff.max()),
        "identical_spike_counts": bool((spike_diff == 0).all()),
        "samples_with_identical_spikes": float((spike_diff.sum(1) == 0).mean()),
        "spike_mismatch_rate": float(spike_diff.sum() / total) if total else 0.0,
    }


# Convolutions in torch (oneDNN) and ONNX Runtime (MLAS) sum in different orders, so a membrane
# potential within ~1e-6 of the threshold can fire in one engine and not the other. Small
# networks match spike for spike; for large ones a flip in a few of millions of spike decisions
# is float rounding, not a faulty export. Anything beyond these bounds is refused.
MAX_SPIKE_MISMATCH_RATE = 1e-4
MIN_PREDICTION_AGREEMENT = 1.0


def parity_ok(report: dict[str, Any]) -> bool:
    return bool(
        report["prediction_agreement"] >= MIN_PREDICTION_AGREEMENT
        and report["spike_mismatch_rate"] <= MAX_SPIKE_MISMATCH_RATE
    )
