"""A stand-in for the ONNX model: real manifests and outputs, a predictable decision.

The fake runner answers the class ``round(ink sum) % 10`` of each image, records every batch it
is given and can be held at a gate, so tests control exactly when a batch finishes.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI
from PIL import Image, ImageDraw

from spikeglyph.errors import ChecksumMismatch, ModelNotFound, RegistryUnavailable
from spikeglyph.modeldir import Manifest
from spikeglyph.runtime import BatchOutputs, build_prediction
from spikeglyph.schemas import MNIST_CLASSES, LatencyMs, Prediction, RegistryEvent

T = 4
HIDDEN = 6


def make_manifest(version: str = "v1") -> Manifest:
    return Manifest(
        version=version,
        dataset="mnist",
        class_names=list(MNIST_CLASSES),
        architecture={"kind": "fc"},
        timesteps=T,
        energy={
            "spiking_layers": [{"name": "fc1", "neurons": 32}, {"name": "out", "neurons": 10}],
            "hidden_sample": {"layer": "fc1", "indices": list(range(HIDDEN))},
            "first_layer_macs": 784 * 32,
            "ann_macs": 784 * 32 + 32 * 10,
        },
    )


class FakeRunner:
    def __init__(self, version: str = "v1", *, gate: threading.Event | None = None) -> None:
        self.manifest = make_manifest(version)
        self.gate = gate
        self.batches: list[int] = []
        self.started = threading.Event()
        self.warmups: list[tuple[int, ...]] = []

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def device(self) -> str:
        return "cpu"

    def run(self, images: np.ndarray) -> BatchOutputs:
        batch = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10), "test gate never opened"
        self.batches.append(len(batch))
        b = len(batch)
        digits = np.rint(batch.sum(axis=(1, 2))).astype(int) % 10
        logits = np.full((b, 10), -2.0, dtype=np.float32)
        logits[np.arange(b), digits] = 3.0
        raster = np.zeros((b, T, 10), dtype=np.float32)
        raster[np.arange(b), :, digits] = 1.0
        return BatchOutputs(
            logits=logits,
            spike_counts=raster.sum(axis=1),
            membrane=raster * 0.5,
            output_spikes=raster,
            layer_spikes=np.tile(np.array([[40.0, float(T)]], dtype=np.float32), (b, 1)),
            layer_sops=np.tile(np.array([[400.0]], dtype=np.float32), (b, 1)),
            hidden_spikes=np.zeros((b, T, HIDDEN), dtype=np.float32),
        )

    def warmup(self, batch_sizes: tuple[int, ...] = (1,)) -> None:
        self.warmups.append(tuple(batch_sizes))

    def prediction(
        self,
        outputs: BatchOutputs,
        index: int,
        latency: LatencyMs,
        *,
        compact: bool = False,
        image: np.ndarray | None = None,
    ) -> Prediction:
        return build_prediction(
            self.manifest, outputs, index, latency, compact=compact, image=image
        )


class FakeRegistry:
    """In-memory registry: versions map to runners' directories; some can be 'tampered'."""

    def __init__(self, active: str | None = None) -> None:
        self.active = active
        self.tampered: set[str] = set()
        self.down = False
        self.events: queue.Queue[RegistryEvent] = queue.Queue()
        self.delivered = 0

    def active_version(self) -> str | None:
        if self.down:
            raise RegistryUnavailable("redis is down")
        return self.active

    def load_verified(self, version: str) -> tuple[Path, Manifest]:
        if version in self.tampered:
            raise ChecksumMismatch(f"{version}: model.onnx does not match its manifest")
        return Path("/registry") / version, make_manifest(version)

    def listen(
        self,
        on_event: Callable[[RegistryEvent], None],
        stop: threading.Event,
        *,
        known_active: str | None = None,
    ) -> None:
        while not stop.is_set():
            try:
                event = self.events.get(timeout=0.02)
            except queue.Empty:
                continue
            on_event(event)
            self.delivered += 1

    def emit(self, kind: str, version: str) -> None:
        """Announce an event the way Redis pub/sub would."""
        self.events.put(RegistryEvent(type=kind, version=version))  # type: ignore[arg-type]


def runner_by_dir(runners: dict[str, FakeRunner]) -> Callable[[Path], FakeRunner]:
    """A runner factory: the directory's last component names the fake runner to hand out."""

    def build(path: Path) -> FakeRunner:
        name = Path(path).name
        if name not in runners:
            raise ModelNotFound(f"no model at {path}")
        return runners[name]

    return build


def png(draw: Callable[[ImageDraw.ImageDraw], Any] | None = None, size: int = 64) -> bytes:
    """A black stroke on white paper (a '1'), or whatever ``draw`` paints."""
    image = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(image)
    if draw is None:
        pen.line([(size // 2, size // 6), (size // 2, size * 5 // 6)], fill=0, width=size // 10)
    else:
        draw(pen)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


@contextlib.asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``app`` in-process, with its lifespan running."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://inference") as client:
            yield client
