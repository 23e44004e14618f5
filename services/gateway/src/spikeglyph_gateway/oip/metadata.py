"""What the protocol's metadata routes describe: the model, its tensors, the server.

The one model is ``spikeglyph``; its versions are the registry's. The input ``image`` is listed
as FP32 (the tensor the network takes); BYTES ``[N]`` encoded images are accepted as well.
"""

from __future__ import annotations

from typing import Any

import spikeglyph

MODEL_NAME = "spikeglyph"
PLATFORM = "onnxruntime_onnx"
EXTENSIONS = ["binary_tensor_data"]

INPUTS = [{"name": "image", "datatype": "FP32", "shape": [-1, 1, 28, 28]}]
OUTPUTS = [
    {"name": "probabilities", "datatype": "FP32", "shape": [-1, 10]},
    {"name": "output_spikes", "datatype": "INT32", "shape": [-1, 10]},
    {"name": "layer_spikes", "datatype": "INT32", "shape": [-1, -1]},
]
OUTPUT_NAMES: list[str] = [str(output["name"]) for output in OUTPUTS]


def server_metadata() -> dict[str, Any]:
    return {"name": MODEL_NAME, "version": spikeglyph.__version__, "extensions": EXTENSIONS}


def model_metadata(versions: list[str]) -> dict[str, Any]:
    return {
        "name": MODEL_NAME,
        "versions": versions,
        "platform": PLATFORM,
        "inputs": INPUTS,
        "outputs": OUTPUTS,
    }


SERVER_EXAMPLE = {"name": MODEL_NAME, "version": "1.0.0", "extensions": EXTENSIONS}
MODEL_EXAMPLE = model_metadata(["mnist-conv-20261128-101500"])
INFER_FP32_EXAMPLE = {
    "id": "42",
    "inputs": [{"name": "image", "datatype": "FP32", "shape": [1, 1, 28, 28], "data": [0.0] * 784}],
    "outputs": [{"name": "probabilities"}],
}
INFER_BYTES_EXAMPLE = {
    "inputs": [{"name": "image", "datatype": "BYTES", "shape": [1], "data": ["iVBORw0KGgo..."]}]
}
INFER_RESPONSE_EXAMPLE = {
    "model_name": MODEL_NAME,
    "model_version": "mnist-conv-20261128-101500",
    "id": "42",
    "outputs": [
        {
            "name": "probabilities",
            "datatype": "FP32",
            "shape": [1, 10],
            "data": [0.01, 0.01, 0.9, 0.01, 0.01, 0.01, 0.01, 0.02, 0.01, 0.01],
        }
    ],
}
ERROR_EXAMPLE = {"error": "image values must lie in 0..1 (ink 1 on background 0), got 0..255"}
