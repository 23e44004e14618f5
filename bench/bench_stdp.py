"""STDP (Diehl & Cook 2015) on MNIST: accuracy against network size, and learning speed.

Two modes, one JSON object each:

* ``--speed``: unsupervised learning throughput only (images/s and ms per image) on the first
  ``--images`` training digits, for comparison with BindsNET (about 62 ms per image at 50
  steps on this machine);
* default: the whole job per size in ``--neurons`` (learn on ``--max-samples`` training
  digits, label neurons on training responses, validate, report test accuracy).

    nice -n 10 python bench/bench_stdp.py --speed --neurons 400 --timesteps 50 --images 640
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
from _common import data_dir, emit

from spikeglyph.data import load_split
from spikeglyph.train.stdp.api import flat_images, train_stdp
from spikeglyph.train.stdp.config import StdpTrainConfig
from spikeglyph.train.stdp.learning import batch_generator, batch_order, learn_batch
from spikeglyph.train.stdp.network import StdpNet
from spikeglyph.train.stdp.spec import StdpSpec


def speed(neurons: int, timesteps: int, images: int, batch: int) -> dict[str, Any]:
    train_x, _ = load_split(data_dir(), "mnist", "train")
    x = flat_images(train_x[:images])
    net = StdpNet(StdpSpec(neurons=neurons, timesteps=timesteps))
    learn_batch(net, x[:batch], batch_generator(0, 0, 0))  # warm-up
    cpu, wall = time.process_time(), time.perf_counter()
    for index, chunk in enumerate(batch_order(len(x), batch, 0, 0)):
        learn_batch(net, x[chunk], batch_generator(0, 0, index))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "neurons": neurons,
        "timesteps": timesteps,
        "batch_size": batch,
        "images": images,
        "images_per_s": round(images / wall, 1),
        "ms_per_image_wall": round(1000 * wall / images, 2),
        "ms_per_image_cpu": round(1000 * cpu / images, 2),
    }


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
    parser.add_argument("--speed", action="store_true", help="learning throughput only")
    parser.add_argument("--images", type=int, default=640, help="--speed: images to learn")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sizes = [int(n) for n in args.neurons.split(",")]
    if args.speed:
        rows = [speed(n, args.timesteps, args.images, args.batch_size) for n in sizes]
        emit("stdp_speed", {"threads": args.threads, "results": rows}, args.out)
    else:
        rows = [whole_job(n, args) for n in sizes]
        emit("stdp_accuracy", {"threads": args.threads, "results": rows}, args.out)


if __name__ == "__main__":
    main()
