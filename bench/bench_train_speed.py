"""Training throughput: SpikeGlyph's layer-by-layer SNN against plain snntorch, one run.

Both train the *same* network (by default that of the MNIST training recipe, the shipped one:
conv 16-32 + BN + maxpool + LIF, fc 256, readout; its T, batch size and learning rate;
learnable decay, ATan surrogate, AdamW) on the same MNIST batches.
Plain snntorch is written the way its tutorials teach: a loop over time steps, every layer
called once per step with ``snn.Leaky`` (so the static input's first convolution is
recomputed at every step).

    python bench/bench_train_speed.py [--timesteps T] [--batches 30] [--batch-size B]
        [--channels 16,32] [--hidden 256] [--pool current|spikes] [--out PATH]

Unset options take the MNIST recipe's values (``spikeglyph.recipe.default_recipe``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import snntorch as snn
import torch
from _common import add_out_argument, data_dir, emit
from snntorch import surrogate
from torch import nn
from torch.nn import functional as F

from spikeglyph.data import load_split
from spikeglyph.recipe import ArchSpec, EncoderSpec, default_recipe
from spikeglyph.train.loop import to_tensor
from spikeglyph.train.network import MNIST_MEAN, MNIST_STD, SpikingNet


class PlainSnntorch(nn.Module):
    """The same network, step by step with snntorch's Leaky neurons.

    conv blocks are conv → BN → Leaky → maxpool, or conv → BN → maxpool → Leaky with
    ``pool="current"``; then the hidden fully-connected Leaky layers and the readout.
    """

    def __init__(
        self,
        timesteps: int,
        channels: tuple[int, ...] = (32, 64),
        hidden: tuple[int, ...] = (256,),
        pool: str = "spikes",
    ) -> None:
        super().__init__()
        grad = surrogate.atan(alpha=2.0)
        self.t, self.pool_current = timesteps, pool == "current"
        self.convs, self.norms, self.fcs = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        in_ch, size = 1, 28
        for ch in channels:
            self.convs.append(nn.Conv2d(in_ch, ch, 3, padding=1, bias=False))
            self.norms.append(nn.BatchNorm2d(ch))
            in_ch, size = ch, size // 2
        flat = in_ch * size * size
        for width in hidden:
            self.fcs.append(nn.Linear(flat, width))
            flat = width
        self.readout = nn.Linear(flat, 10)
        self.lifs = nn.ModuleList(
            snn.Leaky(beta=0.5, learn_beta=True, spike_grad=grad)
            for _ in range(len(channels) + len(hidden))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - MNIST_MEAN) / MNIST_STD
        mems = [lif.init_leaky() for lif in self.lifs]
        total = 0.0
        for _ in range(self.t):
            h, k = x, 0
            for conv, norm in zip(self.convs, self.norms, strict=True):
                cur = norm(conv(h))
                if self.pool_current:
                    h, mems[k] = self.lifs[k](F.max_pool2d(cur, 2), mems[k])
                else:
                    spikes, mems[k] = self.lifs[k](cur, mems[k])
                    h = F.max_pool2d(spikes, 2)
                k += 1
            h = h.flatten(1)
            for fc in self.fcs:
                h, mems[k] = self.lifs[k](fc(h), mems[k])
                k += 1
            total = total + self.readout(h)
        return total / self.t


def measure(model: nn.Module, xs: list[torch.Tensor], ys: list[torch.Tensor], lr: float) -> float:
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
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


def parse_args() -> argparse.Namespace:
    recipe = default_recipe("mnist")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timesteps", type=int, default=recipe.timesteps)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=recipe.batch_size)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per engine")
    parser.add_argument(
        "--channels", default=",".join(map(str, recipe.arch.channels)), help="conv channels"
    )
    parser.add_argument(
        "--hidden", default=",".join(map(str, recipe.arch.hidden)), help="hidden widths"
    )
    parser.add_argument("--pool", choices=("spikes", "current"), default=recipe.arch.pool)
    add_out_argument(parser, "train_speed")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    lr = default_recipe("mnist").lr
    torch.manual_seed(0)
    images, labels = load_split(data_dir(), "mnist", "train")
    n = args.batches * args.batch_size
    x_all, y_all = to_tensor(images[:n]), torch.from_numpy(labels[:n].astype(np.int64))
    xs = list(x_all.split(args.batch_size))
    ys = list(y_all.split(args.batch_size))
    channels = tuple(int(c) for c in args.channels.split(","))
    hidden = tuple(int(h) for h in args.hidden.split(",") if h)
    arch = ArchSpec(channels=channels, hidden=hidden, pool=args.pool)
    ours = SpikingNet(arch, EncoderSpec(), args.timesteps)
    plain = PlainSnntorch(args.timesteps, channels, hidden, args.pool)
    rates: dict[str, list[float]] = {"spikeglyph": [], "snntorch": []}
    for _ in range(args.rounds):  # alternate, so background load hits both alike
        rates["spikeglyph"].append(measure(ours, xs, ys, lr))
        rates["snntorch"].append(measure(plain, xs, ys, lr))
    best = {k: max(v) for k, v in rates.items()}
    emit(
        "train_speed",
        {
            "network": "-".join(
                [*(f"conv{c}" for c in channels), *(f"fc{h}" for h in hidden), "readout"]
            )
            + f", BN, LIF (learnable decay), ATan, max-pool of {args.pool}",
            "timesteps": args.timesteps,
            "batch_size": args.batch_size,
            "lr": lr,
            "samples": n,
            "torch_threads": torch.get_num_threads(),
            "samples_per_s": {k: round(v, 1) for k, v in best.items()},
            "all_rounds": {k: [round(r, 1) for r in v] for k, v in rates.items()},
            "speedup": round(best["spikeglyph"] / best["snntorch"], 2),
        },
        out=args.out,
    )


if __name__ == "__main__":
    main()
