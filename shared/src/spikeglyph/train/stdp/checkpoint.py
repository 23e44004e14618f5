"""Resumable learning state of an STDP run: weights, thresholds and the position reached.

Written atomically (temporary file, then rename) as safetensors with the position in its
string metadata; the batch order and input noise are derived from (seed, epoch, batch), so a
resumed run sees exactly the images and spikes it would have seen. A growing run
(:mod:`.growing`) also saves the neurons' labels and idle counters as tensors and its window
history as JSON metadata; its network is restored at the size it had reached.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

import torch
from safetensors.torch import load_file, safe_open, save_file

from spikeglyph.errors import InvalidJobParams
from spikeglyph.train.stdp.growth import GrowthRun, GrowthState, WindowRecord, set_neurons
from spikeglyph.train.stdp.network import StdpNet

STATE_NAME = "stdp-state.safetensors"


class Position(NamedTuple):
    epoch: int
    batch: int  # batches of ``epoch`` already learned
    seconds: float  # learning time so far
    done: bool


def save_state(
    workdir: Path,
    net: StdpNet,
    position: Position,
    fingerprint: str,
    growth: GrowthRun | None = None,
) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = workdir / f".{STATE_NAME}.tmp"
    tensors = {"weights": net.weights.cpu().contiguous(), "theta": net.theta.cpu().contiguous()}
    meta = {
        "fingerprint": fingerprint,
        "epoch": str(position.epoch),
        "batch": str(position.batch),
        "seconds": f"{position.seconds:.3f}",
        "done": "1" if position.done else "0",
    }
    if growth is not None:
        tensors["assignments"] = net.assignments.cpu().contiguous()
        tensors["idle"] = growth.state.idle.cpu().contiguous()
        meta["growth_history"] = json.dumps([asdict(record) for record in growth.history])
    save_file(tensors, str(tmp), metadata=meta)
    os.replace(tmp, workdir / STATE_NAME)


def load_state(workdir: Path, net: StdpNet, fingerprint: str) -> Position | None:
    """Restore ``net`` from ``workdir`` and return where learning stopped (None: fresh run)."""
    path = workdir / STATE_NAME
    if not path.is_file():
        return None
    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata() or {}
    if meta.get("fingerprint") != fingerprint:
        raise InvalidJobParams(
            f"{workdir} holds a checkpoint of a different STDP configuration; "
            "use another work directory"
        )
    tensors = load_file(str(path))
    if "assignments" in tensors:  # a growing run: the network has the size it had reached
        set_neurons(net, tensors["weights"], tensors["theta"], tensors["assignments"])
    else:
        with torch.no_grad():
            net.weights.copy_(tensors["weights"])
            net.theta.copy_(tensors["theta"])
    return Position(
        int(meta["epoch"]), int(meta["batch"]), float(meta["seconds"]), meta["done"] == "1"
    )


def load_growth(workdir: Path) -> GrowthRun:
    """The idle counters and window history of the growing run checkpointed in ``workdir``
    (call after :func:`load_state` found its checkpoint)."""
    path = workdir / STATE_NAME
    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata() or {}
        if "growth_history" not in meta:
            raise InvalidJobParams(f"{workdir} holds a checkpoint of an STDP run without growth")
        idle = handle.get_tensor("idle")
    history = [WindowRecord(**record) for record in json.loads(meta["growth_history"])]
    return GrowthRun(GrowthState(idle), history)
