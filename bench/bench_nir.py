"""The shipped models exported to NIR and simulated (snnTorch), against the served ONNX model.

For every surrogate-gradient model directory under ``models/`` (or those given by ``--model``),
the script writes the NIR graph into a temporary directory, runs it with snnTorch's NIR
importer on the first ``--n`` test images (default: all 10,000) and compares it with the same
model served by ONNX Runtime (:mod:`spikeglyph.train.nir_check`), once with NIR's own neuron
resets (reset to zero: what any NIR consumer computes) and once with the resets the graph's
metadata records (SpikeGlyph's reset by subtraction). Models that NIR cannot express (those that
max-pool input currents) are listed with the reason they are refused.

    SPIKEGLYPH_DATA_DIR=/path/to/datasets nice -n 10 python bench/bench_nir.py [--n 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import REPO, add_out_argument, data_dir, emit

from spikeglyph.data import load_split
from spikeglyph.errors import InvalidModel
from spikeglyph.modeldir import load_manifest
from spikeglyph.train.nir_check import check_nir
from spikeglyph.train.nir_export import export_nir


def shipped_models() -> list[Path]:
    """Every surrogate-gradient model directory under ``models/``."""
    found = []
    for manifest in sorted((REPO / "models").glob("*/manifest.json")):
        if load_manifest(manifest.parent).family == "surrogate":
            found.append(manifest.parent)
    return found


def _name(model: Path) -> str:
    model = model.resolve()
    return str(model.relative_to(REPO) if model.is_relative_to(REPO) else model)


def simulate_model(model: Path, n: int, batch: int) -> dict[str, Any]:
    manifest = load_manifest(model)
    images, labels = load_split(data_dir(), manifest.dataset, "test")
    images = images[:n].astype(np.float32)[:, None] / 255.0
    labels = labels[:n].astype(np.int64)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        graph = export_nir(model, Path(tmp) / "model.nir")
        export_seconds = time.perf_counter() - started
        semantics: dict[str, Any] = {}
        for mode in ("nir", "metadata"):
            started = time.perf_counter()
            (result,) = check_nir(model, graph, images, labels, semantics=(mode,), batch_size=batch)
            semantics[mode] = {
                **result.model_dump(),
                "seconds": round(time.perf_counter() - started, 1),
            }
        size = graph.stat().st_size
    return {
        "model": _name(model),
        "version": manifest.version,
        "dataset": manifest.dataset,
        "split": "test",
        "n": len(images),
        "pool": manifest.architecture.get("pool"),
        "reset": manifest.architecture.get("neuron", {}).get("reset"),
        "timesteps": manifest.timesteps,
        "nir_bytes": size,
        "export_seconds": round(export_seconds, 2),
        "semantics": semantics,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, action="append", help="default: models/*")
    parser.add_argument("--n", type=int, default=10_000, help="first N test images")
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--threads", type=int, default=1)
    add_out_argument(parser, "nir")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    simulated, refused = [], []
    for model in args.model or shipped_models():
        try:
            simulated.append(simulate_model(model.resolve(), args.n, args.batch))
        except InvalidModel as exc:
            refused.append({"model": _name(model), "reason": str(exc)})
    emit(
        "nir",
        {"threads": args.threads, "models": simulated, "refused": refused},
        args.out,
    )


if __name__ == "__main__":
    main()
