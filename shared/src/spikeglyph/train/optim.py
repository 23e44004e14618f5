"""The optimiser and its schedule, seeding and threads: the set-up of a training run.

AdamW with a linear warm-up and cosine decay that is a pure function of the step, so resuming
from a checkpoint needs no scheduler state.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from spikeglyph.recipe import Recipe
from spikeglyph.train.network import SpikingNet


def use_threads(threads: int) -> None:
    """Let torch use ``threads`` CPU threads (the CLI's ``--threads``)."""
    torch.set_num_threads(threads)


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def lr_at(step: int, total: int, base: float, warmup_frac: float) -> float:
    warmup = max(1, int(total * warmup_frac))
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def build_optimizer(net: SpikingNet, config: Recipe) -> torch.optim.Optimizer:
    """AdamW with weight decay on weights only (not on biases, norms or learned decays)."""
    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for name, param in net.named_parameters():
        (no_decay if param.dim() <= 1 or "decay_logit" in name else decay).append(param)
    return torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": config.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=config.lr,
    )
