"""Write a trained network as a model directory, and read one back into torch.

The directory (see :mod:`spikeglyph.modeldir`) holds the safetensors weights, the ONNX graph
and a manifest that records the architecture, training recipe, metrics, neuron counts, spike
and SOP figures, lineage and library versions. Never a pickle.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.numpy import save as save_numpy
from safetensors.torch import load_file, save

from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import (
    ONNX_NAME,
    WEIGHTS_NAME,
    Manifest,
    load_manifest,
    write_model_dir,
)
from spikeglyph.schemas import CLASS_NAMES
from spikeglyph.train.export import export_onnx, exporting, parity, parity_ok, torch_outputs
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.spec import ArchSpec, EncoderSpec
from spikeglyph.weightviews.sta import (
    STA_IMAGES,
    STA_NAME,
    STA_TENSOR,
    spike_triggered_average,
)


def new_version(dataset: str, arch: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{dataset}-{arch}-{stamp}-{secrets.token_hex(2)}"


def library_versions() -> dict[str, str]:
    out = {}
    for name in ("spikeglyph", "torch", "snntorch", "onnx", "onnxruntime", "numpy"):
        with contextlib.suppress(PackageNotFoundError):  # an absent library is not listed
            out[name] = pkg_version(name)
    return out


def write_trained_model(
    target: Path,
    net: torch.nn.Module,
    manifest: Manifest,
    onnx_path: Path,
    *,
    overwrite: bool = False,
    extra_files: Mapping[str, bytes] | None = None,
) -> Manifest:
    """Write a model directory at ``target`` (atomically): ``net``'s weights (safetensors), the
    ONNX graph at ``onnx_path``, any ``extra_files`` and ``manifest``, which records the
    versions of the libraries writing it."""
    manifest = manifest.model_copy(update={"libraries": library_versions()})
    weights = save({k: v.contiguous() for k, v in net.state_dict().items()})
    files: dict[str, Path | bytes] = {ONNX_NAME: onnx_path, WEIGHTS_NAME: weights}
    files.update(extra_files or {})
    return write_model_dir(target, manifest, files, overwrite=overwrite)


def sta_file(net: SpikingNet, images: np.ndarray) -> dict[str, bytes]:
    """A conv network's spike-triggered averages over ``images`` (the export sample) as
    :data:`~spikeglyph.weightviews.sta.STA_NAME`; nothing for other networks, whose hidden
    weights are pictures already (see :mod:`spikeglyph.weightviews.sta`)."""
    if len(net.convs) == 0 or len(images) == 0:
        return {}
    sample = images[:STA_IMAGES]
    counts = torch_outputs(net, sample)["hidden_spikes"].sum(axis=1)
    sta = spike_triggered_average(sample, counts)
    return {STA_NAME: save_numpy({STA_TENSOR: sta})}


@torch.no_grad()
def choose_hidden_sample(net: SpikingNet, images: np.ndarray) -> None:
    """Show the most informative hidden neurons: those whose spike counts vary most."""
    if len(images) == 0:
        return
    k = len(net.hidden_idx)
    net.hidden_idx = torch.arange(net.hidden_layer_size())
    with exporting(net):
        out = net(torch.from_numpy(images[:256]), telemetry=True)
    assert out.hidden_spikes is not None
    variance = out.hidden_spikes.sum(1).float().var(0)
    net.hidden_idx = torch.topk(variance, k).indices.sort().values


def telemetry_summary(net: SpikingNet, images: np.ndarray) -> dict[str, Any]:
    """Mean spikes and SOPs per inference over ``images`` (float [B, 1, 28, 28])."""
    out = torch_outputs(net, images)
    spikes = out["layer_spikes"].sum(1)
    sops = out["layer_sops"].sum(1)
    return {"spikes_per_inference": float(spikes.mean()), "sops_per_inference": float(sops.mean())}


def energy_block(net: SpikingNet) -> dict[str, Any]:
    ops = net.op_counts()
    neurons = net.neuron_counts()
    return {
        "first_layer_macs": ops["first_layer_macs"],
        "ann_macs": ops["ann_macs"],
        "layer_macs": ops["layer_macs"],
        "spiking_layers": [{"name": n, "neurons": neurons[n]} for n in net.spiking_layer_names()],
        "synaptic_layers": net.synaptic_layer_names(),
        "hidden_sample": {"layer": net.hidden_layer_name(), "indices": net.hidden_idx.tolist()},
    }


def save_model(
    net: SpikingNet,
    target: Path,
    *,
    dataset: str,
    version: str,
    metrics: dict[str, Any],
    training: dict[str, Any],
    sample_images: np.ndarray,
    parent: str | None = None,
    check_parity: bool = True,
    overwrite: bool = False,
) -> Manifest:
    """Export ``net`` and write a complete model directory at ``target`` (atomically).

    ``sample_images`` (float [B, 1, 28, 28], validation data) choose the hidden neurons shown
    in rasters, measure spikes/SOPs per inference and prove torch ↔ ONNX parity.
    """
    net = net.cpu().eval()
    choose_hidden_sample(net, sample_images)
    onnx_bytes = export_onnx(net)
    metrics = dict(metrics)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / ONNX_NAME
        onnx_path.write_bytes(onnx_bytes)
        if check_parity:
            report = parity(net, onnx_path, sample_images[:128])
            if not parity_ok(report):
                raise InvalidModel(f"ONNX export does not match the torch model: {report}")
            metrics["onnx_parity"] = report
        summary = telemetry_summary(net, sample_images[:256])
        manifest = Manifest(
            version=version,
            dataset=dataset,  # type: ignore[arg-type]
            class_names=list(CLASS_NAMES[dataset]),
            family="surrogate",
            architecture=net.arch.to_dict(),
            encoder={"kind": net.encoder.kind, "seed": net.encoder.seed, "gain": net.encoder.gain},
            timesteps=net.timesteps,
            threshold=net.arch.neuron.threshold,
            metrics=metrics,
            neurons=net.neuron_counts(),
            spikes_per_inference=summary["spikes_per_inference"],
            sops_per_inference=summary["sops_per_inference"],
            energy=energy_block(net),
            parent=parent,
            training=training,
        )
        return write_trained_model(
            target,
            net,
            manifest,
            onnx_path,
            overwrite=overwrite,
            extra_files=sta_file(net, sample_images),
        )


def load_model(model_dir: Path) -> tuple[SpikingNet, Manifest]:
    """Rebuild the torch network of a verified model directory (checksums checked first)."""
    manifest = load_manifest(model_dir)
    if manifest.family != "surrogate":
        raise InvalidModel(
            f"{manifest.version} is a {manifest.family} model, not a surrogate-gradient one"
        )
    arch = ArchSpec.from_dict(manifest.architecture)
    encoder = EncoderSpec(**manifest.encoder)
    net = SpikingNet(arch, encoder, manifest.timesteps)
    state = load_file(str(Path(model_dir) / WEIGHTS_NAME))
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise InvalidModel(
            f"{manifest.version}: weights do not fit the architecture: {exc}"
        ) from exc
    net.eval()
    return net, manifest
