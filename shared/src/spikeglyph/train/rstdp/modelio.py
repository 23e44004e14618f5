"""Write an R-STDP network as a model directory, and read one back into torch.

The STDP family's layout (:mod:`spikeglyph.train.stdp.modelio`) with ``family="rstdp"``:
the safetensors weights add ``readout`` [N, C], the manifest's ``architecture`` adds a
``readout`` block saying that it learned from reward, and ``parent`` names the STDP model
whose frozen features it reads. Never a pickle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import WEIGHTS_NAME, Manifest, load_manifest
from spikeglyph.train.rstdp.export import RStdpServedGraph
from spikeglyph.train.rstdp.network import RStdpNet
from spikeglyph.train.stdp.modelio import energy_block, write_plastic_model
from spikeglyph.train.stdp.spec import StdpSpec

FAMILY = "rstdp"
LEARNED_FROM = "reward"


def readout_block(classes: int) -> dict[str, Any]:
    """The manifest's description of the readout: C output neurons, learnt from reward."""
    return {
        "outputs": classes,
        "learned_from": LEARNED_FROM,
        "rule": "reward-modulated STDP (three-factor: eligibility × (reward − baseline))",
        "decision": "winner-take-all on integrated potentials",
    }


def rstdp_energy(net: RStdpNet) -> dict[str, Any]:
    energy = energy_block(net)
    energy["spiking_layers"] = [*energy["spiking_layers"], {"name": "out", "neurons": net.classes}]
    energy["synaptic_layers"] = [*energy["synaptic_layers"], "exc_out"]
    return energy


def save_rstdp_model(
    net: RStdpNet,
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
    """Export ``net`` and write a complete model directory at ``target`` (atomically);
    refused unless ONNX Runtime gives exactly the torch spikes and decisions."""
    net = net.cpu().eval()
    return write_plastic_model(
        net,
        RStdpServedGraph(net),
        target,
        family=FAMILY,
        architecture={"kind": FAMILY, **net.spec.to_dict(), "readout": readout_block(net.classes)},
        neurons={"exc": net.spec.neurons, "inh": net.spec.neurons, "out": net.classes},
        energy=rstdp_energy(net),
        dataset=dataset,
        version=version,
        metrics=metrics,
        training=training,
        sample_images=sample_images,
        parent=parent,
        overwrite=overwrite,
    )


def load_rstdp_model(model_dir: Path) -> tuple[RStdpNet, Manifest]:
    """Rebuild the torch network of a verified R-STDP model directory."""
    manifest = load_manifest(model_dir)
    if manifest.family != FAMILY:
        raise InvalidModel(f"{manifest.version} is a {manifest.family} model, not an R-STDP one")
    arch = {k: v for k, v in manifest.architecture.items() if k not in ("kind", "readout")}
    state = load_file(str(Path(model_dir) / WEIGHTS_NAME))
    net = RStdpNet(
        StdpSpec.from_dict(arch),
        classes=len(manifest.class_names),
        hidden_sample=len(state.get("hidden_idx", [])),
    )
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise InvalidModel(f"{manifest.version}: weights do not fit the spec: {exc}") from exc
    return net.eval(), manifest
