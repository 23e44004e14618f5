"""Model directories for registry tests: real manifests and checksums, dummy model bytes.

The registry never runs a model, so ``model.onnx`` and ``weights.safetensors`` hold a few bytes
that differ per version (and so do their checksums).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from spikeglyph.modeldir import ONNX_NAME, WEIGHTS_NAME, Manifest, write_model_dir
from spikeglyph.schemas import MNIST_CLASSES

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def build_model_dir(
    root: Path, version: str, *, parent: str | None = None, age_rank: int = 0
) -> Path:
    """Write a valid model directory ``root/version``; a higher ``age_rank`` is newer."""
    manifest = Manifest(
        version=version,
        dataset="mnist",
        class_names=list(MNIST_CLASSES),
        architecture={"kind": "fc", "hidden": [8]},
        timesteps=4,
        parent=parent,
        created_at=EPOCH + timedelta(minutes=age_rank),
    )
    target = root / version
    write_model_dir(
        target,
        manifest,
        {ONNX_NAME: f"onnx graph of {version}".encode(), WEIGHTS_NAME: version.encode() * 3},
    )
    return target
