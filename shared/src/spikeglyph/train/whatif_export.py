"""The lab variants of a version: the what-if graph and the reference activity.

The what-if graph is the trained network unrolled over :data:`~spikeglyph.whatif.MAX_TIMESTEPS`
steps with two more inputs, the drive of every step and a per-sample threshold scale, and
per-step outputs (the interface is in :mod:`spikeglyph.whatif_runtime`). It is written beside
``model.onnx`` as ``model.whatif.onnx`` and listed in the manifest with its sha256, so the
served graph, its checksum and its parity report are untouched, and a version exported before
the graph existed keeps serving exactly as before.

Before it is written, the graph is checked against the torch model at the model's own settings
(its encoder's input, its T, scale 1): decisions and spike counts must agree like the served
graph's (:func:`spikeglyph.train.export.parity_ok`).
"""

from __future__ import annotations

import io
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from spikeglyph.activity import REFERENCE_IMAGES, reference_activity
from spikeglyph.data import load_split
from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import (
    MANIFEST_NAME,
    WHATIF_ONNX_NAME,
    Manifest,
    load_manifest,
    write_model_dir,
)
from spikeglyph.runtime import ModelRunner
from spikeglyph.train.export import OPSET, exporting, parity_ok, torch_outputs
from spikeglyph.train.modelio import load_model
from spikeglyph.train.network import SpikingNet
from spikeglyph.train.neurons import if_readout
from spikeglyph.train.opcount import per_step_total
from spikeglyph.whatif import MAX_TIMESTEPS
from spikeglyph.whatif_runtime import OUTPUTS

PARITY_IMAGES = 64


class _WhatIfGraph(nn.Module):
    def __init__(self, net: SpikingNet) -> None:
        super().__init__()
        self.net = net

    def forward(
        self, drive: torch.Tensor, threshold_scale: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        net, steps = self.net, self.net.timesteps
        current, run = net.propagate(
            drive.transpose(0, 1), static=False, telemetry=True, threshold_scale=threshold_scale
        )
        threshold = net.arch.neuron.threshold * threshold_scale.reshape(-1, 1)
        readout = if_readout(current, threshold, net.spike())
        assert readout.membrane is not None
        counts = list(net.neuron_counts().values())
        spikes = [*run.spikes, readout.spikes]
        layer_spikes = torch.cat(
            [per_step_total(s, steps, n) for s, n in zip(spikes, counts, strict=True)], 2
        )
        layer_sops = torch.cat(run.sops, 2) * current.new_tensor(run.fanouts)
        hidden = run.spikes[-1].reshape(steps, -1, net.hidden_layer_size())[:, :, net.hidden_idx]
        values = (current, readout.membrane, readout.spikes, layer_spikes, layer_sops, hidden)
        return tuple(v.transpose(0, 1) for v in values)


def whatif_net(net: SpikingNet) -> SpikingNet:
    """``net``'s weights in a network unrolled over :data:`MAX_TIMESTEPS` steps."""
    long = SpikingNet(net.arch, net.encoder, MAX_TIMESTEPS)
    state = net.state_dict()
    if "noise" in state:  # the rate encoder's table has T rows; the what-if drive replaces it
        state["noise"] = long.state_dict()["noise"]
    long.load_state_dict(state)
    return long.eval()


def export_whatif(net: SpikingNet) -> bytes:
    """The what-if graph of ``net`` as ONNX bytes (batch axis dynamic)."""
    long = whatif_net(net)
    buffer = io.BytesIO()
    with exporting(long), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            _WhatIfGraph(long),
            (torch.zeros(2, MAX_TIMESTEPS, 1, 28, 28), torch.ones(2)),
            buffer,
            input_names=["drive", "threshold_scale"],
            output_names=list(OUTPUTS),
            dynamic_axes={n: {0: "batch"} for n in ("drive", "threshold_scale", *OUTPUTS)},
            opset_version=OPSET,
            dynamo=False,
        )
    return buffer.getvalue()


@torch.no_grad()
def own_drive(net: SpikingNet, images: np.ndarray) -> np.ndarray:
    """The drive ``[B, T_max, 1, 28, 28]`` of the model's own encoder (its noise table
    included), zero after its T steps: what the what-if graph must answer like the model."""
    with exporting(net):
        x, static = net._encode(torch.from_numpy(images))
    steps = x.unsqueeze(0).expand(net.timesteps, *x.shape) if static else x
    out = np.zeros((len(images), MAX_TIMESTEPS, 1, 28, 28), dtype=np.float32)
    out[:, : net.timesteps] = steps.transpose(0, 1).numpy()
    return out


def whatif_parity(net: SpikingNet, onnx_path: Path, images: np.ndarray) -> dict[str, Any]:
    """The what-if graph at the model's own settings against the torch model."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    feeds = {"drive": own_drive(net, images), "threshold_scale": np.ones(len(images), np.float32)}
    got = dict(zip(OUTPUTS, session.run(list(OUTPUTS), feeds), strict=True))
    expected = torch_outputs(net, images)
    t = net.timesteps
    logits = got["current"][:, :t].mean(1)
    spikes = got["layer_spikes"][:, :t].sum(1)
    spike_diff = np.abs(expected["layer_spikes"] - spikes)
    total = float(np.abs(expected["layer_spikes"]).sum())
    return {
        "n": len(images),
        "prediction_agreement": float((expected["logits"].argmax(1) == logits.argmax(1)).mean()),
        "max_logit_diff": float(np.abs(expected["logits"] - logits).max()),
        "max_layer_spike_diff": float(spike_diff.max()),
        "identical_spike_counts": bool((spike_diff == 0).all()),
        "spike_mismatch_rate": float(spike_diff.sum() / total) if total else 0.0,
    }


def measure_reference(model_dir: Path, manifest: Manifest, images: np.ndarray) -> dict[str, Any]:
    """``variants.activity``: the served graph's activity on the reference images."""
    runner = ModelRunner(model_dir, device="cpu", verify=False)
    batches = [runner.run(images[i : i + 128]) for i in range(0, len(images), 128)]
    hidden = manifest.energy.get("hidden_sample", {})
    return reference_activity(
        manifest.energy.get("spiking_layers", []),
        np.concatenate([b.layer_spikes for b in batches]),
        np.concatenate([b.hidden_spikes for b in batches]),
        np.concatenate([b.output_spikes for b in batches]),
        timesteps=manifest.timesteps,
        hidden_layer=hidden.get("layer"),
        source=f"validation split, first {len(images)} images",
    )


def add_lab_variants(model_dir: Path, *, data_dir: Path) -> Manifest:
    """Add the what-if graph (surrogate-gradient models) and the reference activity (every
    family) to a model directory, rewriting it atomically."""
    model_dir = Path(model_dir)
    manifest = load_manifest(model_dir)
    val_x, _ = load_split(data_dir, manifest.dataset, "val")
    images = val_x[:REFERENCE_IMAGES].astype(np.float32)[:, None] / 255.0
    variants = dict(manifest.variants)
    files: dict[str, Path | bytes] = {name: model_dir / name for name in manifest.files}
    with tempfile.TemporaryDirectory() as tmp:
        if manifest.family == "surrogate":
            net, _ = load_model(model_dir)
            path = Path(tmp) / WHATIF_ONNX_NAME
            path.write_bytes(export_whatif(net))
            report = whatif_parity(net, path, images[:PARITY_IMAGES])
            if not parity_ok(report):
                raise InvalidModel(f"the what-if graph does not match the torch model: {report}")
            files[WHATIF_ONNX_NAME] = path
            variants["whatif"] = {
                "file": WHATIF_ONNX_NAME,
                "max_timesteps": MAX_TIMESTEPS,
                "parity": report,
            }
        variants["activity"] = measure_reference(model_dir, manifest, images)
        final = manifest.model_copy(update={"variants": variants})
        assert MANIFEST_NAME not in files
        return write_model_dir(model_dir, final, files, overwrite=True)
