"""ONNX Runtime wrapper: load a verified model directory and run batches (torch-free).

The exported graph's interface (written by :mod:`spikeglyph.train.export`):

inputs
    ``image``: float32 ``[B, 1, 28, 28]``, the output of :func:`spikeglyph.preprocess`
    (ink = 1, paper = 0); normalisation happens inside the graph.
outputs
    ``logits`` ``[B, C]``: the decision (accumulated charge of the output neurons per step);
    ``spike_counts`` ``[B, C]``: output spikes over the T steps;
    ``membrane`` ``[B, T, C]``: output membrane potential at each step, before reset;
    ``output_spikes`` ``[B, T, C]``: 0/1 output raster;
    ``layer_spikes`` ``[B, L]``: total spikes of every spiking layer (names in the manifest);
    ``layer_sops`` ``[B, S]``: synaptic operations caused by those spikes per synaptic layer;
    ``hidden_spikes`` ``[B, T, H]``: raster of a fixed sample of hidden neurons;
    ``input_spikes`` ``[B, T, 784]`` (only for spike encoders): the encoded input.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from spikeglyph import energy
from spikeglyph.errors import DeviceUnavailable, InvalidModel
from spikeglyph.modeldir import INT8_ONNX_NAME, ONNX_NAME, Manifest, load_manifest
from spikeglyph.schemas import LatencyMs, LayerSpikes, Prediction, SpikeTelemetry

log = logging.getLogger(__name__)

REQUIRED_OUTPUTS = (
    "logits",
    "spike_counts",
    "membrane",
    "output_spikes",
    "layer_spikes",
    "layer_sops",
    "hidden_spikes",
)


@dataclass(frozen=True)
class BatchOutputs:
    logits: np.ndarray
    spike_counts: np.ndarray
    membrane: np.ndarray
    output_spikes: np.ndarray
    layer_spikes: np.ndarray
    layer_sops: np.ndarray
    hidden_spikes: np.ndarray
    input_spikes: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.logits.shape[0])


def select_providers(device: str) -> list[str]:
    """ONNX Runtime execution providers for ``auto``, ``cpu`` or ``cuda``."""
    available = ort.get_available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    has_cuda = "CUDAExecutionProvider" in available
    if device == "cuda" and not has_cuda:
        raise DeviceUnavailable(
            "SPIKEGLYPH_DEVICE=cuda but this ONNX Runtime has no CUDA execution provider "
            f"(available: {', '.join(available)}); install onnxruntime-gpu or use auto/cpu"
        )
    if has_cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return out


def answered_probabilities(probs: np.ndarray) -> list[float]:
    """Probabilities as every API answers them (rounded to 6 places), so that the REST answer
    and the tensor protocol's give the same numbers."""
    return [round(float(p), 6) for p in probs]


class ModelRunner:
    """One loaded, verified model version and its ONNX Runtime session.

    ``run`` is thread-safe (ONNX Runtime sessions are); a runner is immutable once built, so a
    hot swap replaces the whole object.
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        device: str = "auto",
        variant: str | None = None,
        intra_op_threads: int | None = None,
        verify: bool = True,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.manifest: Manifest = load_manifest(self.model_dir, verify=verify)
        onnx_name = INT8_ONNX_NAME if variant == "int8" else ONNX_NAME
        if onnx_name not in self.manifest.files:
            raise InvalidModel(f"{self.manifest.version} has no {onnx_name}")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = intra_op_threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        requested = select_providers(device)
        self.session = ort.InferenceSession(
            str(self.model_dir / onnx_name), sess_options=options, providers=requested
        )
        self.providers: list[str] = list(self.session.get_providers())
        if device == "cuda" and "CUDAExecutionProvider" not in self.providers:
            raise DeviceUnavailable("the CUDA execution provider failed to initialise")
        names = {o.name for o in self.session.get_outputs()}
        missing = [n for n in REQUIRED_OUTPUTS if n not in names]
        if missing:
            raise InvalidModel(f"{self.manifest.version}: ONNX graph lacks outputs {missing}")
        self._output_names = [n for n in (*REQUIRED_OUTPUTS, "input_spikes") if n in names]

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def device(self) -> str:
        return "cuda" if self.providers and self.providers[0] == "CUDAExecutionProvider" else "cpu"

    def run(self, images: np.ndarray) -> BatchOutputs:
        """Run a batch of preprocessed images, ``[B, 28, 28]`` or ``[B, 1, 28, 28]``."""
        batch = np.asarray(images, dtype=np.float32)
        if batch.ndim == 2:
            batch = batch[None]
        if batch.ndim == 3:
            batch = batch[:, None]
        if batch.shape[1:] != (1, 28, 28):
            raise ValueError(f"expected images of shape [B, 1, 28, 28], got {list(batch.shape)}")
        values = self.session.run(self._output_names, {"image": np.ascontiguousarray(batch)})
        out: dict[str, Any] = dict(zip(self._output_names, values, strict=True))
        return BatchOutputs(**out)

    def warmup(self, batch_sizes: tuple[int, ...] = (1, 8)) -> None:
        """Run dummy batches so the first real request does not pay for allocation."""
        for size in batch_sizes:
            self.run(np.zeros((size, 1, 28, 28), dtype=np.float32))

    def prediction(
        self,
        outputs: BatchOutputs,
        index: int,
        latency: LatencyMs,
        *,
        compact: bool = False,
        image: np.ndarray | None = None,
    ) -> Prediction:
        """The API answer for sample ``index`` of a batch."""
        return build_prediction(
            self.manifest, outputs, index, latency, compact=compact, image=image
        )


def build_prediction(
    manifest: Manifest,
    outputs: BatchOutputs,
    index: int,
    latency: LatencyMs,
    *,
    compact: bool = False,
    image: np.ndarray | None = None,
) -> Prediction:
    logits = outputs.logits[index]
    probs = softmax(logits.astype(np.float64))
    digit = int(np.argmax(logits))
    spec = manifest.energy
    estimate = energy.estimate_from_outputs(outputs.layer_sops[index], spec)
    telemetry = None
    if not compact:
        telemetry = _telemetry(manifest, outputs, index)
    return Prediction(
        digit=digit,
        label=manifest.class_names[digit],
        probabilities=answered_probabilities(probs),
        confidence=float(probs[digit]),
        class_names=list(manifest.class_names),
        model_version=manifest.version,
        dataset=manifest.dataset,
        latency_ms=latency,
        spikes=telemetry,
        energy=estimate,
        input=None if compact or image is None else np.round(image.reshape(28, 28), 3).tolist(),
    )


def _telemetry(manifest: Manifest, outputs: BatchOutputs, index: int) -> SpikeTelemetry:
    spec = manifest.energy
    t = manifest.timesteps
    layers = []
    for layer, count in zip(
        spec.get("spiking_layers", []), outputs.layer_spikes[index], strict=False
    ):
        neurons = int(layer["neurons"])
        layers.append(
            LayerSpikes(
                name=str(layer["name"]),
                neurons=neurons,
                spikes=round(float(count)),
                rate=float(count) / (neurons * t) if neurons else 0.0,
            )
        )
    hidden = spec.get("hidden_sample", {})
    input_raster = None
    if outputs.input_spikes is not None:
        input_raster = outputs.input_spikes[index].astype(np.int8).tolist()
    return SpikeTelemetry(
        timesteps=t,
        threshold=manifest.threshold,
        layers=layers,
        output_raster=outputs.output_spikes[index].astype(np.int8).tolist(),
        output_membrane=np.round(outputs.membrane[index], 4).tolist(),
        hidden_layer=hidden.get("layer"),
        hidden_neurons=list(hidden.get("indices", [])),
        hidden_raster=outputs.hidden_spikes[index].astype(np.int8).tolist(),
        input_raster=input_raster,
    )
