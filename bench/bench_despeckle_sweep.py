"""Choose the despeckling thresholds on validation digits (never on test).

    .venv/bin/python bench/bench_despeckle_sweep.py [--limit N] [--model models/mnist]
        [--out docs/bench/despeckle_sweep.json]

For each pair (``MIN_SPECKS``, ``SPECK_COMPANY``) of :mod:`spikeglyph.preprocess.speckle`: the
model's accuracy on the first ``--limit`` validation digits, clean and with the corruptions the
step is meant for (and the overlays it might touch), through the upload preprocessing; and how
many clean MNIST and Fashion-MNIST training images the step would filter (each one a clean
image whose preprocessing changes). ``off`` is the preprocessing without the step.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, add_out_argument, data_dir, emit
from _corruptions import corrupt
from bench_robustness import accuracy, preprocessed

from spikeglyph.data import load_split
from spikeglyph.errors import BlankImage
from spikeglyph.preprocess import speckle
from spikeglyph.preprocess.ink import ink_from_gray
from spikeglyph.runtime import ModelRunner

NAME = "despeckle_sweep"
CORRUPTIONS = ("impulse_noise", "speckle", "gaussian_noise", "spatter", "dotted_line", "zigzag")
SETTINGS = [(min_specks, company) for min_specks in (2, 3, 4, 6, 8) for company in (0.8, 1.2)]
OFF = 10**9


def speck_counts(images: np.ndarray) -> np.ndarray:
    """Specks per clean image, per SPECK_COMPANY (as set now); -1 for an image read as blank."""
    counts = []
    for image in images:
        try:
            counts.append(speckle.count_specks(ink_from_gray(image.astype(np.float32) / 255)[0]))
        except BlankImage:
            counts.append(-1)
    return np.array(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2000, help="validation digits")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mnist")
    add_out_argument(parser, NAME)
    args = parser.parse_args()
    root = data_dir()
    val, labels = load_split(root, "mnist", "val", download=False)
    val, labels = val[: args.limit], np.asarray(labels[: args.limit]).astype(np.int64)
    clean_sets = {
        dataset: load_split(root, dataset, "train", download=False)[0]
        for dataset in ("mnist", "fashion-mnist")
    }
    corrupted = {name: corrupt(name, val, seed=1) for name in CORRUPTIONS}
    runner = ModelRunner(args.model, device="cpu")
    rows: list[dict[str, Any]] = []
    for min_specks, company in [(OFF, 0.8), *SETTINGS]:
        speckle.MIN_SPECKS, speckle.SPECK_COMPANY = min_specks, company
        row: dict[str, Any] = {
            "min_specks": None if min_specks == OFF else min_specks,
            "speck_company": company,
            "accuracy": {"clean": accuracy(runner, preprocessed(val)[0], labels)},
        }
        for name, images in corrupted.items():
            row["accuracy"][name] = accuracy(runner, preprocessed(images)[0], labels)
        if min_specks != OFF:
            row["clean_train_filtered"] = {
                dataset: int(np.count_nonzero(speck_counts(images) >= min_specks))
                for dataset, images in clean_sets.items()
            }
        rows.append(row)
        print(row)
    emit(
        NAME,
        {
            "model": runner.version,
            "split": "val",
            "n": len(val),
            "corruption_seed": 1,
            "clean_train_images": {k: len(v) for k, v in clean_sets.items()},
            "settings": rows,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
