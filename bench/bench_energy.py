"""Energy per inference of the shipped models on the test split, from the served ONNX graph.

For each model directory the graph the services run answers every test image; its
``layer_sops`` and the manifest's ``energy`` block give the estimate of
:mod:`spikeglyph.energy` (Horowitz 45 nm: 0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate).
Written per model: mean spikes and SOPs (total and per synaptic layer), the MACs of the analog
first layer and of the equally sized non-spiking network, the mean energies and the **ratio of
means** (mean ANN nJ / mean SNN nJ, the figure to report), the mean of per-image ratios
(labelled as such, for transparency only), the spread of the per-image energy, the membrane
updates an operation count leaves unpriced, and the ratio if every operation of both networks
also read its 32-bit weight from SRAM or DRAM (Han et al. 2015 after Horowitz 2014).

    python bench/bench_energy.py [MODEL_DIR ...] [--limit N] [--batch 200]
        [--out docs/bench/energy.json]

Without MODEL_DIR: models/mnist, models/fashion-mnist and models/mnist-stdp; without --limit:
all 10,000 test images. The figures are operation counts, so they do not depend on the machine.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, data_dir, emit

from spikeglyph import energy
from spikeglyph.data import load_split
from spikeglyph.modeldir import Manifest
from spikeglyph.runtime import BatchOutputs, ModelRunner

DEFAULT_MODELS = [REPO / "models" / name for name in ("mnist", "fashion-mnist", "mnist-stdp")]
METHOD = {
    "e_ac_pj": energy.E_AC_PJ,
    "e_mac_pj": energy.E_MAC_PJ,
    "source": "Horowitz, 'Computing's energy problem (and what we can do about it)', ISSCC 2014:"
    " 45 nm, 32-bit float add 0.9 pJ, multiply 3.7 pJ (a MAC 4.6 pJ)",
    "snn_nj": "(SOPs x E_AC + first-layer MACs x E_MAC) / 1000; SOPs = spikes x fan-out",
    "ann_nj": "MACs of the equally sized non-spiking network x E_MAC / 1000",
    "ratio_of_means": "mean ANN nJ / mean SNN nJ over the images: the figure to report",
    "mean_of_per_image_ratios": "mean over images of ANN nJ / SNN nJ; inflated by images that"
    " need few operations; shown for transparency, not to be reported as the ratio",
    "weight_read_pj": energy.WEIGHT_READ_PJ,
    "weight_read_source": "Han et al., 'Learning both weights and connections for efficient"
    " neural networks', NIPS 2015, Fig. 1 (45 nm, after Horowitz 2014): 32-bit SRAM cache"
    " read 5 pJ, 32-bit DRAM read 640 pJ",
    "with_weight_reads": "every SOP and every MAC of both networks also reads one 32-bit weight"
    " at that cost; membrane reads and writes still left out (a sensitivity figure, kind to the"
    " spiking network)",
    "membrane_updates": "spiking neurons x time steps: neuron updates (and membrane reads and"
    " writes) per inference that the operation count does not price",
}


def run_split(runner: ModelRunner, images: np.ndarray, batch: int) -> dict[str, np.ndarray]:
    """The graph's answers for uint8 images [N, 28, 28], stacked over batches."""
    parts: list[BatchOutputs] = [
        runner.run(images[i : i + batch].astype(np.float32) / 255.0)
        for i in range(0, len(images), batch)
    ]
    out = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in ("logits", "layer_sops", "layer_spikes")
    }
    if parts[0].input_spikes is not None:
        out["input_spike_totals"] = np.concatenate(
            [p.input_spikes.sum((1, 2)) for p in parts if p.input_spikes is not None]
        )
    return out


def spread(values: np.ndarray) -> dict[str, float]:
    pct = np.percentile(values, [5, 50, 95])
    return {
        "min": float(values.min()),
        "p5": float(pct[0]),
        "p50": float(pct[1]),
        "p95": float(pct[2]),
        "max": float(values.max()),
    }


def presented_again(manifest: Manifest, outputs: dict[str, np.ndarray]) -> float | None:
    """STDP family: the share of images shown more than once (their input SOPs exceed what
    the shown presentation's input spikes explain)."""
    if manifest.family != "stdp" or "input_spike_totals" not in outputs:
        return None
    shown = outputs["input_spike_totals"] * float(manifest.architecture["neurons"])
    return float((outputs["layer_sops"][:, 0] > shown).mean())


def energy_figures(manifest: Manifest, outputs: dict[str, np.ndarray]) -> dict[str, Any]:
    spec = manifest.energy
    per_image_sops = outputs["layer_sops"].sum(1)
    mean = energy.mean_estimate(per_image_sops.tolist(), spec)
    per_image = [energy.estimate(s, mean.macs, mean.ann_macs) for s in per_image_sops.tolist()]
    ratios = np.array([e.ratio for e in per_image])
    finite = np.isfinite(ratios)
    neurons = sum(int(layer["neurons"]) for layer in spec.get("spiking_layers", []))
    return {
        "sops_mean": mean.sops,
        "first_layer_macs": mean.macs,
        "ann_macs": mean.ann_macs,
        "snn_nj_mean": mean.snn_nj,
        "ann_nj": mean.ann_nj,
        "ratio_of_means": mean.ratio,
        "mean_of_per_image_ratios": {
            "value": float(ratios[finite].mean()) if finite.any() else None,
            "images_without_operations": int((~finite).sum()),
            "label": "mean of per-image ratios (for transparency; report ratio_of_means)",
        },
        "snn_nj_per_image": spread(np.array([e.snn_nj for e in per_image])),
        "layer_sops_mean": dict(
            zip(spec["synaptic_layers"], outputs["layer_sops"].mean(0).tolist(), strict=True)
        ),
        "membrane_updates": neurons * manifest.timesteps,
        "with_weight_reads": {
            memory: energy.with_weight_reads(mean, read_pj)
            for memory, read_pj in energy.WEIGHT_READ_PJ.items()
        },
    }


def bench_model(model_dir: Path, limit: int | None, batch: int) -> dict[str, Any]:
    runner = ModelRunner(model_dir, device="cpu")
    manifest = runner.manifest
    images, labels = load_split(data_dir(), manifest.dataset, "test")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    outputs = run_split(runner, images, batch)
    layer_names = [layer["name"] for layer in manifest.energy.get("spiking_layers", [])]
    result: dict[str, Any] = {
        "model": str(model_dir.resolve().relative_to(REPO)),
        "version": manifest.version,
        "family": manifest.family,
        "dataset": manifest.dataset,
        "timesteps": manifest.timesteps,
        "split": "test",
        "n": len(images),
        "accuracy": float((outputs["logits"].argmax(1) == labels).mean()),
        "spikes_mean": float(outputs["layer_spikes"].sum(1).mean()),
        "layer_spikes_mean": dict(
            zip(layer_names, outputs["layer_spikes"].mean(0).tolist(), strict=True)
        ),
        **energy_figures(manifest, outputs),
    }
    again = presented_again(manifest, outputs)
    if again is not None:
        result["presented_again_fraction"] = again
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="*", type=Path, default=DEFAULT_MODELS)
    parser.add_argument("--limit", type=int, help="first N test images (default: all)")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "bench" / "energy.json")
    args = parser.parse_args()
    emit(
        "energy",
        {
            "method": METHOD,
            "models": [bench_model(m, args.limit, args.batch) for m in args.models],
        },
        out=args.out,
    )


if __name__ == "__main__":
    main()
