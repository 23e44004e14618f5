"""Per-epoch resumable checkpoints: safetensors for tensors, JSON for the rest. No pickle.

A checkpoint is two files written atomically (temp name + rename, manifest last), so a kill at
any instant leaves the previous complete checkpoint.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

TENSORS = "checkpoint.safetensors"
STATE = "checkpoint.json"
BEST = "best.safetensors"


@dataclass
class Checkpoint:
    epoch: int  # epochs completed
    step: int
    best_val: float
    best_epoch: int
    fingerprint: str
    history: list[dict[str, Any]]


def _atomic_save(tensors: dict[str, torch.Tensor], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp))
    os.replace(tmp, path)


def save(
    directory: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    state: Checkpoint,
    best_weights: dict[str, torch.Tensor] | None,
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    opt_state = optimizer.state_dict()
    for pid, slots in opt_state["state"].items():
        for name, value in slots.items():
            tensors[f"optim.{pid}.{name}"] = torch.as_tensor(value)
    tensors["rng.torch"] = torch.get_rng_state()
    if best_weights is not None:
        _atomic_save(best_weights, directory / BEST)
    _atomic_save(tensors, directory / TENSORS)
    tmp = directory / (STATE + ".tmp")
    tmp.write_text(json.dumps(state.__dict__), encoding="utf-8")
    os.replace(tmp, directory / STATE)


def load(
    directory: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, fingerprint: str
) -> tuple[Checkpoint, dict[str, torch.Tensor] | None] | None:
    """Restore the last checkpoint in ``directory`` if it belongs to this run; else None."""
    state_path = directory / STATE
    if not state_path.is_file() or not (directory / TENSORS).is_file():
        return None
    state = Checkpoint(**json.loads(state_path.read_text(encoding="utf-8")))
    if state.fingerprint != fingerprint:
        return None
    tensors = load_file(str(directory / TENSORS))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    opt_state = optimizer.state_dict()
    restored: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, pid, name = key.split(".", 2)
            restored.setdefault(int(pid), {})[name] = value
    opt_state["state"] = restored
    optimizer.load_state_dict(opt_state)
    torch.set_rng_state(tensors["rng.torch"])
    best = load_file(str(directory / BEST)) if (directory / BEST).is_file() else None
    return state, best
