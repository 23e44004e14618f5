"""Accuracy of the shipped digit models on MNIST-C-style corruptions of the MNIST test set.

    .venv/bin/python bench/bench_robustness.py [--stage after] [--split test|val] [--limit N]
        [--seed S] [--models models/mnist ...] [--out docs/bench/robustness.json]

Each corruption of :mod:`_corruptions` is applied to the test images (seeded), every corrupted
digit goes through :func:`spikeglyph.preprocess.preprocess` exactly as an upload does (the
served path minus the PNG decode, which is lossless), and the model directory scores the result
in ONNX Runtime, as served. ``raw`` is the same model on the corrupted 28×28 arrays fed
directly (MNIST-C's own protocol), so the effect of the preprocessing can be told apart from
the model's. ``raw`` does not depend on the preprocessing, so a stage may leave it out
(``--no-raw``) when another stage of the same corruptions and models has it. ``--split val``
measures the same on the validation digits (into ``docs/bench/robustness_val.json``); the
despeckling thresholds were chosen on those by ``bench/bench_despeckle_sweep.py``, and the
figures are reported on ``test``.

The JSON keeps one entry per ``--stage``: a run adds or replaces its own stage and leaves the
others, so ``before`` (measured at the commit before a preprocessing change) and ``after``
(measured at the change) sit side by side, each with its commit and its machine record.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from _common import REPO, add_out_argument, data_dir, default_out, emit, machine
from _corruptions import CORRUPTIONS, NOISE, corrupt

from spikeglyph.data import load_split
from spikeglyph.errors import BlankImage
from spikeglyph.modeldir import PREPROCESSING_VERSION
from spikeglyph.preprocess import preprocess
from spikeglyph.runtime import ModelRunner

NAME = "robustness"
DEFAULT_MODELS = ("models/mnist", "models/mnist-spikes")


def preprocessed(images: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.float32], int]:
    """Every image through the upload preprocessing; a digit read as blank stays all paper
    (the service would refuse it, which counts as a wrong answer)."""
    out = np.zeros((len(images), 28, 28), dtype=np.float32)
    blank = 0
    for index, image in enumerate(images):
        try:
            out[index] = preprocess(image)
        except BlankImage:
            blank += 1
    return out, blank


def accuracy(
    runner: ModelRunner, images: npt.NDArray[np.float32], labels: npt.NDArray[Any]
) -> float:
    preds = [runner.run(images[i : i + 500]).logits.argmax(1) for i in range(0, len(images), 500)]
    return round(float((np.concatenate(preds) == labels).mean()) * 100, 2)


def measure(
    runners: dict[str, ModelRunner],
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[Any],
    seed: int,
    raw: bool = True,
) -> list[dict[str, Any]]:
    rows = []
    for name in ("clean", *CORRUPTIONS):
        start = time.perf_counter()
        corrupted = images if name == "clean" else corrupt(name, images, seed)
        ready, blank = preprocessed(corrupted)
        row: dict[str, Any] = {"corruption": name, "noise": name in NOISE, "blank": blank}
        for model, runner in runners.items():
            row[model] = {"preprocessed": accuracy(runner, ready, labels)}
            if raw:
                row[model]["raw"] = accuracy(runner, corrupted.astype(np.float32) / 255, labels)
        rows.append(row)
        print(f"{name}: {row} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return rows


def summary(rows: list[dict[str, Any]], models: list[str]) -> dict[str, Any]:
    """Per model: mean accuracy over all corruptions, over the noise ones and over the rest."""
    corrupted = [r for r in rows if r["corruption"] != "clean"]
    out: dict[str, Any] = {}
    for model in models:
        out[model] = {}
        for key, subset in (
            ("all", corrupted),
            ("noise", [r for r in corrupted if r["noise"]]),
            ("other", [r for r in corrupted if not r["noise"]]),
        ):
            out[model][key] = {
                kind: round(float(np.mean([r[model][kind] for r in subset])), 2)
                for kind in ("preprocessed", "raw")
                if kind in subset[0][model]
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="after", help="name of this measurement (before/after)")
    parser.add_argument(
        "--models", nargs="+", type=Path, default=[REPO / m for m in DEFAULT_MODELS]
    )
    parser.add_argument("--limit", type=int, default=10_000, help="test images per corruption")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument(
        "--raw",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also score the corrupted arrays without preprocessing",
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    add_out_argument(parser, NAME)
    args = parser.parse_args()
    if args.split == "val" and args.out == default_out(NAME):
        args.out = default_out(f"{NAME}_val")
    images, labels = load_split(args.data_dir or data_dir(), "mnist", args.split, download=False)
    images, labels = images[: args.limit], np.asarray(labels[: args.limit]).astype(np.int64)
    runners = {path.name: ModelRunner(path, device="cpu") for path in args.models}
    rows = measure(runners, images, labels, args.seed, args.raw)
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    stages = dict(previous.get("stages", {}))
    stages[args.stage] = {
        "machine": machine(),
        "preprocessing_version": PREPROCESSING_VERSION,
        "models": {name: runner.version for name, runner in runners.items()},
        "corruptions": rows,
        "summary": summary(rows, list(runners)),
    }
    result = {"split": args.split, "n": len(images), "seed": args.seed, "stages": stages}
    emit(NAME, result, args.out)


if __name__ == "__main__":
    main()
