"""Model directories for the weight-figure tests: the shipped ones, and small derived ones
written on the spot (a fine-tune: same units; a neurogenesis: some pruned, some grown)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save

from spikeglyph.modeldir import Manifest, read_manifest, write_model_dir
from spikeglyph.schemas import utcnow

REPO = Path(__file__).resolve().parents[3]
MNIST = REPO / "models" / "mnist"
STDP = REPO / "models" / "mnist-stdp"


def write_model(
    directory: Path, version: str, tensors: dict[str, np.ndarray], **fields: Any
) -> Path:
    manifest = Manifest(
        version=version,
        dataset="mnist",
        class_names=[str(d) for d in range(10)],
        architecture={"kind": "conv"},
        timesteps=4,
        **fields,
    )
    written = write_model_dir(
        directory / version,
        manifest,
        {"model.onnx": b"onnx-" + version.encode(), "weights.safetensors": save(tensors)},
    )
    return directory / written.version


def conv_tensors(kernels: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    channels = len(kernels)
    return {
        "convs.0.weight": kernels.astype(np.float32),
        "convs.1.weight": rng.normal(size=(4, channels, 3, 3)).astype(np.float32),
        "hidden_idx": np.arange(4, dtype=np.int64),
    }


def neurogenesis_pair(
    directory: Path, prefix: str = "mnist"
) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """A parent with 6 first-layer kernels and a child that kept units 0, 2, 3, 5 (each
    changed by +0.5) and grew 2; returns both directories and both kernel stacks."""
    rng = np.random.default_rng(1)
    old = rng.normal(size=(6, 1, 3, 3)).astype(np.float32)
    kept = [0, 2, 3, 5]
    grown = rng.normal(size=(2, 1, 3, 3)).astype(np.float32)
    new = np.concatenate([old[kept] + 0.5, grown])
    parent = write_model(directory, f"{prefix}-parent", conv_tensors(old))
    report = {"pruned": [2], "grown": [2], "kept": [kept]}
    child = write_model(
        directory,
        f"{prefix}-child",
        conv_tensors(new, seed=2),
        parent=f"{prefix}-parent",
        metrics={"neurogenesis": report},
    )
    return parent, child, old, new


def version_of(directory: Path) -> str:
    return read_manifest(directory).version


def tuned_copy(source: Path, directory: Path, version: str, parent: str) -> Path:
    """A stand-in for a fine-tune of ``source``: the same network, its weights nudged, with
    ``parent`` as its lineage."""
    tensors = load_file(source / "weights.safetensors")
    rng = np.random.default_rng(3)
    name = "weights" if "weights" in tensors else "convs.0.weight"
    nudged = tensors[name] * 0.9 + rng.normal(0, 0.02, tensors[name].shape)
    tensors[name] = nudged.clip(min=0 if name == "weights" else None).astype(np.float32)
    manifest = read_manifest(source).model_copy(
        update={"version": version, "parent": parent, "files": {}, "created_at": utcnow()}
    )
    files = {
        "model.onnx": (source / "model.onnx").read_bytes(),
        "weights.safetensors": save(tensors),
    }
    written = write_model_dir(directory / version, manifest, files)
    return directory / written.version


def exported_conv(directory: Path, version: str) -> tuple[Path, np.ndarray]:
    """A small conv network with random weights strong enough to spike, exported the way
    training exports (so with its spike-triggered averages); returns the directory and the
    uint8 images its export sample was made of."""
    import torch

    from spikeglyph.train.modelio import save_model
    from spikeglyph.train.network import SpikingNet
    from spikeglyph.train.spec import ArchSpec, EncoderSpec

    torch.manual_seed(1)
    net = SpikingNet(ArchSpec(channels=(4, 8), hidden=(16,)), EncoderSpec(kind="direct"), 4)
    with torch.no_grad():
        for parameter in net.parameters():
            if parameter.dim() > 1:
                parameter.mul_(3)
    pixels = np.random.default_rng(0).integers(0, 256, (48, 28, 28), dtype=np.uint8)
    images = (pixels.astype(np.float32) / 255.0)[:, None]
    save_model(
        net.eval(),
        directory / version,
        dataset="mnist",
        version=version,
        metrics={},
        training={},
        sample_images=images,
    )
    return directory / version, pixels
