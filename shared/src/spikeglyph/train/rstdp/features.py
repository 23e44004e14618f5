"""The frozen STDP features an R-STDP readout learns from, computed once and cached.

The unsupervised layer never changes while the readout learns, so its served (deterministic)
response to an image is a fixed feature: the excitatory spike train. Trains are sparse (tens
of spikes per image among T·N slots), so they are stored as events ``(image, step, neuron)``
in an ``.npz`` file (numpy arrays only, never a pickle) keyed by the STDP model's weight
checksum and the split, and tuning a readout costs seconds instead of a pass over the data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch

from spikeglyph.train.stdp.network import StdpNet

log = logging.getLogger(__name__)

Counts = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SpikeEvents:
    """Excitatory spikes of ``images`` presentations: event ``k`` is neuron ``neuron[k]``
    firing at step ``step[k]`` of image ``image[k]``."""

    images: int
    steps: int
    neurons: int
    image: npt.NDArray[np.int32]
    step: npt.NDArray[np.int16]
    neuron: npt.NDArray[np.int16]

    def counts(self) -> Counts:
        """Spike counts [images, neurons]: the readout's presynaptic activity."""
        out = np.zeros((self.images, self.neurons), dtype=np.float32)
        np.add.at(out, (self.image, self.neuron), 1.0)
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez_compressed(
            tmp,
            shape=np.array([self.images, self.steps, self.neurons], dtype=np.int64),
            image=self.image,
            step=self.step,
            neuron=self.neuron,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> SpikeEvents:
        with np.load(path, allow_pickle=False) as data:
            images, steps, neurons = (int(v) for v in data["shape"])
            return cls(images, steps, neurons, data["image"], data["step"], data["neuron"])


@torch.no_grad()
def spike_events(net: StdpNet, images: torch.Tensor, batch_size: int = 250) -> SpikeEvents:
    """Served excitatory spikes of float images [M, 784] as events."""
    parts: list[torch.Tensor] = []
    for start in range(0, len(images), batch_size):
        spikes = net.respond(images[start : start + batch_size]).spikes  # [T, B, N]
        where = spikes.nonzero()  # rows (t, b, n)
        where[:, 1] += start
        parts.append(where.cpu())
    events = torch.cat(parts) if parts else torch.zeros((0, 3), dtype=torch.long)
    return SpikeEvents(
        images=len(images),
        steps=net.spec.timesteps,
        neurons=net.spec.neurons,
        image=events[:, 1].numpy().astype(np.int32),
        step=events[:, 0].numpy().astype(np.int16),
        neuron=events[:, 2].numpy().astype(np.int16),
    )


def cached_events(net: StdpNet, images: torch.Tensor, path: Path) -> SpikeEvents:
    """The events of ``images`` from ``path`` if it holds them, else computed and stored."""
    if path.is_file():
        cached = SpikeEvents.load(path)
        if cached.images == len(images) and cached.neurons == net.spec.neurons:
            return cached
        log.warning("%s holds features of other images; computing them again", path)
    events = spike_events(net, images)
    events.save(path)
    return events


CHUNK = 2500  # images per cache file: an interrupted pass keeps what it finished


def feature_key(weights_sha256: str, split: str, start: int) -> str:
    """The cache file of ``CHUNK`` images of ``split`` from ``start``, for one STDP model."""
    return f"{weights_sha256[:12]}-{split}-{start:05d}.npz"


def split_counts(
    net: StdpNet, images: np.ndarray, *, weights_sha256: str, split: str, cache_dir: Path
) -> Counts:
    """Spike counts [M, N] of uint8 images [M, 28, 28] of ``split``, cached chunk by chunk."""
    parts = []
    for start in range(0, len(images), CHUNK):
        chunk = images[start : start + CHUNK]
        flat = torch.from_numpy(np.ascontiguousarray(chunk)).flatten(1).float().div_(255.0)
        path = cache_dir / feature_key(weights_sha256, split, start)
        parts.append(cached_events(net, flat.to(net.weights.device), path).counts())
    return np.concatenate(parts) if parts else np.zeros((0, net.spec.neurons), np.float32)


def image_counts(net: StdpNet, images: np.ndarray) -> Counts:
    """Spike counts [M, N] of a few uint8 images (feedback), not cached."""
    flat = torch.from_numpy(np.ascontiguousarray(images)).flatten(1).float().div_(255.0)
    return spike_events(net, flat.to(net.weights.device)).counts()
