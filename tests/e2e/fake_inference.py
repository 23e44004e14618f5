"""A stand-in recogniser for the fake API: real preprocessing, a nearest-centroid classifier and
spike telemetry simulated with leaky integrate-and-fire output neurons.

It exists so the browser tests exercise the page with answers that depend on the image (an
MNIST test digit is recognised, a drawing changes the answer) and carry every field of
``spikeglyph.schemas.Prediction``, without the real services.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from spikeglyph.energy import estimate
from spikeglyph.errors import BlankImage, InvalidImage, UnsupportedImage
from spikeglyph.schemas import CLASS_NAMES

# A small convolutional SNN's shape: (name, neurons, fan-out of each spike).
LAYERS: tuple[tuple[str, int, int], ...] = (
    ("conv1", 12 * 24 * 24, 64 * 25 // 4),  # 2×2 pooling shares each spike
    ("conv2", 64 * 8 * 8, 10),
    ("fc_out", 10, 0),
)
FIRST_LAYER_MACS = 12 * 24 * 24 * 25
ANN_MACS = FIRST_LAYER_MACS + 64 * 8 * 8 * 12 * 25 + 64 * 4 * 4 * 10
THRESHOLD = 1.0
BETA = 0.9
HIDDEN_SAMPLE = 48


def read_idx_images(path: Path, limit: int) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        header = fh.read(16)
        count = min(int.from_bytes(header[4:8], "big"), limit)
        data = fh.read(count * 28 * 28)
    return np.frombuffer(data, dtype=np.uint8).reshape(count, 28, 28)


def read_idx_labels(path: Path, limit: int) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        header = fh.read(8)
        count = min(int.from_bytes(header[4:8], "big"), limit)
        return np.frombuffer(fh.read(count), dtype=np.uint8)


def decode(data: bytes) -> np.ndarray:
    """Image bytes → grey levels 0..255 (float), refusing what is not an image."""
    if not data:
        raise InvalidImage("The upload is empty.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            grey = image.convert("L")
    except UnidentifiedImageError as exc:
        raise UnsupportedImage("Expected an image (PNG, JPEG, WebP, GIF, BMP).") from exc
    except (OSError, ValueError) as exc:
        raise InvalidImage("The image is truncated or corrupt.") from exc
    return np.asarray(grey, dtype=np.float64)


def preprocess(grey: np.ndarray) -> np.ndarray:
    """MNIST-style 28×28: ink is bright, cropped to its box, 20 px, centre of mass centred."""
    if np.median(grey) > 127:  # dark ink on light paper: flip so ink is bright
        grey = 255.0 - grey
    grey = np.clip(grey - np.median(grey), 0, None)
    if grey.max() <= 0:
        raise BlankImage("The image holds no ink to recognise.")
    ys, xs = np.nonzero(grey > 0.25 * grey.max())
    crop = grey[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = 20.0 / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = Image.fromarray(crop.astype(np.uint8)).resize(size, Image.Resampling.LANCZOS)
    digit = np.asarray(small, dtype=np.float64)
    canvas = np.zeros((28, 28))
    top, left = (28 - digit.shape[0]) // 2, (28 - digit.shape[1]) // 2
    canvas[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    total = canvas.sum()
    rows, cols = np.indices(canvas.shape)
    dy = round(13.5 - (rows * canvas).sum() / total)
    dx = round(13.5 - (cols * canvas).sum() / total)
    canvas = np.roll(np.roll(canvas, dy, axis=0), dx, axis=1)
    normalised: np.ndarray = np.clip(canvas / max(canvas.max(), 1e-9), 0.0, 1.0)
    return normalised


@dataclass
class FakeModel:
    """One fake model version: class centroids and the encoder its telemetry imitates."""

    version: str
    dataset: str
    encoder: str
    timesteps: int
    centroids: np.ndarray  # [10, 784]


def load_centroids(data_dir: Path | None, dataset: str) -> np.ndarray:
    """Mean training image per class; a fixed random template set when the data is absent."""
    folder = data_dir / dataset if data_dir else None
    images_path = folder / "train-images-idx3-ubyte.gz" if folder else None
    if images_path is not None and images_path.exists():
        images = read_idx_images(images_path, 12000).reshape(-1, 784) / 255.0
        labels = read_idx_labels(folder / "train-labels-idx1-ubyte.gz", 12000)  # type: ignore[operator]
        return np.stack([images[labels == k].mean(axis=0) for k in range(10)])
    rng = np.random.default_rng(0)
    return rng.random((10, 784))


def _lif_output(drive: np.ndarray, timesteps: int) -> tuple[list[list[int]], list[list[float]]]:
    """Leaky integrate-and-fire with subtractive reset on a constant drive per class."""
    mem = np.zeros_like(drive)
    raster, trace = [], []
    for _ in range(timesteps):
        mem = BETA * mem + drive
        spikes = (mem >= THRESHOLD).astype(int)
        trace.append([round(float(v), 4) for v in mem])
        mem = mem - spikes * THRESHOLD
        raster.append(spikes.tolist())
    return raster, trace


def predict(model: FakeModel, data: bytes) -> dict[str, Any]:
    """The full Prediction JSON for one image."""
    started = time.perf_counter()
    pixels = preprocess(decode(data))
    prep_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    flat = pixels.reshape(-1)
    distances = np.linalg.norm(model.centroids - flat, axis=1)
    logits = -(distances - distances.min()) * 2.5
    probs = np.exp(logits) / np.exp(logits).sum()
    digit = int(np.argmax(probs))
    rng = np.random.default_rng(int(hashlib.sha256(data).hexdigest()[:8], 16))

    output_raster, membrane = _lif_output(0.15 + 1.1 * probs, model.timesteps)
    hidden_rates = rng.uniform(0.02, 0.45, HIDDEN_SAMPLE)
    hidden = (rng.random((model.timesteps, HIDDEN_SAMPLE)) < hidden_rates).astype(int)
    input_raster = None
    if model.encoder != "direct":
        input_raster = (rng.random((model.timesteps, 784)) < flat * 0.8).astype(int).tolist()

    rates = [float(hidden.mean()) * 0.25, float(hidden.mean()), float(np.mean(output_raster))]
    layers, sops = [], 0.0
    for (name, neurons, fan_out), rate in zip(LAYERS, rates, strict=True):
        spikes = round(rate * neurons * model.timesteps)
        sops += spikes * fan_out
        layers.append({"name": name, "neurons": neurons, "spikes": spikes, "rate": rate})
    compute_ms = (time.perf_counter() - started) * 1000
    names = list(CLASS_NAMES[model.dataset])
    return {
        "digit": digit,
        "label": names[digit],
        "probabilities": [float(p) for p in probs],
        "confidence": float(probs[digit]),
        "class_names": names,
        "model_version": model.version,
        "dataset": model.dataset,
        "latency_ms": {"queue": 0.2, "preprocess": prep_ms, "compute": compute_ms, "total": 0.0},
        "spikes": {
            "timesteps": model.timesteps,
            "threshold": THRESHOLD,
            "layers": layers,
            "output_raster": output_raster,
            "output_membrane": membrane,
            "hidden_layer": "conv2",
            "hidden_neurons": sorted(rng.choice(64 * 8 * 8, HIDDEN_SAMPLE, replace=False).tolist()),
            "hidden_raster": hidden.tolist(),
            "input_raster": input_raster,
        },
        "energy": estimate(sops, FIRST_LAYER_MACS, ANN_MACS).model_dump(),
        "input": [[round(float(v), 4) for v in row] for row in pixels],
    }
