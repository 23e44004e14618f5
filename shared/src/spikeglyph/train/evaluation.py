"""Running a trained network on uint8 images: the device, the tensors, the accuracy.

Shared by the training loop (validation), the whole jobs and the export checks; importable
from :mod:`spikeglyph.train.loop` as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from spikeglyph.errors import DeviceUnavailable
from spikeglyph.train.network import SpikingNet


def pick_device(device: str) -> torch.device:
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("--device cuda, but torch sees no CUDA device")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 [N, 28, 28] → float [N, 1, 28, 28] in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).float().div_(255.0)


@torch.no_grad()
def evaluate_net(
    model: SpikingNet,
    images: np.ndarray,
    labels: np.ndarray,
    device: torch.device,
    batch: int = 500,
) -> dict[str, Any]:
    """Accuracy, per-class accuracy and mean firing rate of ``model`` on uint8 images."""
    model.eval()
    correct = np.zeros(model.arch.classes, dtype=np.int64)
    total = np.zeros(model.arch.classes, dtype=np.int64)
    rates = []
    for start in range(0, len(images), batch):
        x = to_tensor(images[start : start + batch]).to(device)
        y = labels[start : start + batch].astype(np.int64)
        out = model(x)
        pred = out.logits.argmax(1).cpu().numpy()
        np.add.at(total, y, 1)
        np.add.at(correct, y[pred == y], 1)
        rates.append(float(torch.stack(out.rates).mean()) if out.rates else 0.0)
    n = int(total.sum())
    per_class = [float(c / t) if t else 0.0 for c, t in zip(correct, total, strict=True)]
    return {
        "accuracy": float(correct.sum() / max(1, n)),
        "n": n,
        "per_class": per_class,
        "firing_rate": float(np.mean(rates)) if rates else 0.0,
    }


def val_sample(images: np.ndarray, n: int = 256) -> np.ndarray:
    """The first ``n`` validation images as float [n, 1, 28, 28]: what a model directory's
    export checks, telemetry figures and raster neurons are measured on."""
    return to_tensor(images[:n]).numpy()
