"""Training throughput: SpikeGlyph's layer-by-layer SNN against plain snntorch, one run.

Both train the *same* network (conv 32-64 + BN + LIF + maxpool, fc 256, readout; T steps,
learnable decay, ATan surrogate, AdamW) on the same MNIST batches. Plain snntorch is written
the way its tutorials teach: a loop over time steps, every layer called once per step with
``snn.Leaky`` (so the static input's first convolution is recomputed at every step).

    python bench/bench_train_speed.py [--timesteps 4] [--batches 30] [--batch-size 128]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import snntorch as snn
import torch
from _common import data_dir, emit
from snntorch import surrogate
from torch import nn
from torch.nn import functional as F

from spikeglyph.data import load_split
from spikeglyph.train.loop import to_tensor
from spikeglyph.train.network import MNIST_MEAN, MNIST_STD, SpikingNet
from spikeglyph.train.spec import ArchSpec, EncoderSpec


class PlainSnntorch(nn.Module):
    """The same network, step by step with snntorch's Leaky neurons."""

    def __init__(self, timesteps: int, hidden: int = 256) -> None:
        super().__init__()
        grad = surrogate.atan(alpha=2.0)
        self.t = timesteps
        self.conv1, self.bn1 = nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.conv2, self.bn2 = nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64)
        self.fc1, self.readout = nn.Linear(64 * 7 * 7, hidden), nn.Linear(hidden, 10)
        self.lif1 = snn.Leaky(beta=0.5, learn_beta=True, spike_grad=grad)
        self.lif2 = snn.Leaky(beta=0.5, learn_beta=True, spike_grad=grad)
        self.lif3 = snn.Leaky(beta=0.5, learn_beta=True, spike_grad=grad)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - MNIST_MEAN) / MNIST_STD
        m1, m2, m3 = self.lif1.init_leaky(), self.lif2.init_leaky(), self.lif3.init_leaky()
        total = 0.0
        for _ in range(self.t):
            s1, m1 = self.lif1(self.bn1(self.conv1(x)), m1)
            s2, m2 = self.lif2(self.bn2(self.conv2(F.max_pool2d(s1, 2))), m2)
            s3, m3 = self.lif3(self.fc1(F.max_pool2d(s2, 2).flatten(1)), m3)
            total = total + self.readout(s3)
        return total / self.t


def measure(model: nn.Module, xs: list[torch.Tensor], ys: list[torch.Tensor]) -> float:
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        out = model(x)
        logits = out.logits if hasattr(out, "logits") else out
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step(xs[0], ys[0])  # warm-up
    start = time.perf_counter()
    for x, y in zip(xs, ys, strict=True):
        step(x, y)
    return sum(len(x) for x in xs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timesteps", type=int, default=4)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per engine")
    args = parser.parse_args()
    torch.manual_seed(0)
    images, labels = load_split(data_dir(), "mnist", "train")
    n = args.batches * args.batch_size
    x_all, y_all = to_tensor(images[:n]), torch.from_numpy(labels[:n].astype(np.int64))
    xs = list(x_all.split(args.batch_size))
    ys = list(y_all.split(args.batch_size))
    ours = SpikingNet(ArchSpec(channels=(32, 64), hidden=(256,)), EncoderSpec(), args.timesteps)
    plain = PlainSnntorch(args.timesteps)
    rates: dict[str, list[float]] = {"spikeglyph": [], "snntorch": []}
    for _ in range(args.rounds):  # alternate, so background load hits both alike
        rates["spikeglyph"].append(measure(ours, xs, ys))
        rates["snntorch"].append(measure(plain, xs, ys))
    best = {k: max(v) for k, v in rates.items()}
    emit(
        "train_speed",
        {
            "network": "conv32-conv64-fc256-readout, BN, LIF (learnable decay), ATan",
            "timesteps": args.timesteps,
            "batch_size": args.batch_size,
            "samples": n,
            "torch_threads": torch.get_num_threads(),
            "samples_per_s": {k: round(v, 1) for k, v in best.items()},
            "all_rounds": {k: [round(r, 1) for r in v] for k, v in rates.items()},
            "speedup": round(best["spikeglyph"] / best["snntorch"], 2),
        },
    )


if __name__ == "__main__":
    main()
