"""Scoring the fixed-point copy against its float parent, and its ONNX graph against torch."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from spikeglyph.train.fixedpoint.network import FixedPointNet, SaturationTally
from spikeglyph.train.loop import to_tensor
from spikeglyph.train.network import SpikingNet

BATCH = 500


class SplitScore(NamedTuple):
    """Both models on one split: accuracies, per-class accuracy and how often registers
    saturated in the fixed-point copy."""

    n: int
    float_accuracy: float
    fixed_accuracy: float
    fixed_per_class: list[float]
    saturation: dict[str, Any]

    @property
    def delta(self) -> float:
        """Fixed-point minus float accuracy (0..1; negative: the copy loses accuracy)."""
        return self.fixed_accuracy - self.float_accuracy


@torch.no_grad()
def fixed_predictions(
    model: FixedPointNet, images: np.ndarray, tally: SaturationTally | None = None
) -> np.ndarray:
    """Predicted classes of uint8 images [N, 28, 28], counting saturation into ``tally``."""
    out = [
        model.run(to_tensor(images[start : start + BATCH]), tally)[0].argmax(1).numpy()
        for start in range(0, len(images), BATCH)
    ]
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


@torch.no_grad()
def float_predictions(net: SpikingNet, images: np.ndarray) -> np.ndarray:
    """Predicted classes of the float parent (Heaviside spikes, as served)."""
    net.eval()
    out = [
        net(to_tensor(images[start : start + BATCH])).logits.argmax(1).numpy()
        for start in range(0, len(images), BATCH)
    ]
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float((predicted == labels).mean()) if len(labels) else 0.0


def per_class_accuracy(predicted: np.ndarray, labels: np.ndarray, classes: int) -> list[float]:
    return [accuracy(predicted[labels == c], labels[labels == c]) for c in range(classes)]


def fixed_accuracy(model: FixedPointNet, images: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of a :class:`FixedPointNet` on uint8 images."""
    return accuracy(fixed_predictions(model, images), labels)


def float_accuracy(net: SpikingNet, images: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of the float parent on uint8 images."""
    return accuracy(float_predictions(net, images), labels)


def score_split(
    net: SpikingNet, fixed: FixedPointNet, images: np.ndarray, labels: np.ndarray
) -> SplitScore:
    """Float parent and fixed-point copy on the same images."""
    tally = SaturationTally()
    predicted = fixed_predictions(fixed, images, tally)
    return SplitScore(
        n=len(labels),
        float_accuracy=float_accuracy(net, images, labels),
        fixed_accuracy=accuracy(predicted, labels),
        fixed_per_class=per_class_accuracy(predicted, labels, net.arch.classes),
        saturation=tally.summary(),
    )


def export_fixed_onnx(model: FixedPointNet) -> bytes:
    """The ONNX graph of ``model.forward`` (batch axis dynamic, T unrolled)."""
    names = model.output_names()
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # T is a constant of the model: the tracer may (correctly) treat it as one.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            (torch.zeros(2, 1, 28, 28),),
            buffer,
            input_names=["image"],
            output_names=names,
            dynamic_axes={"image": {0: "batch"}, **{n: {0: "batch"} for n in names}},
            opset_version=17,
            dynamo=False,
        )
    return buffer.getvalue()


def fixed_parity(model: FixedPointNet, onnx_path: Path, images: np.ndarray) -> dict[str, Any]:
    """torch vs ONNX Runtime on float images [B, 1, 28, 28]: must agree exactly."""
    import onnxruntime as ort

    names = model.output_names()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = [v.numpy() for v in model(torch.from_numpy(images))]
    got = session.run(names, {"image": images})
    by_name = dict(zip(names, zip(expected, got, strict=True), strict=True))
    spikes, membrane = by_name["layer_spikes"], by_name["membrane"]
    return {
        "n": len(images),
        "prediction_agreement": float(
            (by_name["logits"][0].argmax(1) == by_name["logits"][1].argmax(1)).mean()
        ),
        "identical_spike_counts": bool(np.array_equal(spikes[0], spikes[1])),
        "identical_membranes": bool(np.array_equal(membrane[0], membrane[1])),
        "max_logit_diff": float(np.abs(by_name["logits"][0] - by_name["logits"][1]).max()),
    }


def parity_ok(report: dict[str, Any]) -> bool:
    return bool(
        report["prediction_agreement"] == 1.0
        and report["identical_spike_counts"]
        and report["identical_membranes"]
    )
