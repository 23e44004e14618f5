"""Re-export a model directory, and add an int8-quantised ONNX copy with its accuracy delta.

Quantisation is ONNX Runtime's dynamic int8 weight quantisation (``quantize_dynamic``): the
spikes are exactly 0/1 already, so only the synaptic weights lose precision. The accuracy of
both graphs on the validation split is measured with ONNX Runtime and recorded in the manifest
under ``variants.int8``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from spikeglyph.data import load_split
from spikeglyph.modeldir import (
    INT8_ONNX_NAME,
    MANIFEST_NAME,
    Manifest,
    load_manifest,
    read_manifest,
    write_model_dir,
)
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.api import val_sample
from spikeglyph.train.modelio import load_model, save_model

INT8_VAL_SAMPLES = 5000


def reexport(model_dir: Path, *, data_dir: Path) -> Manifest:
    """Rewrite ``model.onnx`` (and the manifest) from ``weights.safetensors``."""
    if read_manifest(model_dir).family == "stdp":
        from spikeglyph.train.stdp.modelio import reexport_stdp_model

        return reexport_stdp_model(model_dir, data_dir=data_dir)
    net, manifest = load_model(model_dir)
    val_x, _ = load_split(data_dir, manifest.dataset, "val")
    kept = {k: v for k, v in manifest.model_dump().items() if k not in ("files", "created_at")}
    return save_model(
        net,
        model_dir,
        dataset=manifest.dataset,
        version=manifest.version,
        metrics=kept["metrics"],
        training=kept["training"],
        sample_images=val_sample(val_x),
        parent=manifest.parent,
        overwrite=True,
    )


def _accuracy(runner: ModelRunner, images: np.ndarray, labels: np.ndarray) -> float:
    preds = [
        runner.run(images[i : i + 500].astype(np.float32) / 255.0).logits.argmax(1)
        for i in range(0, len(images), 500)
    ]
    return float((np.concatenate(preds) == labels).mean())


def add_int8_variant(model_dir: Path, *, data_dir: Path) -> Manifest:
    """Write ``model.int8.onnx`` beside ``model.onnx`` and record its accuracy delta."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    manifest = load_manifest(model_dir)
    val_x, val_y = load_split(data_dir, manifest.dataset, "val")
    val_x, val_y = val_x[:INT8_VAL_SAMPLES], val_y[:INT8_VAL_SAMPLES]
    with tempfile.TemporaryDirectory() as tmp:
        int8_path = Path(tmp) / INT8_ONNX_NAME
        quantize_dynamic(
            str(Path(model_dir) / "model.onnx"), str(int8_path), weight_type=QuantType.QInt8
        )
        files: dict[str, Path | bytes] = {
            name: Path(model_dir) / name for name in manifest.files if name != INT8_ONNX_NAME
        }
        files[INT8_ONNX_NAME] = int8_path
        staged = write_model_dir(Path(tmp) / "staged", manifest, files)
        fp32 = _accuracy(ModelRunner(Path(tmp) / "staged", device="cpu"), val_x, val_y)
        int8 = _accuracy(
            ModelRunner(Path(tmp) / "staged", device="cpu", variant="int8"), val_x, val_y
        )
        variants = dict(staged.variants)
        variants["int8"] = {
            "file": INT8_ONNX_NAME,
            "method": "onnxruntime quantize_dynamic, QInt8 weights",
            "val_accuracy": int8,
            "fp32_val_accuracy": fp32,
            "accuracy_delta_points": round((int8 - fp32) * 100, 3),
            "val_n": len(val_y),
        }
        final = staged.model_copy(update={"variants": variants})
        files = {name: Path(tmp) / "staged" / name for name in final.files}
        assert MANIFEST_NAME not in files
        return write_model_dir(Path(model_dir), final, files, overwrite=True)
