"""Write a trained STDP network as a model directory, and read one back into torch.

Same layout and guarantees as the surrogate family (:mod:`spikeglyph.train.modelio`):
safetensors weights (excitatory weights, thresholds θ, neuron labels, noise table, raster
sample), the ONNX graph, a manifest with ``family="stdp"`` whose ``architecture`` is the
:class:`~spikeglyph.train.stdp.spec.StdpSpec`. Never a pickle.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import ONNX_NAME, WEIGHTS_NAME, Manifest, load_manifest
from spikeglyph.schemas import CLASS_NAMES
from spikeglyph.train.modelio import write_trained_model
from spikeglyph.train.stdp.export import (
    ServedGraph,
    export_graph,
    graph_outputs,
    graph_parity,
    snap_weights,
)
from spikeglyph.train.stdp.learning import responses
from spikeglyph.train.stdp.network import INPUTS, StdpNet
from spikeglyph.train.stdp.spec import StdpSpec

FAMILY = "stdp"
PARITY_SAMPLES = 64
EXPORT_SAMPLES = 256  # validation images that choose the raster sample and measure SOPs


def export_sample(val_images: np.ndarray) -> torch.Tensor:
    """The validation images [M, 784] an export uses, from the uint8 split [M', 28, 28]."""
    from spikeglyph.train.stdp.api import flat_images

    return flat_images(val_images[:EXPORT_SAMPLES])


@torch.no_grad()
def choose_hidden_sample(net: StdpNet, images: torch.Tensor) -> None:
    """Show the most responsive neurons of every class, taken in turn, grouped by class."""
    size = len(net.hidden_idx)
    activity = responses(net, images).mean(0)  # [N]
    per_class = []
    for c in range(net.classes):
        members = (net.assignments == c).nonzero().flatten()
        per_class.append(members[activity[members].argsort(descending=True)].tolist())
    picked: list[int] = []
    for rank in range(max((len(m) for m in per_class), default=0)):
        picked += [m[rank] for m in per_class if rank < len(m)]
    rest = [i for i in activity.argsort(descending=True).tolist() if i not in set(picked)]
    chosen = set((picked + rest)[:size])
    ordered = [i for members in per_class for i in members if i in chosen]
    ordered += [i for i in rest if i in chosen and i not in ordered]
    net.hidden_idx = torch.tensor(ordered, dtype=torch.long)


def energy_block(net: StdpNet) -> dict[str, Any]:
    n, c = net.spec.neurons, net.classes
    return {
        "first_layer_macs": 0,  # the input is spikes: accumulates only, counted in layer_sops
        "ann_macs": INPUTS * n + n * c,  # the same-size ANN: 784 → N, then the vote
        "layer_macs": [INPUTS * n, n * c],
        "spiking_layers": [{"name": "exc", "neurons": n}, {"name": "inh", "neurons": n}],
        "synaptic_layers": ["input_exc", "exc_inh", "inh_exc"],
        "hidden_sample": {"layer": "exc", "indices": net.hidden_idx.tolist()},
    }


def save_stdp_model(
    net: StdpNet,
    target: Path,
    *,
    dataset: str,
    version: str,
    metrics: dict[str, Any],
    training: dict[str, Any],
    sample_images: torch.Tensor,
    parent: str | None = None,
    overwrite: bool = False,
) -> Manifest:
    """Export ``net`` and write a complete model directory at ``target`` (atomically).

    ``sample_images`` (float [M, 784] validation images) choose the raster sample, measure
    spikes/SOPs per inference and prove torch ↔ ONNX parity (refused when not exact).
    """
    net = net.cpu().eval()
    snap_weights(net)  # idempotent; callers snap before labelling so metrics match
    return write_plastic_model(
        net,
        ServedGraph(net),
        target,
        family=FAMILY,
        architecture={"kind": FAMILY, **net.spec.to_dict()},
        neurons={"exc": net.spec.neurons, "inh": net.spec.neurons},
        energy=energy_block(net),
        dataset=dataset,
        version=version,
        metrics=metrics,
        training=training,
        sample_images=sample_images,
        parent=parent,
        overwrite=overwrite,
    )


def write_plastic_model(
    net: StdpNet,
    graph: torch.nn.Module,
    target: Path,
    *,
    family: str,
    architecture: dict[str, Any],
    neurons: dict[str, int],
    energy: dict[str, Any],
    dataset: str,
    version: str,
    metrics: dict[str, Any],
    training: dict[str, Any],
    sample_images: torch.Tensor,
    parent: str | None,
    overwrite: bool,
) -> Manifest:
    """The model directory of a plasticity-trained ``net`` (STDP, or R-STDP on it) served as
    ``graph``: raster sample chosen, exported, refused unless ONNX Runtime gives exactly the
    torch spikes and decisions, spikes/SOPs per inference measured on ``sample_images``."""
    choose_hidden_sample(net, sample_images)
    images = sample_images.view(-1, 1, 28, 28).numpy().astype(np.float32)
    metrics = dict(metrics)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / ONNX_NAME
        onnx_path.write_bytes(export_graph(graph))
        report = graph_parity(graph, onnx_path, images[:PARITY_SAMPLES])
        if report["prediction_agreement"] < 1.0 or not report["identical_spike_counts"]:
            raise InvalidModel(f"ONNX export does not match the torch model: {report}")
        metrics["onnx_parity"] = report
        outputs = graph_outputs(graph, images)
        manifest = Manifest(
            version=version,
            dataset=dataset,  # type: ignore[arg-type]
            class_names=list(CLASS_NAMES[dataset]),
            family=family,
            architecture=architecture,
            encoder={
                "kind": "rate",
                "seed": net.spec.noise_seed,
                "max_rate_hz": net.spec.max_rate_hz,
                "deterministic": True,
            },
            timesteps=net.spec.timesteps,
            threshold=1.0,  # the running vote has no threshold; 1 = one spike per neuron
            metrics=metrics,
            neurons=neurons,
            spikes_per_inference=float(outputs["layer_spikes"].sum(1).mean()),
            sops_per_inference=float(outputs["layer_sops"].sum(1).mean()),
            energy=energy,
            parent=parent,
            training=training,
        )
        return write_trained_model(target, net, manifest, onnx_path, overwrite=overwrite)


def load_stdp_model(model_dir: Path) -> tuple[StdpNet, Manifest]:
    """Rebuild the torch network of a verified STDP model directory."""
    manifest = load_manifest(model_dir)
    if manifest.family != FAMILY:
        raise InvalidModel(f"{manifest.version} is a {manifest.family} model, not an STDP one")
    arch = {k: v for k, v in manifest.architecture.items() if k != "kind"}
    state = load_file(str(Path(model_dir) / WEIGHTS_NAME))
    net = StdpNet(
        StdpSpec.from_dict(arch),
        classes=len(manifest.class_names),
        hidden_sample=len(state.get("hidden_idx", [])),
    )
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise InvalidModel(f"{manifest.version}: weights do not fit the spec: {exc}") from exc
    return net.eval(), manifest


def reexport_stdp_model(model_dir: Path, *, data_dir: Path) -> Manifest:
    """Rewrite ``model.onnx`` and the manifest of an STDP model directory from its weights.

    The version, metrics, training record and lineage are kept; the raster sample and the
    SOP figure are measured again on the validation images its training run used.
    """
    from spikeglyph.train.jobdir import load_val
    from spikeglyph.train.stdp.config import StdpTrainConfig

    net, manifest = load_stdp_model(model_dir)
    config = StdpTrainConfig.from_dict(manifest.training.get("config", {}))
    val_x, _ = load_val(data_dir, manifest.dataset, config.val_size, config.max_samples)
    return save_stdp_model(
        net,
        model_dir,
        dataset=manifest.dataset,
        version=manifest.version,
        metrics=manifest.metrics,
        training=manifest.training,
        sample_images=export_sample(val_x),
        parent=manifest.parent,
        overwrite=True,
    )
