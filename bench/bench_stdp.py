"""STDP (Diehl & Cook 2015) on MNIST: accuracy against network size.

For each size in ``--neurons``, the whole job: learn on ``--max-samples`` training digits,
label neurons on training responses, validate, report test accuracy. Learning speed, measured
against BindsNET in the same run, is ``bench_stdp_peers.py``.

    nice -n 10 python bench/bench_stdp.py --neurons 100,400 --max-samples 22000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from _common import add_out_argument, data_dir, emit

from spikeglyph.train.stdp.api import train_stdp
from spikeglyph.train.stdp.config import StdpTrainConfig
from spikeglyph.train.stdp.spec import StdpSpec


def whole_job(neurons: int, args: argparse.Namespace) -> dict[str, Any]:
    config = StdpTrainConfig(
        spec=StdpSpec(neurons=neurons, timesteps=args.timesteps, noise_seed=args.seed),
        batch_size=args.batch_size,
        max_samples=args.max_samples,
        seed=args.seed,
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        model = train_stdp(config, data_dir=data_dir(), workdir=Path(tmp), report_test=True)
        metrics = json.loads((model / "manifest.json").read_text())["metrics"]
    return {
        "neurons": neurons,
        "learned_images": args.max_samples,
        "val_accuracy": metrics["val_accuracy"],
        "test_accuracy": metrics["test_accuracy"],
        "learn_seconds": metrics["train_seconds"],
        "learn_images_per_s": metrics["train_samples_per_s"],
        "job_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--neurons", default="100,400", help="comma-separated sizes")
    parser.add_argument("--timesteps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-samples", type=int, default=22000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    add_out_argument(parser, "stdp_accuracy")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sizes = [int(n) for n in args.neurons.split(",")]
    rows = [whole_job(n, args) for n in sizes]
    emit("stdp_accuracy", {"threads": args.threads, "results": rows}, args.out)


if __name__ == "__main__":
    main()
