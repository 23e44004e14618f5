"""Training configuration: one JSON-able record of everything that shaped a model."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from spikeglyph.train.augment import AugmentSpec
from spikeglyph.train.spec import ArchSpec, EncoderSpec, default_arch


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "mnist"
    arch: ArchSpec = field(default_factory=default_arch)
    encoder: EncoderSpec = field(default_factory=EncoderSpec)
    timesteps: int = 4
    epochs: int = 10
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-4
    warmup_frac: float = 0.05
    label_smoothing: float = 0.05
    rate_reg: float = 0.0  # weight of the mean-firing-rate penalty (energy-aware training)
    max_samples: int | None = None
    val_size: int = 5000
    seed: int = 0
    augment: AugmentSpec = field(default_factory=AugmentSpec)
    eval_batch_size: int = 500

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["arch"] = self.arch.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        values = dict(data)
        values["arch"] = ArchSpec.from_dict(values["arch"])
        values["encoder"] = EncoderSpec(**values.get("encoder", {}))
        values["augment"] = AugmentSpec(**values.get("augment", {}))
        return cls(**values)

    def fingerprint(self) -> str:
        """Identifies the run a checkpoint belongs to (resume refuses a different config)."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
