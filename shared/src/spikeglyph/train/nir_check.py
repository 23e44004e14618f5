"""Does the exported NIR graph, simulated, do what the served model does?

:mod:`spikeglyph.train.nir_sim` runs the ``.nir`` file in snnTorch; the served model is the
ONNX graph of the same model directory in ONNX Runtime (:class:`spikeglyph.runtime.ModelRunner`).
Both see the same images, encoded as the graph's metadata says (direct encoding: the normalised
image as a constant current every step).

What "prediction" means on each side:

* **class** (``class_agreement``): the served digit is the argmax of the logits, the readout's
  mean input current; the simulated graph has the same quantity as the output of its ``readout``
  node, averaged over the steps. This is the decision both sides can produce exactly.
* **spike class** (``spike_class_agreement``): the argmax of the output neurons' spike counts on
  both sides, ties going to the lowest class on both (with T steps, ties are common; the
  ``*_spike_ties`` fields say how common).
* **spike counts** (``spike_count_agreement``): all output spike counts of an image identical;
  ``layer_spike_agreement`` does the same for each spiking layer's total, which shows where two
  runs part ways.
"""

from __future__ import annotations

import logging
from importlib.metadata import version as pkg_version
from pathlib import Path

import nir
import numpy as np
import torch
from pydantic import BaseModel

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import load_manifest
from spikeglyph.runtime import BatchOutputs, ModelRunner
from spikeglyph.train.modelio import load_model
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.nir_sim import (
    OUTPUT_NODE,
    SIMULATOR,
    Semantics,
    SimTrace,
    build_simulator,
    neuron_nodes,
    simulate,
)

log = logging.getLogger(__name__)

BATCH = 250


class NirAgreement(BaseModel):
    """Agreement of the simulated NIR graph with the served model over ``n`` images (0..1)."""

    semantics: str  # "nir" (resets as NIR defines them) or "metadata" (SpikeGlyph's resets)
    simulator: str
    simulator_version: str
    nirtorch_version: str
    n: int
    class_agreement: float
    spike_class_agreement: float
    spike_count_agreement: float
    output_spike_mismatch_rate: float  # Σ|Δ output spike counts| / Σ served output spikes
    max_logit_diff: float
    layer_spike_agreement: dict[str, float]
    layer_spike_mismatch_rate: dict[str, float]
    served_spike_ties: float  # images whose highest spike count is shared by several classes
    nir_spike_ties: float
    served_accuracy: float | None = None  # by logits
    nir_accuracy: float | None = None  # by mean readout current
    served_spike_accuracy: float | None = None  # by spike counts
    nir_spike_accuracy: float | None = None


def graph_inputs(net: SpikingNet, images: np.ndarray) -> torch.Tensor:
    """What the graph's input receives at each step, ``[T, B, ...]``, for images ``[B, 1, 28,
    28]`` in [0, 1]: the model's own encoder, shaped for the first layer."""
    with torch.no_grad():
        encoded, static = net._encode(torch.from_numpy(images))  # the served model's encoding
    if static:
        encoded = encoded.unsqueeze(0).expand(net.timesteps, *encoded.shape)
    shape = (1, 28, 28) if net.arch.kind == "conv" else (28 * 28,)
    return encoded.reshape(net.timesteps, len(images), *shape).contiguous()


def layer_names(graph: nir.NIRGraph) -> list[str]:
    """The manifest's names of the graph's spiking layers (``lif_conv1`` → ``conv1``)."""
    return [
        "output" if node == OUTPUT_NODE else node.removeprefix("lif_")
        for node in neuron_nodes(graph)
    ]


def _ties(counts: np.ndarray) -> np.ndarray:
    return np.asarray((counts == counts.max(1, keepdims=True)).sum(1) > 1)


def _rate(got: np.ndarray, expected: np.ndarray) -> float:
    total = float(np.abs(expected).sum())
    return float(np.abs(got - expected).sum() / total) if total else 0.0


def compare(
    served: BatchOutputs,
    trace: SimTrace,
    layers: list[str],
    labels: np.ndarray | None,
    semantics: Semantics,
) -> NirAgreement:
    """Agreement of a simulated trace with the served outputs for the same images."""
    simulated_layers = np.stack(list(trace.layer_spikes.values()), 1)
    served_class, nir_class = served.logits.argmax(1), trace.logits.argmax(1)
    served_spike_class, nir_spike_class = (
        served.spike_counts.argmax(1),
        trace.spike_counts.argmax(1),
    )

    def accuracy(predicted: np.ndarray) -> float | None:
        return None if labels is None else float((predicted == labels).mean())

    return NirAgreement(
        semantics=semantics,
        simulator=SIMULATOR,
        simulator_version=pkg_version(SIMULATOR),
        nirtorch_version=pkg_version("nirtorch"),
        n=len(served),
        class_agreement=float((served_class == nir_class).mean()),
        spike_class_agreement=float((served_spike_class == nir_spike_class).mean()),
        spike_count_agreement=float((served.spike_counts == trace.spike_counts).all(1).mean()),
        output_spike_mismatch_rate=_rate(trace.spike_counts, served.spike_counts),
        max_logit_diff=float(np.abs(served.logits - trace.logits).max()),
        layer_spike_agreement={
            name: float((served.layer_spikes[:, i] == simulated_layers[:, i]).mean())
            for i, name in enumerate(layers)
        },
        layer_spike_mismatch_rate={
            name: _rate(simulated_layers[:, i], served.layer_spikes[:, i])
            for i, name in enumerate(layers)
        },
        served_spike_ties=float(_ties(served.spike_counts).mean()),
        nir_spike_ties=float(_ties(trace.spike_counts).mean()),
        served_accuracy=accuracy(served_class),
        nir_accuracy=accuracy(nir_class),
        served_spike_accuracy=accuracy(served_spike_class),
        nir_spike_accuracy=accuracy(nir_spike_class),
    )


def _concat(parts: list[BatchOutputs]) -> BatchOutputs:
    fields = ("logits", "spike_counts", "membrane", "output_spikes", "layer_spikes")
    joined = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
    empty = np.zeros((len(joined["logits"]), 0), np.float32)
    return BatchOutputs(**joined, layer_sops=empty, hidden_spikes=empty)


def _concat_traces(parts: list[SimTrace]) -> SimTrace:
    return SimTrace(
        readout_current=np.concatenate([p.readout_current for p in parts]),
        output_spikes=np.concatenate([p.output_spikes for p in parts]),
        layer_spikes={
            name: np.concatenate([p.layer_spikes[name] for p in parts])
            for name in parts[0].layer_spikes
        },
    )


def check_nir(
    model_dir: Path,
    nir_path: Path,
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    semantics: tuple[Semantics, ...] = ("nir", "metadata"),
    batch_size: int = BATCH,
) -> list[NirAgreement]:
    """Simulate ``nir_path`` on ``images`` (float ``[N, 1, 28, 28]`` in [0, 1]) under each of
    ``semantics`` and compare with ``model_dir`` served by ONNX Runtime on the CPU."""
    if len(images) == 0:
        raise ValueError("the NIR check needs at least one image")
    graph = nir.read(nir_path)
    runner = ModelRunner(model_dir, device="cpu")
    recorded = graph.metadata.get("model_version")
    if recorded and recorded != runner.version:
        raise InvalidModel(f"{nir_path} was exported from {recorded}, not {runner.version}")
    layers = layer_names(graph)
    served_layers = [layer["name"] for layer in runner.manifest.energy["spiking_layers"]]
    if layers != served_layers:
        raise InvalidModel(f"the graph's spiking layers {layers} are not the model's")
    net, _ = load_model(model_dir)
    batches = [images[i : i + batch_size] for i in range(0, len(images), batch_size)]
    served = _concat([runner.run(batch) for batch in batches])
    results = []
    for mode in semantics:
        module = build_simulator(graph, mode)
        neurons = neuron_nodes(graph)
        trace = _concat_traces(
            [simulate(module, graph_inputs(net, batch), neurons) for batch in batches]
        )
        results.append(compare(served, trace, layers, labels, mode))
    return results


class NirCheckReport(BaseModel):
    """``check_nir`` on the first ``n`` images of a dataset split, one result per semantics."""

    model_version: str
    dataset: str
    split: str
    n: int
    results: list[NirAgreement]


def check_nir_on_test(model_dir: Path, nir_path: Path, data_dir: Path, n: int) -> NirCheckReport:
    """:func:`check_nir` on the first ``n`` test images of the model's dataset."""
    manifest = load_manifest(model_dir)
    images, labels = load_split(data_dir, manifest.dataset, "test")
    images = images[:n].astype(np.float32)[:, None] / 255.0
    results = check_nir(model_dir, nir_path, images, labels[:n].astype(np.int64))
    for result in results:
        log.info(
            "NIR graph simulated with %s resets: class agreement %.4f, identical output spike "
            "counts %.4f (n=%d)",
            result.semantics,
            result.class_agreement,
            result.spike_count_agreement,
            result.n,
        )
    return NirCheckReport(
        model_version=manifest.version,
        dataset=manifest.dataset,
        split="test",
        n=len(images),
        results=results,
    )
