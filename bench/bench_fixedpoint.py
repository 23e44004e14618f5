"""Fixed-point emulation (8-bit weights, integer membranes) against its float parent.

Writes the fixed-point copy of ``--model`` (default ``models/mnist``) into a temporary
directory and prints both validation accuracies and the delta (target: ≥ −0.3 points).

    nice -n 10 python bench/bench_fixedpoint.py [--model models/mnist] [--max-val 5000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from _common import REPO, data_dir, emit

from spikeglyph.train.fixedpoint import make_fixed_point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    parser.add_argument("--max-val", type=int, default=None, help="validation digits used")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = make_fixed_point(
            args.model, Path(tmp) / "fixed", data_dir=data_dir(), max_val=args.max_val
        )
    summary = manifest.variants["fixed_point"]
    emit(
        "fixedpoint",
        {
            "model": summary["parent"],
            "val_n": summary["val_n"],
            "float_val_accuracy": summary["parent_val_accuracy"],
            "fixed_val_accuracy": summary["val_accuracy"],
            "delta_points": round(100 * summary["accuracy_delta"], 3),
            "input_bits": summary["input_bits"],
            "onnx_parity": manifest.metrics["onnx_parity"],
            "seconds": round(time.perf_counter() - started, 1),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
